"""Destroy stays safe under faults: whatever fails, and wherever, it never deletes what the
project does not own, nor a repository holding images without --force-delete-images; the next
destroy finishes the job."""

from __future__ import annotations

import json
import threading

import pytest

from tests.support.account import ACCOUNT_ID
from tests.support.account_snapshot import account_snapshot
from tests.support.fault_proxy import Call, lose_first_answers, via
from tests.support.fault_runs import REGIONS, SEED, apply_report
from tests.support.pushed_images import push

pytestmark = pytest.mark.e2e

PREFIX = SEED["repository_prefix"]
SOURCE = SEED["source_region"]
FOREIGN_RULE = {
    "destinations": [{"region": "us-west-2", "registryId": ACCOUNT_ID}],
    "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}],
}
UNOWNED_REPOSITORY = f"{PREFIX}/legacy"  # under our prefix, without the ownership tag


def apply_and_add_foreign(cli, aws) -> dict:
    """The seed example applied, plus what another team keeps next to it: its replication
    rule and an untagged repository with an image under our prefix. Returns that part."""
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    ecr = aws.client("ecr", SOURCE)
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    ecr.put_replication_configuration(replicationConfiguration={"rules": [*rules, FOREIGN_RULE]})
    ecr.create_repository(repositoryName=UNOWNED_REPOSITORY)
    push(ecr, UNOWNED_REPOSITORY, "legacy", ["v1"])
    return foreign_part(aws)


def foreign_part(aws) -> dict:
    ecr = aws.client("ecr", SOURCE)
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    repositories = ecr.describe_repositories()["repositories"]
    return {
        "rules": [rule for rule in rules if rule != ours(rule)],
        "repository": [{k: v for k, v in r.items() if k != "createdAt"}
                       for r in repositories if r["repositoryName"] == UNOWNED_REPOSITORY],
        "images": ecr.list_images(repositoryName=UNOWNED_REPOSITORY)["imageIds"],
    }


def ours(rule: dict) -> dict | None:
    filters = rule.get("repositoryFilters", [])
    return rule if filters == [{"filter": f"{PREFIX}/", "filterType": "PREFIX_MATCH"}] else None


def left_of_ours(aws) -> list[tuple[str, str]]:
    snapshot = account_snapshot(aws, REGIONS)
    return [
        (kind, name) for kind, resources in snapshot.items() for name in resources
        if name != UNOWNED_REPOSITORY and "other-team" not in name
    ]


def test_a_destroy_failing_at_any_point_keeps_what_is_not_ours_and_the_next_one_finishes(
        cli, aws, proxy, write_spec):
    write_spec()
    env = via(proxy, ECRREP_PARALLELISM="1")
    foreign = apply_and_add_foreign(cli, aws)
    proxy.reset()
    reference = cli("destroy", "--auto-approve", env=env)
    assert reference.returncode == 0, reference.stdout + reference.stderr
    count = len(proxy.mutating_forwarded())
    assert foreign_part(aws) == foreign
    assert left_of_ours(aws) == []

    for k in sorted({1, count // 4, count // 2, 3 * count // 4, count}):
        aws.reset()
        foreign = apply_and_add_foreign(cli, aws)
        proxy.reset()
        proxy.fail_mutating(k)
        failed = cli("destroy", "--auto-approve", env=env)
        assert failed.returncode == 1, (k, failed.stdout + failed.stderr)
        assert len(apply_report(failed).failed) == 1, failed.stdout
        assert "Destroy stopped." in failed.stdout
        assert foreign_part(aws) == foreign, k

        proxy.reset()
        again = cli("destroy", "--auto-approve", env=env)
        assert again.returncode == 0, (k, again.stdout + again.stderr)
        assert foreign_part(aws) == foreign, k
        assert left_of_ours(aws) == [], k


def test_a_destroy_whose_every_deletion_lands_but_loses_its_answer_finishes(
        cli, aws, proxy, write_spec):
    """Each deletion takes effect and its first answer is a 500 or a reset connection: the
    retry meets "not found", which is done, for that step alone (a role's policy already
    gone must not skip deleting the role)."""
    write_spec()
    foreign = apply_and_add_foreign(cli, aws)
    lose_first_answers(proxy)
    proxy.throttle(0.10, match=lambda call: not call.mutating)

    result = cli("destroy", "--auto-approve", env=via(proxy))

    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = proxy.outcomes()
    assert outcomes["error-500-after"] > 0 and outcomes["dropped-after"] > 0, outcomes
    assert foreign_part(aws) == foreign
    assert left_of_ours(aws) == [], result.stdout + result.stderr


def test_a_repository_that_gains_an_image_after_the_plan_is_not_deleted(
        cli, aws, proxy, write_spec):
    """The plan saw an empty repository; an image is pushed just before its deletion is sent.
    ECR refuses the deletion (ecrrep never asks for force without the flag): the repository
    and its image stay, destroy exits 1, and the next destroy refuses up front."""
    write_spec()
    foreign = apply_and_add_foreign(cli, aws)
    pushed: list[str] = []
    once = threading.Lock()

    def push_first(call: Call) -> None:
        if once.acquire(blocking=False):
            name = json.loads(call.body)["repositoryName"]
            push(aws.client("ecr", call.region), name, "late", ["late"])
            pushed.append(f"{call.region}:{name}")

    proxy.hook(lambda call: call.action == "DeleteRepository", before=push_first)

    result = cli("destroy", "--auto-approve", env=via(proxy))

    assert result.returncode == 1, result.stdout + result.stderr
    [where] = pushed
    region, name = where.split(":", 1)
    report = apply_report(result)
    [(address, error)] = report.failed.items()
    assert address == f"ecr_repository.{region}.{name}"
    assert "RepositoryNotEmptyException" in error
    images = aws.client("ecr", region).list_images(repositoryName=name)["imageIds"]
    assert [i.get("imageTag") for i in images] == ["late"]
    assert foreign_part(aws) == foreign

    proxy.reset()
    again = cli("destroy", "--auto-approve", env=via(proxy))
    assert again.returncode == 1
    assert "destroy refused" in again.stderr
    assert not any(c.mutating for c in proxy.snapshot())
    assert aws.client("ecr", region).list_images(repositoryName=name)["imageIds"] == images
