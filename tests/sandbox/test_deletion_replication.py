"""A rule with deleteReplication replicates deletions and tag removals; without it the
replicas stay. Checked with plain boto3 against the sandbox, the clock moved, never slept."""

from __future__ import annotations

from typing import Any

import pytest

from ecrrep.sandbox.images import put_image, sample_manifest
from tests.support.account import ACCOUNT_ID
from tests.support.sandbox_replication import images

SOURCE, DESTINATION = "us-east-1", "us-west-2"
DELAY = 10


def rule(prefix: str, delete_replication: bool | None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "destinations": [{"region": DESTINATION, "registryId": ACCOUNT_ID}],
        "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}
    if delete_replication is not None:
        found["deleteReplication"] = {"enabled": delete_replication}
    return found


@pytest.fixture
def source(sandbox: Any) -> Any:
    """apps/* replicates deletions, keep/* does not; both hold an image tagged v1 and v2
    that has reached the destination."""
    sandbox.configure(replication_delay_seconds=DELAY)
    ecr = sandbox.client("ecr", SOURCE)
    ecr.put_replication_configuration(replicationConfiguration={
        "rules": [rule("apps", True), rule("keep", None)]})
    for name in ("apps/web", "keep/web"):
        ecr.create_repository(repositoryName=name)
        put_image(ecr, name, sample_manifest("web-1"), ["v1", "v2"])
    sandbox.advance(DELAY)
    return sandbox


def delete(sandbox: Any, repository: str, **image_id: str) -> None:
    answer = sandbox.client("ecr", SOURCE).batch_delete_image(
        repositoryName=repository, imageIds=[image_id])
    assert answer["failures"] == []


def digest_of(sandbox: Any, repository: str) -> str:
    return next(iter(images(sandbox, SOURCE, repository)))


def test_describe_registry_returns_delete_replication_as_sent(sandbox):
    rules = [rule("apps", True), rule("keep", False), rule("other", None)]
    ecr = sandbox.client("ecr", SOURCE)
    ecr.put_replication_configuration(replicationConfiguration={"rules": rules})
    assert ecr.describe_registry()["replicationConfiguration"]["rules"] == rules


def test_an_image_deleted_by_digest_goes_from_the_destination_after_the_delay(source):
    digest = digest_of(source, "apps/web")
    delete(source, "apps/web", imageDigest=digest)
    assert images(source, DESTINATION, "apps/web") == {digest: ["v1", "v2"]}
    source.advance(DELAY)
    assert images(source, DESTINATION, "apps/web") == {}


def test_a_tag_removed_in_the_source_is_removed_in_the_destination(source):
    digest = digest_of(source, "apps/web")
    delete(source, "apps/web", imageTag="v1")
    source.advance(DELAY)
    assert images(source, DESTINATION, "apps/web") == {digest: ["v2"]}


def test_removing_the_last_tag_deletes_the_image_in_the_destination(source):
    delete(source, "apps/web", imageTag="v1")
    delete(source, "apps/web", imageTag="v2")
    source.advance(DELAY)
    assert images(source, DESTINATION, "apps/web") == {}


def test_without_delete_replication_the_replica_stays(source):
    digest = digest_of(source, "keep/web")
    delete(source, "keep/web", imageTag="v1")
    delete(source, "keep/web", imageDigest=digest)
    source.advance(DELAY)
    assert images(source, SOURCE, "keep/web") == {}
    assert images(source, DESTINATION, "keep/web") == {digest: ["v1", "v2"]}


def test_a_deletion_waits_for_the_replication_it_follows(sandbox):
    sandbox.configure(replication_delay_seconds=DELAY)
    ecr = sandbox.client("ecr", SOURCE)
    ecr.put_replication_configuration(replicationConfiguration={"rules": [rule("apps", True)]})
    ecr.create_repository(repositoryName="apps/web")
    digest = put_image(ecr, "apps/web", sample_manifest("web-1"), ["v1"])
    sandbox.advance(1)
    delete(sandbox, "apps/web", imageDigest=digest)
    sandbox.advance(DELAY)
    assert images(sandbox, DESTINATION, "apps/web") == {}
