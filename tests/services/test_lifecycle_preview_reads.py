"""The lifecycle preview step of the plan against moto in-process: which repositories it
reads, and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from ecrrep.aws.context import AwsContext
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Plan
from ecrrep.engine.planner import apply_plan, plan_for
from ecrrep.resources.base import ApplyOptions
from ecrrep.spec.models import Spec
from tests.support.pushed_images import push

REGIONS = ("us-east-1", "us-west-2")


def spec(rules: list[dict] | None = None, raw: dict | None = None) -> Spec:
    repository: dict = {"name": "web"}
    if raw is not None:
        repository["lifecycle_policy"] = raw
    else:
        repository["lifecycle"] = rules or [
            {"select": "tagged", "tag_prefixes": ["v"], "keep_last": 5}]
    return Spec.model_validate({
        "project": "proj",
        "source_region": REGIONS[0],
        "destination_regions": list(REGIONS[1:]),
        "repository_prefix": "apps",
        "repositories": [repository],
        "monitoring": {"enabled": False},
        "notifications": {"enabled": False},
        "cleanup": {"enabled": False},
    })


def converge(ctx: AwsContext, wanted: Spec) -> None:
    report = apply_plan(ctx, plan_for(ctx, wanted, DiffOptions("proj")), ApplyOptions())
    assert report.ok, [e.line() for _, e in report.failed]


def describe_images_calls(context: AwsContext) -> int:
    return context.stats().calls[("ecr", "DescribeImages")]


def lifecycle_changes(plan: Plan) -> dict[str, object]:
    return {c.region: c for c in plan.changes if c.type == "ecr_lifecycle_policy"}


def test_an_unchanged_plan_reads_no_images(ctx):
    converge(ctx, spec())
    fresh = AwsContext()
    plan = plan_for(fresh, spec(), DiffOptions("proj"))
    assert not plan.has_changes
    assert describe_images_calls(fresh) == 0


def test_a_plan_creating_repositories_reads_no_images(ctx):
    fresh = AwsContext()
    plan = plan_for(fresh, spec(), DiffOptions("proj"))
    assert {c.action for c in lifecycle_changes(plan).values()} == {"create"}
    assert describe_images_calls(fresh) == 0
    assert all(not c.notes for c in lifecycle_changes(plan).values())


def test_a_changed_policy_reads_each_region_once_and_previews_it(ctx):
    converge(ctx, spec())
    ecr = boto3.client("ecr", region_name=REGIONS[0])
    now = datetime.now(UTC)
    pushed = [push(ecr, "apps/web", f"v{n}", [f"v{n}"], timedelta(days=n + 1), now)
              for n in range(4)]
    fresh = AwsContext()
    changed = spec([{"select": "tagged", "tag_prefixes": ["v"], "keep_last": 1}])
    plan = plan_for(fresh, changed, DiffOptions("proj"))
    assert describe_images_calls(fresh) == len(REGIONS)
    source, replica = (lifecycle_changes(plan)[r] for r in REGIONS)
    assert "would expire 3 of 4 current images" in source.notes
    assert [e["digest"] for e in source.facts["would_expire"]] == list(reversed(pushed[1:]))
    assert source.facts["current_images"] == 4
    assert "would expire 0 of 0 current images" in replica.notes
    # The preview travels with the plan (saved plans, --json).
    again = Plan.from_json(plan.to_json())
    assert lifecycle_changes(again)[REGIONS[0]].facts == source.facts


def test_a_pull_time_policy_is_previewed(ctx):
    converge(ctx, spec())
    pulled = {"rules": [{"rulePriority": 1, "action": {"type": "expire"}, "selection": {
        "tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days",
        "countNumber": 30}}]}
    plan = plan_for(AwsContext(), spec(raw=pulled), DiffOptions("proj"))
    source = lifecycle_changes(plan)[REGIONS[0]]
    assert source.action == "update"
    assert source.notes[-1].startswith("would expire 0 of ")
    assert source.facts["would_expire"] == []


def test_a_removed_policy_is_not_previewed(ctx):
    converge(ctx, spec())
    fresh = AwsContext()
    without = Spec.model_validate({**spec().model_dump(mode="json"),
                                   "repositories": [{"name": "web"}]})
    plan = plan_for(fresh, without, DiffOptions("proj"))
    assert {c.action for c in lifecycle_changes(plan).values()} == {"delete"}
    assert describe_images_calls(fresh) == 0


def test_a_plan_changing_the_policy_and_the_destinations_reads_the_images_once(ctx):
    """The lifecycle preview, the backfill check and the cost estimate all need apps/web's
    images in the source region: one listing serves them all."""
    from ecrrep.workflows.plan import PlanOptions, plan_changes, plan_cost

    converge(ctx, spec())
    push(boto3.client("ecr", region_name=REGIONS[0]), "apps/web", "a", ["v1"])
    changed = spec([{"select": "tagged", "tag_prefixes": ["v"], "keep_last": 1}])
    changed = changed.model_copy(update={"destination_regions": ["us-west-2", "eu-west-1"]})
    fresh = AwsContext()

    plan = plan_changes(fresh, changed, PlanOptions())
    estimate = plan_cost(fresh, changed, plan)

    assert estimate is not None
    assert any(n.startswith("backfill:") for c in plan.changes for n in c.notes)
    calls = fresh.stats().calls
    # The preview's, in each region the policy changes in; none again for the others.
    assert (calls[("ecr", "DescribeImages")], calls[("ecr", "ListImages")]) == (2, 0)
