"""The sandbox replicates into another account's registry only where that registry's
permissions policy allows the source account, as ECR does:
https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-create-replication.html
Checked with plain boto3 in both accounts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecrrep.replication.registry_policy import our_statement
from ecrrep.sandbox.images import put_image, sample_manifest
from ecrrep.sandbox.registry_permissions import (
    DENIED_CREATE_REPOSITORY,
    DENIED_REPLICATE_IMAGE,
)
from tests.support.account import ACCOUNT_ID
from tests.support.sandbox_replication import DELAY, SOURCE

OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "eu-central-1"
REPOSITORY = "apps/web"


def as_account(sandbox: Any, account: str, service: str, region: str) -> Any:
    """A plain client acting in `account` (the emulator's x-moto-account-id header)."""
    client = sandbox.client(service, region)

    def add_header(request, **_):
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign.*.*", add_header)
    return client


def other_ecr(sandbox: Any, region: str = OTHER_REGION) -> Any:
    return as_account(sandbox, OTHER_ACCOUNT, "ecr", region)


def allow(sandbox: Any, *statements: dict[str, Any], region: str = OTHER_REGION) -> None:
    other_ecr(sandbox, region).put_registry_policy(policyText=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


def statement(source: str = ACCOUNT_ID, actions: tuple[str, ...] | None = None,
              effect: str = "Allow") -> dict[str, Any]:
    """ecrrep's own statement (AWS's documented one), for `source`."""
    written = our_statement("proj", source, OTHER_REGION, OTHER_ACCOUNT)
    return {**written, "Effect": effect,
            **({"Action": list(actions)} if actions is not None else {})}


@pytest.fixture
def replicating(sandbox: Any) -> Any:
    """apps/* in the source registry replicates to the other account's eu-central-1."""
    ecr = sandbox.client("ecr", SOURCE)
    ecr.create_repository(repositoryName=REPOSITORY)
    ecr.put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": OTHER_REGION, "registryId": OTHER_ACCOUNT}],
        "repositoryFilters": [{"filter": "apps/", "filterType": "PREFIX_MATCH"}]}]})
    return sandbox


def push(sandbox: Any) -> str:
    digest = put_image(sandbox.client("ecr", SOURCE), REPOSITORY, sample_manifest("one"),
                       ["v1"])
    sandbox.advance(DELAY)
    return digest


def arrived(sandbox: Any) -> dict[str, list[str]]:
    """Digest → tags of the replica in the other account; {} when it has no repository."""
    ecr = other_ecr(sandbox)
    names = {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}
    if REPOSITORY not in names:
        return {}
    details = ecr.describe_images(repositoryName=REPOSITORY)["imageDetails"]
    return {d["imageDigest"]: d.get("imageTags", []) for d in details}


def status(sandbox: Any, digest: str) -> list[dict[str, str]]:
    answer = sandbox.client("ecr", SOURCE).describe_image_replication_status(
        repositoryName=REPOSITORY, imageId={"imageDigest": digest})
    return answer["replicationStatuses"]


def test_with_our_statement_the_image_arrives_in_a_repository_ecr_creates(replicating):
    allow(replicating, statement())
    digest = push(replicating)

    assert arrived(replicating) == {digest: ["v1"]}
    assert status(replicating, digest) == [
        {"region": OTHER_REGION, "registryId": OTHER_ACCOUNT, "status": "COMPLETE"}]


def test_without_a_registry_policy_nothing_arrives_and_the_status_says_failed(replicating):
    digest = push(replicating)

    assert arrived(replicating) == {}
    assert status(replicating, digest) == [
        {"region": OTHER_REGION, "registryId": OTHER_ACCOUNT, "status": "FAILED",
         "failureCode": DENIED_REPLICATE_IMAGE}]


@pytest.mark.parametrize("policy", [
    pytest.param([statement(source="999999999999")], id="another-account"),
    pytest.param([statement(), {**statement(effect="Deny"), "Sid": "NoReplicas"}],
                 id="denied-explicitly"),
    pytest.param([{**statement(), "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}],
                 id="condition-not-evaluated"),
])
def test_a_policy_that_does_not_allow_our_account_replicates_nothing(replicating, policy):
    allow(replicating, *policy)
    digest = push(replicating)

    assert arrived(replicating) == {}
    assert [s["status"] for s in status(replicating, digest)] == ["FAILED"]


def test_our_statement_in_another_region_of_that_account_does_not_count(replicating):
    allow(replicating, statement(), region="us-west-2")
    digest = push(replicating)

    assert arrived(replicating) == {}
    assert status(replicating, digest)[0]["failureCode"] == DENIED_REPLICATE_IMAGE


def test_replicate_image_alone_needs_the_repository_there_already(replicating):
    allow(replicating, statement(actions=("ecr:ReplicateImage",)))
    refused = push(replicating)

    assert arrived(replicating) == {}
    assert status(replicating, refused)[0]["failureCode"] == DENIED_CREATE_REPOSITORY

    other_ecr(replicating).create_repository(repositoryName=REPOSITORY)
    second = put_image(replicating.client("ecr", SOURCE), REPOSITORY, sample_manifest("two"),
                       ["v2"])
    replicating.advance(DELAY)

    assert arrived(replicating) == {second: ["v2"]}
    assert status(replicating, second)[0]["status"] == "COMPLETE"


def test_the_account_alone_and_a_wildcard_resource_allow(replicating):
    # moto accepts only these two actions in a registry policy (AWS also takes ecr:* and
    # ecr:BatchImportUpstreamImage); wildcard actions are checked without the server.
    allow(replicating, {"Effect": "Allow", "Principal": {"AWS": ACCOUNT_ID},
                        "Action": ["ecr:ReplicateImage", "ecr:CreateRepository"],
                        "Resource": f"arn:aws:ecr:*:{OTHER_ACCOUNT}:repository/app?/*"})
    digest = push(replicating)

    assert arrived(replicating) == {digest: ["v1"]}


def test_a_backfill_into_a_registry_that_does_not_allow_it_fails_each_image(replicating):
    ecr = replicating.client("ecr", SOURCE)
    ecr.put_replication_configuration(replicationConfiguration={"rules": []})
    digest = push(replicating)
    ecr.put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": OTHER_REGION, "registryId": OTHER_ACCOUNT}]}]})

    started = ecr.start_replication_backfill(
        destination={"region": OTHER_REGION, "registryId": OTHER_ACCOUNT})
    replicating.advance(DELAY)

    results = ecr.describe_replication_backfill_results(
        replicationBackfillId=started["replicationBackfillId"])["results"]
    assert [(r["imageId"]["imageDigest"], r["status"], r["failureCode"]) for r in results] == [
        (digest, "FAILED", DENIED_REPLICATE_IMAGE)]
    assert arrived(replicating) == {}


def test_with_aws_like_off_any_registry_takes_the_replica(replicating):
    replicating.configure(aws_like=False)
    digest = push(replicating)

    assert arrived(replicating) == {digest: ["v1"]}
    assert status(replicating, digest)[0]["status"] == "COMPLETE"
