"""The sandbox replicates pushed images as ECR does, checked with plain boto3."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox.images import put_image, sample_manifest
from tests.support.sandbox_replication import (
    DELAY,
    SOURCE,
    configure_rules,
    images,
    repository_names,
    rule,
    statuses,
)


def push(sandbox: Any, repository: str, seed: str, tag: str) -> str:
    return put_image(sandbox.client("ecr", SOURCE), repository, sample_manifest(seed), [tag])


@pytest.fixture
def two_rules(sandbox: Any) -> Any:
    """apps/* → us-west-2 and eu-west-1; tools/* → ap-south-1; delay 10 s."""
    sandbox.configure(replication_delay_seconds=10)
    ecr = sandbox.client("ecr", SOURCE)
    for name in ("apps/web", "tools/ci", "other/x"):
        ecr.create_repository(repositoryName=name)
    configure_rules(sandbox, rule("apps", "us-west-2", "eu-west-1"), rule("tools", "ap-south-1"))
    return sandbox


def test_a_push_appears_after_the_delay_in_each_matching_destination_only(two_rules):
    sandbox = two_rules
    web = push(sandbox, "apps/web", "web-1", "v1")
    ci = push(sandbox, "tools/ci", "ci-1", "c1")
    push(sandbox, "other/x", "x-1", "x1")
    assert repository_names(sandbox, "us-west-2") == []
    sandbox.advance(10)
    assert images(sandbox, "us-west-2", "apps/web") == {web: ["v1"]}
    assert images(sandbox, "eu-west-1", "apps/web") == {web: ["v1"]}
    assert images(sandbox, "ap-south-1", "tools/ci") == {ci: ["c1"]}
    assert repository_names(sandbox, "us-west-2") == ["apps/web"]
    assert repository_names(sandbox, "eu-west-1") == ["apps/web"]
    assert repository_names(sandbox, "ap-south-1") == ["tools/ci"]
    assert repository_names(sandbox, "us-west-1") == []


def test_status_is_in_progress_until_due_then_complete(two_rules):
    sandbox = two_rules
    digest = push(sandbox, "apps/web", "web-1", "v1")
    assert statuses(sandbox, "apps/web", digest) == {"us-west-2": "IN_PROGRESS",
                                                     "eu-west-1": "IN_PROGRESS"}
    sandbox.advance(9)
    assert set(statuses(sandbox, "apps/web", digest).values()) == {"IN_PROGRESS"}
    sandbox.advance(DELAY)
    assert statuses(sandbox, "apps/web", digest) == {"us-west-2": "COMPLETE",
                                                     "eu-west-1": "COMPLETE"}


def test_a_failed_replication_says_failed_and_creates_no_image(two_rules):
    sandbox = two_rules
    sandbox.configure(replication_failure_rate=1.0)
    digest = push(sandbox, "apps/web", "web-1", "v1")
    sandbox.advance(10)
    answer = sandbox.client("ecr", SOURCE).describe_image_replication_status(
        repositoryName="apps/web", imageId={"imageTag": "v1"})
    assert {(s["region"], s["status"]) for s in answer["replicationStatuses"]} == {
        ("us-west-2", "FAILED"), ("eu-west-1", "FAILED")}
    assert all(s["failureCode"] for s in answer["replicationStatuses"])
    assert answer["imageId"]["imageDigest"] == digest
    assert repository_names(sandbox, "us-west-2") == []


def test_the_failure_draw_follows_the_seed(two_rules):
    sandbox = two_rules

    def outcomes(prefix: str) -> list[str]:
        sandbox.configure(replication_failure_rate=0.5, seed=7)
        digests = [push(sandbox, "apps/web", f"{prefix}-{n}", f"{prefix}-{n}") for n in range(8)]
        sandbox.advance(10)
        return [statuses(sandbox, "apps/web", d)["us-west-2"] for d in digests]

    first = outcomes("a")
    sandbox.configure(seed=None)
    assert outcomes("b") == first
    assert {"COMPLETE", "FAILED"} <= set(first)


def test_an_image_pushed_before_the_rule_is_not_replicated(sandbox):
    ecr = sandbox.client("ecr", SOURCE)
    ecr.create_repository(repositoryName="apps/web")
    before = push(sandbox, "apps/web", "old", "old")
    configure_rules(sandbox, rule("apps", "us-west-2"))
    after = push(sandbox, "apps/web", "new", "new")
    sandbox.advance(DELAY)
    assert images(sandbox, "us-west-2", "apps/web") == {after: ["new"]}
    assert statuses(sandbox, "apps/web", before) == {}


def test_a_moved_tag_moves_in_the_destination_and_deletions_stay_in_the_source(sandbox):
    ecr = sandbox.client("ecr", SOURCE)
    ecr.create_repository(repositoryName="apps/web")
    configure_rules(sandbox, rule("apps", "us-west-2"))
    first = push(sandbox, "apps/web", "one", "latest")
    put_image(ecr, "apps/web", sample_manifest("one"), ["v1"])
    second = push(sandbox, "apps/web", "two", "latest")
    sandbox.advance(DELAY)
    assert images(sandbox, "us-west-2", "apps/web") == {first: ["v1"], second: ["latest"]}
    # ECR replication never deletes: https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html
    ecr.batch_delete_image(repositoryName="apps/web", imageIds=[{"imageDigest": first}])
    sandbox.advance(DELAY)
    assert images(sandbox, "us-west-2", "apps/web") == {first: ["v1"], second: ["latest"]}


def test_a_replicated_image_is_not_replicated_again_from_the_destination(sandbox):
    sandbox.client("ecr", SOURCE).create_repository(repositoryName="apps/web")
    configure_rules(sandbox, rule("apps", "us-west-2"))
    sandbox.client("ecr", "us-west-2").put_replication_configuration(
        replicationConfiguration={"rules": [rule("apps", "eu-west-1")]})
    push(sandbox, "apps/web", "one", "v1")
    sandbox.advance(DELAY)
    assert repository_names(sandbox, "us-west-2") == ["apps/web"]
    assert repository_names(sandbox, "eu-west-1") == []


def test_ten_rules_are_accepted_and_an_eleventh_refused(sandbox):
    ecr = sandbox.client("ecr", SOURCE)
    ten = [rule(f"team{n}", "us-west-2") for n in range(10)]
    ecr.put_replication_configuration(replicationConfiguration={"rules": ten})
    with pytest.raises(ClientError) as refused:
        ecr.put_replication_configuration(
            replicationConfiguration={"rules": [*ten, rule("team10", "us-west-2")]})
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "less than or equal to 10" in refused.value.response["Error"]["Message"]
    assert len(ecr.describe_registry()["replicationConfiguration"]["rules"]) == 10


def test_more_than_25_unique_destinations_are_refused(sandbox):
    ecr = sandbox.client("ecr", SOURCE)
    accounts = [f"{n:012d}" for n in range(1, 27)]
    too_many = {"destinations": [{"region": "us-west-2", "registryId": a} for a in accounts],
                "repositoryFilters": [{"filter": "apps", "filterType": "PREFIX_MATCH"}]}
    with pytest.raises(ClientError) as refused:
        ecr.put_replication_configuration(replicationConfiguration={"rules": [too_many]})
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "25 unique destinations" in refused.value.response["Error"]["Message"]
    assert ecr.describe_registry()["replicationConfiguration"]["rules"] == []


def test_the_source_registry_is_no_destination(sandbox):
    ecr = sandbox.client("ecr", SOURCE)
    with pytest.raises(ClientError) as refused:
        ecr.put_replication_configuration(
            replicationConfiguration={"rules": [rule("apps", SOURCE)]})
    assert "cannot be the same as the source registry" in (
        refused.value.response["Error"]["Message"])


def test_status_of_a_missing_image_is_image_not_found(sandbox):
    ecr = sandbox.client("ecr", SOURCE)
    ecr.create_repository(repositoryName="apps/web")
    with pytest.raises(ClientError) as refused:
        ecr.describe_image_replication_status(repositoryName="apps/web",
                                              imageId={"imageTag": "nope"})
    assert refused.value.response["Error"]["Code"] == "ImageNotFoundException"
