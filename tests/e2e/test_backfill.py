"""Replication backfill end to end: the installed `ecrrep` against the sandbox; what reached each
region checked with plain boto3 (DescribeImages, ListReplicationBackfills)."""

from __future__ import annotations

import json

import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from tests.support.e2e_account import (
    DESTINATIONS,
    PRODUCTION,
    SOURCE,
    replication_rules,
    repositories_only,
)

pytestmark = pytest.mark.e2e

DELAY = 60.0  # seconds between a push (or a backfill's start) and the replicas, sandbox clock
THIRD = "eu-central-1"
NOTE = f"backfill: existing images of my-company-apps/* to {THIRD}"


def replicating_to(regions: list[str]):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        spec["destination_regions"] = regions
    return edit


def apply(cli) -> dict:
    result = cli("apply", "--auto-approve", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    return json.loads(result.stdout)


def digests(aws, region: str) -> set[str]:
    details = aws.client("ecr", region).describe_images(repositoryName=PRODUCTION)
    return {d["imageDigest"] for d in details["imageDetails"]}


def backfills(aws) -> list[dict]:
    return aws.client("ecr", SOURCE).list_replication_backfills()["backfills"]


def pushed_while_two_destinations(cli, aws, write_spec) -> str:
    """The spec applied with two destinations, and an image pushed and replicated to both."""
    settings.configure(replication_delay_seconds=DELAY)
    write_spec(edit=replicating_to(DESTINATIONS))
    apply(cli)
    digest = push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"]).digest
    settings.advance(DELAY)
    assert all(digest in digests(aws, region) for region in DESTINATIONS)
    return digest


def test_an_added_destination_gets_the_images_pushed_before(cli, aws, write_spec):
    digest = pushed_while_two_destinations(cli, aws, write_spec)
    write_spec(edit=replicating_to([*DESTINATIONS, THIRD]))

    text = cli("plan", env={"COLUMNS": "400"})
    assert NOTE in text.stdout, text.stdout
    doc = json.loads(cli("plan", "--json").stdout)
    (rule,) = [c for c in doc["resource_changes"] if c["type"] == "ecr_replication_rule"]
    assert rule["facts"]["backfills"] == [{"region": THIRD, "registry_id": "123456789012",
                                           "repositories": [PRODUCTION],
                                           "shown": "my-company-apps/*"}]
    outcome = apply(cli)

    (started,) = outcome["backfills"]
    assert started["outcome"] == "started"
    (listed,) = backfills(aws)
    assert listed["replicationBackfillId"] == started["id"]
    assert listed["destination"]["region"] == THIRD
    assert listed["status"] in ("PREPARING", "IN_PROGRESS")
    assert digest not in digests(aws, THIRD)  # not before the delay
    settings.advance(DELAY)

    assert digest in digests(aws, THIRD)
    (ended,) = backfills(aws)
    assert ended["status"] == "COMPLETE"
    validation = cli("validate-replication", "--json")
    assert validation.returncode == 0, validation.stdout + validation.stderr
    report = json.loads(validation.stdout)
    assert report["healthy"] is True
    assert [b["status"] for b in report["backfills"]] == ["COMPLETE"]


def test_a_saved_plan_starts_the_backfill_it_shows(cli, aws, write_spec):
    digest = pushed_while_two_destinations(cli, aws, write_spec)
    write_spec(edit=replicating_to([*DESTINATIONS, THIRD]))

    saved = cli("plan", "--out", "backfill.plan", env={"COLUMNS": "400"})
    assert NOTE in saved.stdout, saved.stdout + saved.stderr
    result = cli("apply", "backfill.plan", "--auto-approve", env={"COLUMNS": "400"})
    assert result.returncode == 0, result.stdout + result.stderr

    (listed,) = backfills(aws)
    assert listed["destination"]["region"] == THIRD
    assert (f"Backfill to {THIRD} (registry 123456789012) started: "
            f"{listed['replicationBackfillId']}") in result.stdout, result.stdout
    settings.advance(DELAY)
    assert digest in digests(aws, THIRD)


def test_a_new_spec_with_empty_repositories_starts_no_backfill(cli, aws, write_spec):
    write_spec(edit=replicating_to([*DESTINATIONS, THIRD]))

    outcome = apply(cli)

    assert "backfills" not in outcome
    assert backfills(aws) == []


def test_backfill_by_hand_copies_an_image_lost_in_a_destination(cli, aws, write_spec):
    digest = pushed_while_two_destinations(cli, aws, write_spec)
    lost = DESTINATIONS[0]
    aws.client("ecr", lost).batch_delete_image(repositoryName=PRODUCTION,
                                               imageIds=[{"imageDigest": digest}])
    settings.configure(replication_delay_seconds=0)

    result = cli("backfill", "--region", lost, "--wait", "30")

    assert result.returncode == 0, result.stdout + result.stderr
    (listed,) = backfills(aws)
    assert listed["destination"]["region"] == lost and listed["status"] == "COMPLETE"
    assert f"Backfill to {lost}: COMPLETE" in result.stdout
    assert digest in digests(aws, lost)


def test_a_second_backfill_to_a_region_already_backfilling_is_no_failure(cli, aws, write_spec):
    pushed_while_two_destinations(cli, aws, write_spec)
    first = cli("backfill", "--region", DESTINATIONS[0], "--json")
    assert first.returncode == 0, first.stderr
    (started,) = json.loads(first.stdout)["started"]

    second = cli("backfill", "--region", DESTINATIONS[0], "--json")

    assert second.returncode == 0, second.stdout + second.stderr
    (again,) = json.loads(second.stdout)["started"]
    assert again["outcome"] == "in progress" and again["id"] == started["id"]
    assert len(backfills(aws)) == 1


def test_a_region_that_is_no_destination_is_refused_and_nothing_starts(cli, aws, write_spec):
    pushed_while_two_destinations(cli, aws, write_spec)

    result = cli("backfill", "--region", "ap-south-1")

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: --region ap-south-1: not a destination of this project's replication rules "
        "(destinations: eu-west-1, us-west-2); nothing was started")
    assert backfills(aws) == []


