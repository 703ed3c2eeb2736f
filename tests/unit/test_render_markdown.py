"""Plans and replication reports as Markdown comments: parsed back, every change is there,
sections balance, and a 1,000-repository plan fits GitHub's comment limit without a broken
table."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ecrrep.engine.plan import Change, FieldChange, Plan
from ecrrep.render.markdown import GITHUB_COMMENT_LIMIT, plan_markdown, validation_markdown
from ecrrep.replication.model import ImageGap, RegionResult, Report, SettingDrift

TITLES = {"ecr_repository": "ECR repositories", "ecr_lifecycle_policy": "Lifecycle policies",
          "ecr_repository_policy": "Repository policies", "iam_role": "IAM roles"}
REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
CELL_SPLIT = re.compile(r"(?<!\\)\|")


def repository_changes(count: int) -> list[Change]:
    changes = []
    for region in REGIONS:
        for i in range(count):
            name = f"my-company-apps/service-{i:04d}"
            changes.append(Change("ecr_repository", region, name, "create", None, {
                "tag_mutability": "IMMUTABLE", "scan_on_push": True, "encryption": "AES256"}))
            changes.append(Change("ecr_lifecycle_policy", region, name, "create", None,
                                  {"policy": {"rules": []}},
                                  facts={"summary": ["1. Keep the last 15 tagged prod images"]}))
            changes.append(Change("ecr_repository_policy", region, name, "update",
                                  {"policy": {"Statement": [{"Sid": "A"}]}},
                                  {"policy": {"Statement": [{"Sid": "B"}]}},
                                  fields=[FieldChange("policy", {"Statement": [{"Sid": "A"}]},
                                                      {"Statement": [{"Sid": "B"}]})]))
    return changes


def a_plan(count: int) -> Plan:
    role = Change("iam_role", "global", "proj-ecr-ci", "update", {"description": "old"},
                  {"description": "new | with a pipe"},
                  fields=[FieldChange("description", "old", "new | with a pipe")])
    conflict = Change("ecr_repository", "us-east-1", "my-company-apps/taken", "no-op", {}, {},
                      blocked="exists without the ownership tag ecrrep:project=proj")
    unchanged = Change("ecr_repository", "us-east-1", "my-company-apps/same", "no-op", {}, {})
    return Plan([role, *repository_changes(count), conflict, unchanged])


def tables(markdown: str) -> list[list[str]]:
    """Every table: consecutive lines starting with '|'."""
    found, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found + ([current] if current else [])


def assert_well_formed(markdown: str) -> None:
    assert markdown.count("<details") == markdown.count("</details>")
    assert markdown.count("```") % 2 == 0
    for table in tables(markdown):
        assert re.fullmatch(r"\|(---:?\|)+", table[1].replace("|---:", "|---:")), table[:2]
        width = len(CELL_SPLIT.split(table[0]))
        for row in table:
            assert len(CELL_SPLIT.split(row)) == width, row


def test_every_change_is_in_the_comment_once_and_conflicts_come_first():
    plan = a_plan(3)
    markdown = plan_markdown(plan, TITLES)
    assert_well_formed(markdown)
    assert "**Plan: 18 to add, 10 to change, 0 to destroy.**" in markdown
    for change in plan.changes:
        rows = [line for line in markdown.splitlines()
                if line.startswith("|") and f"`{change.address}`" in line]
        if change.is_change:
            assert len(rows) == 1, change.address
    assert f"`{plan.changes[-1].address}`" not in markdown  # unchanged: only counted
    blocked_at = markdown.index("my-company-apps/taken")
    assert blocked_at < markdown.index("<details")
    assert "Shortened" not in markdown
    # A field change as a diff block; the pipe in a cell does not open a column.
    assert "```diff\n- description: old\n+ description: new | with a pipe\n```" in markdown


def test_sections_per_region_and_kind_with_counts():
    markdown = plan_markdown(a_plan(2), TITLES)
    summaries = re.findall(r"<summary>(.*?)</summary>", markdown)
    assert summaries[0] == "IAM (global) — IAM roles (1 to change)"
    assert "Region us-west-2 — Lifecycle policies (2 to add)" in summaries
    assert "Region us-east-1 — ECR repositories (2 to add, 1 to resolve)" in summaries


def test_a_thousand_repositories_fit_a_github_comment_shortened_with_a_note():
    plan = a_plan(1000)
    markdown = plan_markdown(plan, TITLES)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    assert_well_formed(markdown)
    assert "**Plan: 6000 to add, 3001 to change, 0 to destroy.**" in markdown
    assert "**Shortened to fit a comment.** Run `ecrrep plan` for everything" in markdown
    # Every section keeps its summary; the conflict is listed whole.
    summaries = re.findall(r"<summary>(.*?)</summary>", markdown)
    assert len(summaries) == 1 + 3 * 3
    assert "my-company-apps/taken" in markdown.split("<details")[0]
    assert re.search(r"_… and \d+ more not shown here\._", markdown)


def report(results: list[RegionResult]) -> Report:
    return Report(datetime(2026, 12, 6, 9, 0, tzinfo=UTC), results)


def test_validation_markdown_lists_failures_first_then_passes():
    markdown = validation_markdown(report([
        RegionResult("apps/a", "us-west-2", "ok", 2),
        RegionResult("apps/a", "eu-west-1", "gaps", 2,
                     missing=(ImageGap("sha256:" + "1" * 64, ("v1",)),)),
        RegionResult("apps/b", "eu-west-1", "drift", 0,
                     drift=(SettingDrift("scan_on_push", True, False),)),
    ]))
    assert_well_formed(markdown)
    failed, passed = markdown.index("2 check(s) failed"), markdown.index("1 check(s) passed")
    assert failed < passed
    assert "- missing sha256:" + "1" * 64 + " (v1)" in markdown
    assert "- scan_on_push: source true, replica false" in markdown
    assert "Checked at 2026-12-06T09:00:00Z." in markdown


def test_validation_markdown_of_two_thousand_checks_fits():
    results = [RegionResult(f"apps/service-{i:04d}", region, "ok" if i % 7 else "gaps", 3,
                            missing=() if i % 7 else (ImageGap("sha256:" + "2" * 64, ("x",)),))
               for i in range(1000) for region in ("us-west-2", "eu-west-1")]
    markdown = validation_markdown(report(results))
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    assert_well_formed(markdown)
    assert "Shortened to fit a comment" in markdown


def test_identical_creations_share_one_row_updates_keep_theirs():
    markdown = plan_markdown(a_plan(1000), TITLES, limit=10_000_000)
    assert_well_formed(markdown)
    rows = [line for line in markdown.splitlines() if line.startswith("| + |")]
    # One row per region for the repositories, one for the lifecycle policies.
    assert len(rows) == 2 * 3
    west = [r for r in rows if "`ecr_repository.us-west-2.my-company-apps/service-0000`" in r]
    assert west == [
        "| + | `ecr_repository.us-west-2.my-company-apps/service-0000`, "
        "`ecr_repository.us-west-2.my-company-apps/service-0001`, "
        "`ecr_repository.us-west-2.my-company-apps/service-0002`, and 997 more | "
        "create 1,000 alike |  |"]
    # Updates are never folded: each has its row and its diff.
    assert len([line for line in markdown.splitlines() if line.startswith("| ~ |")]) == 3001
    assert "Shortened" not in markdown
