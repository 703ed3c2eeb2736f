"""The plan as a person reads it, from plain Plan values: identical creations folded with
their count and names; updates, deletions, conflicts and notes always in full; --full (or -v)
lists every resource; the summary line stays."""

from __future__ import annotations

import io

from rich.console import Console

from ecrrep.engine.plan import Change, FieldChange, Plan
from ecrrep.render.fold import plan_sections
from ecrrep.render.plan import render_plan
from ecrrep.render.stacked import wrapped

TITLES = {"ecr_repository": "ECR repositories", "cloudwatch_alarm": "CloudWatch alarms"}
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
SETTINGS = {"tag_mutability": "IMMUTABLE", "scan_on_push": True,
            "tags": {"Team": "DevOps", "ecrrep:project": "p"}}


def repository(name: str, region: str, action: str = "create", **changes) -> Change:
    after = None if action == "delete" else {**SETTINGS, **changes.pop("after", {})}
    return Change("ecr_repository", region, name, action, changes.pop("before", None), after,
                  **changes)


def alarm(repo: str) -> Change:
    return Change("cloudwatch_alarm", "us-east-1", f"p-{repo.split('/')[1]}-size", "create",
                  None, {"tags": {"Team": "DevOps"}},
                  facts={"summary": [f"alarm when size of {repo} > 50 GiB"]})


def many(n: int) -> list[Change]:
    return [repository(f"apps/app-{i:04d}", region) for region in REGIONS for i in range(n)]


def rendered(plan: Plan, width: int = 80, **options) -> str:
    console = Console(file=io.StringIO(), width=width, no_color=True, soft_wrap=True,
                      highlight=False)
    render_plan(console, plan, TITLES, **options)
    return console.file.getvalue()


def test_identical_creations_in_many_regions_are_shown_once_with_count_and_names():
    text = rendered(Plan(many(1000)), width=120)

    lines = text.splitlines()
    assert "Regions us-east-1, us-west-2, eu-west-1 — the same in each" in lines
    assert "    + create 1,000 ECR repositories in each region, all with:" in lines
    assert lines.count("        tag_mutability: IMMUTABLE") == 1
    assert ("        names: apps/app-0000, apps/app-0001, apps/app-0002 and 997 more (-v lists "
            "them all)") in lines
    assert "apps/app-0500" not in text
    assert lines[-1] == "Plan: 3000 to add, 0 to change, 0 to destroy."


def test_full_and_verbose_list_every_resource():
    for options in ({"full": True}, {"verbose": True}):
        text = rendered(Plan(many(10)), **options)
        assert "all with" not in text
        for i in range(10):
            assert text.count(f"+ create apps/app-{i:04d}\n") == 3
        assert "Region us-west-2" in text


def test_updates_deletions_conflicts_and_notes_are_never_folded():
    update = [repository(f"apps/u{i}", "us-east-1", "update",
                         before={**SETTINGS, "scan_on_push": False},
                         fields=[FieldChange("scan_on_push", False, True)]) for i in range(3)]
    delete = [repository(f"apps/d{i}", "us-east-1", "delete", before=SETTINGS,
                         facts={"image_count": 2}) for i in range(3)]
    blocked = [repository(f"apps/b{i}", "us-east-1",
                          blocked=f"apps/b{i} exists without the ownership tag") for i in range(3)]
    noted = [repository(f"apps/n{i}", "us-east-1", notes=["pending confirmation"])
             for i in range(3)]
    text = rendered(Plan(update + delete + blocked + noted + many(5)))

    for i in range(3):
        assert f"~ update apps/u{i}\n        scan_on_push: false → true\n" in text
        assert f"- destroy apps/d{i}\n        holds 2 images\n" in text
        assert f"+ create apps/b{i}  (blocked)\n" in text
        assert text.count(f"apps/b{i} exists without the ownership tag") == 2  # + the list
        assert f"+ create apps/n{i}\n" in text
    assert text.count("pending confirmation") == 3
    assert "+ create 5 ECR repositories in each region, all with:" in text
    assert text.splitlines()[-1] == "Plan: 21 to add, 3 to change, 3 to destroy."
    assert "3 change(s) cannot be applied:" in text


def test_creations_that_differ_only_by_their_repository_fold_as_repository():
    repos = [f"apps/app-{i}" for i in range(4)]
    plan = Plan([repository(r, "us-east-1") for r in repos] + [alarm(r) for r in repos])

    text = rendered(plan, width=120)

    assert "    + create 4 CloudWatch alarms, all with:" in text
    assert "        alarm when size of <repository> > 50 GiB" in text
    assert "        <repository>: apps/app-0, apps/app-1, apps/app-2, apps/app-3" in text
    assert "p-app-0-size, p-app-1-size, p-app-2-size, p-app-3-size" in text


def test_a_resource_made_in_only_some_regions_is_shown_under_those():
    changes = many(2) + [repository("apps/solo", "us-west-2")]
    sections = plan_sections(Plan(changes))
    assert [(s.regions, [e.names for e in s.entries]) for s in sections] == [
        (tuple(REGIONS), [["apps/app-0000", "apps/app-0001"]]),
        (("us-west-2",), [["apps/solo"]]),
    ]


def test_lines_wrap_at_spaces_and_never_cut_a_word():
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/a-very-long-function-name:*"
    lines = wrapped([f"  WriteLogs: Allow logs:CreateLogGroup, logs:PutLogEvents → {arn}"],
                    60, 8)
    assert lines == ["          WriteLogs: Allow logs:CreateLogGroup,",
                     "            logs:PutLogEvents →",
                     f"            {arn}"]