def test_images_a_backfill_could_not_copy_are_gaps(cli, aws, write_spec):
    digest = pushed_while_two_destinations(cli, aws, write_spec)
    write_spec(edit=replicating_to([*DESTINATIONS, THIRD]))
    settings.configure(replication_failure_rate=1.0)
    apply(cli)
    settings.advance(DELAY)

    assert digest not in digests(aws, THIRD)
    validation = cli("validate-replication", "--json")
    assert validation.returncode == 2, validation.stdout + validation.stderr
    report = json.loads(validation.stdout)
    (result,) = [r for r in report["results"]
                 if (r["repository"], r["region"]) == (PRODUCTION, THIRD)]
    assert result["status"] == "gaps"
    assert [g["digest"] for g in result["missing"]] == [digest]
    assert result["missing"][0].get("failure_code")
    (backfill,) = report["backfills"]
    assert [u["digest"] for u in backfill["uncopied"]] == [digest]

    settings.configure(replication_delay_seconds=0)
    by_hand = cli("backfill", "--region", THIRD, "--wait", "30")
    assert by_hand.returncode == 1
    assert f"not copied: {PRODUCTION}:v1 {digest}" in by_hand.stdout


def test_validate_replication_waits_for_a_running_backfill(cli, aws, write_spec):
    pushed_while_two_destinations(cli, aws, write_spec)
    settings.configure(replication_delay_seconds=3)  # real seconds: --wait polls the server
    started = cli("backfill", "--region", DESTINATIONS[0])
    assert started.returncode == 0, started.stdout + started.stderr
    (running,) = backfills(aws)
    assert running["status"] in ("PREPARING", "IN_PROGRESS")

    validation = cli("validate-replication", "--json", "--wait", "60")

    assert validation.returncode == 0, validation.stdout + validation.stderr
    (backfill,) = json.loads(validation.stdout)["backfills"]
    assert (backfill["region"], backfill["status"]) == (DESTINATIONS[0], "COMPLETE")
    assert backfills(aws)[0]["status"] == "COMPLETE"


OTHER_REGIONS = ["ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1",
                 "ap-southeast-2", "ca-central-1", "eu-north-1", "eu-west-2", "eu-west-3",
                 "sa-east-1"]


def ten_backfills_running(aws) -> None:
    """Another team's rule to ten regions and a backfill running to each: ECR's limit."""
    ecr = aws.client("ecr", SOURCE)
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    theirs = {"destinations": [{"region": r, "registryId": "123456789012"}
                               for r in OTHER_REGIONS],
              "repositoryFilters": [{"filter": "other-team/", "filterType": "PREFIX_MATCH"}]}
    ecr.put_replication_configuration(replicationConfiguration={"rules": [*rules, theirs]})
    for region in OTHER_REGIONS:
        ecr.start_replication_backfill(destination={"region": region,
                                                    "registryId": "123456789012"})


def test_a_backfill_that_cannot_start_fails_apply_but_keeps_the_rule(cli, aws, write_spec):
    pushed_while_two_destinations(cli, aws, write_spec)
    ten_backfills_running(aws)
    write_spec(edit=replicating_to([*DESTINATIONS, THIRD]))

    result = cli("apply", "--auto-approve", "--json")

    assert result.returncode == 1, result.stdout + result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["applied"] is True and outcome["failed"] == []
    (failed,) = outcome["backfills"]
    assert failed["outcome"] == "failed" and "LimitExceededException" in failed["error"]
    ours = [r for r in replication_rules(aws)
            if r["repositoryFilters"][0]["filter"] == "my-company-apps/"]
    assert THIRD in {d["region"] for d in ours[0]["destinations"]}
    assert THIRD not in {b["destination"]["region"] for b in backfills(aws)}
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
