"""Resource kinds against moto in-process: retried calls, idempotent deletes, error lines."""

from __future__ import annotations

import json
import threading

import boto3
import pytest

from ecrrep.aws import AwsError
from ecrrep.aws.context import AwsContext
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Change
from ecrrep.engine.planner import apply_plan, plan_for
from ecrrep.resources.base import ApplyOptions
from ecrrep.resources.replication import KIND as REPLICATION
from ecrrep.resources.repositories import KIND as REPOSITORIES
from ecrrep.resources.roles import KIND as ROLES
from ecrrep.spec.models import Spec
from tests.support.server import allow_aws_replication_rule_count

SPEC = Spec.model_validate({
    "project": "proj",
    "source_region": "us-east-1",
    "destination_regions": ["us-west-2"],
    "repository_prefix": "apps",
    "repositories": [{"name": "web", "lifecycle": [{"select": "untagged",
                                                    "expire_after_days": 3}]}],
    "monitoring": {"enabled": False},
    "notifications": {"enabled": False},
    "cleanup": {"enabled": False},
})


def converge(ctx) -> None:
    plan = plan_for(ctx, SPEC, DiffOptions("proj"))
    report = apply_plan(ctx, plan, ApplyOptions())
    assert report.ok, [e.line() for _, e in report.failed]


def test_apply_then_plan_is_empty(ctx):
    converge(ctx)
    assert not plan_for(AwsContext(), SPEC, DiffOptions("proj")).has_changes


def test_retried_create_of_our_own_repository_counts_as_done(ctx):
    plan = plan_for(ctx, SPEC, DiffOptions("proj"))
    create = next(c for c in plan.changes
                  if c.type == "ecr_repository" and c.region == "us-west-2")
    REPOSITORIES.apply(ctx, create, ApplyOptions())
    # The first attempt landed but its answer was lost; the retry meets "already exists".
    REPOSITORIES.apply(ctx, create, ApplyOptions())
    ecr = boto3.client("ecr", region_name="us-west-2")
    assert [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]] == [
        "apps/web"]


def test_create_meeting_someone_elses_repository_fails(ctx):
    plan = plan_for(ctx, SPEC, DiffOptions("proj"))
    create = next(c for c in plan.changes
                  if c.type == "ecr_repository" and c.region == "us-west-2")
    boto3.client("ecr", region_name="us-west-2").create_repository(repositoryName="apps/web")
    with pytest.raises(AwsError) as raised:
        REPOSITORIES.apply(ctx, create, ApplyOptions())
    assert raised.value.code == "RepositoryAlreadyExistsException"
    assert "apps/web (us-west-2)" in raised.value.line()


def test_delete_of_a_missing_repository_counts_as_done(ctx):
    gone = Change("ecr_repository", "us-east-1", "apps/gone", "delete", {}, None)
    REPOSITORIES.apply(ctx, gone, ApplyOptions())


def test_role_with_inline_policies_is_deleted_and_missing_role_is_fine(ctx):
    converge(ctx)
    iam = boto3.client("iam", region_name="us-east-1")
    iam.put_role_policy(RoleName="proj-ecr-ci", PolicyName="extra", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ecr:ListImages", "Resource": "*"}]}))
    delete = Change("iam_role", "global", "proj-ecr-ci", "delete", {}, None,
                    facts={"iam_region": "us-east-1"})
    ROLES.apply(ctx, delete, ApplyOptions())
    ROLES.apply(ctx, delete, ApplyOptions())
    assert "proj-ecr-ci" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_replication_write_keeps_a_rule_added_after_the_plan(ctx):
    allow_aws_replication_rule_count()
    plan = plan_for(ctx, SPEC, DiffOptions("proj"))
    rule_change = next(c for c in plan.changes if c.type == "ecr_replication_rule")
    ecr = boto3.client("ecr", region_name="us-east-1")
    theirs = {"destinations": [{"region": "eu-west-1", "registryId": "123456789012"}],
              "repositoryFilters": [{"filter": "other", "filterType": "PREFIX_MATCH"}]}
    # Written by someone else after our plan was made: the plan never saw it.
    ecr.put_replication_configuration(replicationConfiguration={"rules": [theirs]})
    REPLICATION.apply(ctx, rule_change, ApplyOptions())
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert rules[0] == theirs
    assert rules[1]["repositoryFilters"] == [{"filter": "apps/", "filterType": "PREFIX_MATCH"}]
    delete = Change(rule_change.type, rule_change.region, rule_change.name, "delete",
                    rule_change.after, None, facts=rule_change.facts)
    REPLICATION.apply(ctx, delete, ApplyOptions())
    assert ecr.describe_registry()["replicationConfiguration"]["rules"] == [theirs]


def test_call_counts_separate_reads_from_writes(ctx):
    converge(ctx)
    fresh = AwsContext()
    plan_for(fresh, SPEC, DiffOptions("proj"))
    stats = fresh.stats()
    assert stats.total > 0 and stats.mutating == 0


def test_two_of_our_rules_written_at_once_are_both_kept(ctx):
    """Two rules of ours (repositories going to different regions) are two changes applied
    at the same time. The second's read must come after the first's write, or its write
    drops the first rule (and each then finds its own rule in place)."""
    allow_aws_replication_rule_count()
    spec = Spec.model_validate({**SPEC.model_dump(mode="json", exclude_none=True),
                                "destination_regions": ["us-west-2", "eu-west-1"],
                                "repositories": [{"name": "web", "replicate_to": ["us-west-2"]},
                                                 {"name": "api"}]})
    assert apply_plan(ctx, plan_for(ctx, spec, DiffOptions("proj")), ApplyOptions()).ok
    ecr = boto3.client("ecr", region_name="us-east-1")
    ecr.put_replication_configuration(replicationConfiguration={"rules": []})  # rules only
    first, second = [c for c in plan_for(ctx, spec, DiffOptions("proj")).changes
                     if c.type == "ecr_replication_rule"]
    second_done = threading.Event()

    def apply_second() -> None:
        REPLICATION.apply(ctx, second, ApplyOptions())
        second_done.set()

    reads = ctx.client("ecr", "us-east-1").meta.events
    first_thread = threading.current_thread()
    started: list[threading.Thread] = []

    def after_first_read(**_: object) -> None:
        # Between the first change's read and its write, the second change runs: to the
        # end unless it has to wait for its turn (then this wait gives up and goes on).
        if threading.current_thread() is first_thread and not started:
            started.append(threading.Thread(target=apply_second))
            started[0].start()
            second_done.wait(timeout=0.5)

    reads.register("after-call.ecr.DescribeRegistry", after_first_read)
    REPLICATION.apply(ctx, first, ApplyOptions())
    started[0].join(timeout=30)

    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert sorted(f["filter"] for r in rules for f in r["repositoryFilters"]) == [
        "apps/api", "apps/web"]
