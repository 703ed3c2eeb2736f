"""Replication backfill in the sandbox, checked with plain boto3: the clock is moved, never
slept on."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox.images import put_image, sample_manifest
from tests.support.account import ACCOUNT_ID
from tests.support.sandbox_replication import images, repository_names, statuses

SOURCE, WEST, EUROPE = "us-east-1", "us-west-2", "eu-west-1"
DELAY = 10


def destination(region: str) -> dict[str, str]:
    return {"region": region, "registryId": ACCOUNT_ID}


@pytest.fixture
def before_the_rule(sandbox: Any) -> Any:
    """apps/web holds v1 and v2 (one image) and v3, other/x holds x1, all pushed before the
    rule apps → us-west-2, eu-west-1 existed."""
    sandbox.configure(replication_delay_seconds=DELAY)
    ecr = sandbox.client("ecr", SOURCE)
    for name in ("apps/web", "other/x"):
        ecr.create_repository(repositoryName=name)
    put_image(ecr, "apps/web", sample_manifest("web-1"), ["v1", "v2"])
    put_image(ecr, "apps/web", sample_manifest("web-3"), ["v3"])
    put_image(ecr, "other/x", sample_manifest("x-1"), ["x1"])
    ecr.put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [destination(WEST), destination(EUROPE)],
        "repositoryFilters": [{"filter": "apps", "filterType": "PREFIX_MATCH"}]}]})
    return sandbox


def start(sandbox: Any, region: str = WEST) -> dict[str, Any]:
    return sandbox.client("ecr", SOURCE).start_replication_backfill(
        destination=destination(region))


def describe(sandbox: Any, backfill_id: str, **params: Any) -> dict[str, Any]:
    return sandbox.client("ecr", SOURCE).describe_replication_backfill_results(
        replicationBackfillId=backfill_id, **params)


def error_code(info: Any) -> str:
    return info.value.response["Error"]["Code"]


def test_an_image_pushed_before_the_rule_arrives_only_by_backfill(before_the_rule):
    sandbox = before_the_rule
    sandbox.advance(DELAY)
    assert repository_names(sandbox, WEST) == []
    source_images = images(sandbox, SOURCE, "apps/web")
    started = start(sandbox)
    assert started["status"] == "PREPARING"
    assert started["destination"] == destination(WEST)
    sandbox.advance(DELAY)
    assert images(sandbox, WEST, "apps/web") == source_images
    assert repository_names(sandbox, WEST) == ["apps/web"]
    for digest in source_images:
        assert statuses(sandbox, "apps/web", digest) == {WEST: "COMPLETE"}
    assert repository_names(sandbox, EUROPE) == []


def test_status_is_in_progress_until_the_delay_then_complete_with_results(before_the_rule):
    sandbox = before_the_rule
    backfill_id = start(sandbox)["replicationBackfillId"]
    during = describe(sandbox, backfill_id)
    assert during["status"] == "IN_PROGRESS"
    assert during["results"] == [] and "endedAt" not in during
    assert during["progress"] == {"totalReplicationCount": 3, "completedReplicationCount": 0,
                                  "failedReplicationCount": 0, "failureCodes": []}
    sandbox.advance(DELAY)
    after = describe(sandbox, backfill_id)
    assert after["status"] == "COMPLETE" and "endedAt" in after
    assert after["progress"]["completedReplicationCount"] == 3
    assert sorted((r["imageId"]["imageTag"], r["status"]) for r in after["results"]) == [
        ("v1", "COMPLETE"), ("v2", "COMPLETE"), ("v3", "COMPLETE")]


def test_results_page_through_botocores_paginator(before_the_rule):
    sandbox = before_the_rule
    backfill_id = start(sandbox)["replicationBackfillId"]
    sandbox.advance(DELAY)
    paginator = sandbox.client("ecr", SOURCE).get_paginator(
        "describe_replication_backfill_results")
    pages = list(paginator.paginate(replicationBackfillId=backfill_id,
                                    PaginationConfig={"PageSize": 2}))
    assert [len(p["results"]) for p in pages] == [2, 1]


def test_failures_show_in_progress_and_results(before_the_rule):
    sandbox = before_the_rule
    sandbox.configure(replication_failure_rate=1.0)
    backfill_id = start(sandbox)["replicationBackfillId"]
    sandbox.advance(DELAY)
    after = describe(sandbox, backfill_id, resultStatusFilter="FAILED")
    # Fewer than 100 replications: AWS does not judge the backfill FAILED yet.
    assert after["status"] == "COMPLETE"
    assert after["progress"]["failedReplicationCount"] == 3
    assert after["progress"]["failureCodes"] == ["SANDBOX_INJECTED_FAILURE"]
    assert {r["status"] for r in after["results"]} == {"FAILED"}
    assert repository_names(sandbox, WEST) == []


def test_a_second_start_for_the_same_region_is_refused_while_one_runs(before_the_rule):
    sandbox = before_the_rule
    start(sandbox)
    with pytest.raises(ClientError) as refused:
        start(sandbox)
    assert error_code(refused) == "ReplicationBackfillInProgressException"
    assert start(sandbox, EUROPE)["status"] == "PREPARING"
    sandbox.advance(DELAY)
    # Once the first has ended another may start; it finds nothing left to copy.
    again = start(sandbox)["replicationBackfillId"]
    assert describe(sandbox, again)["progress"]["totalReplicationCount"] == 0


def test_a_destination_outside_the_configuration_is_refused(before_the_rule):
    sandbox = before_the_rule
    with pytest.raises(ClientError) as refused:
        start(sandbox, "ap-south-1")
    assert error_code(refused) == "InvalidParameterException"
    assert sandbox.client("ecr", SOURCE).list_replication_backfills()["backfills"] == []


def test_stop_drops_what_has_not_been_copied(before_the_rule):
    sandbox = before_the_rule
    ecr = sandbox.client("ecr", SOURCE)
    backfill_id = start(sandbox)["replicationBackfillId"]
    stopped = ecr.stop_replication_backfill(replicationBackfillId=backfill_id)
    assert stopped["status"] == "STOPPING"
    sandbox.advance(DELAY)
    assert describe(sandbox, backfill_id)["status"] == "STOPPED"
    assert repository_names(sandbox, WEST) == []
    with pytest.raises(ClientError) as refused:
        ecr.stop_replication_backfill(replicationBackfillId=backfill_id)
    assert error_code(refused) == "ReplicationBackfillInvalidStatusException"
    assert start(sandbox)["status"] == "PREPARING"


def test_list_shows_each_backfill_with_its_progress(before_the_rule):
    sandbox = before_the_rule
    west = start(sandbox)["replicationBackfillId"]
    sandbox.advance(DELAY)
    listed = sandbox.client("ecr", SOURCE).list_replication_backfills()["backfills"]
    assert [(b["replicationBackfillId"], b["status"], b["destination"]["region"])
            for b in listed] == [(west, "COMPLETE", WEST)]
    assert listed[0]["progress"]["totalReplicationCount"] == 3


def test_an_unknown_backfill_id_is_not_found(sandbox):
    with pytest.raises(ClientError) as refused:
        describe(sandbox, "00000000-0000-0000-0000-000000000000")
    assert error_code(refused) == "ReplicationBackfillNotFoundException"
