"""Archive storage in lifecycle rules end to end: the installed `ecrrep` against the sandbox;
the policy ECR holds, what the plan says it would archive, and an archived replica image in
`validate-replication`, checked with plain boto3."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ecrrep.sandbox import settings
from tests.support.e2e_account import DESTINATIONS, PRODUCTION, REGIONS, SOURCE, repositories_only
from tests.support.pushed_images import push

pytestmark = pytest.mark.e2e

ADDRESS = "ecr_lifecycle_policy.{region}." + PRODUCTION
DAY = timedelta(days=1)
TRANSITION = {"type": "transition", "targetStorageClass": "archive"}
ARCHIVING = [
    {"select": "untagged", "expire_after_days": 2},
    {"select": "any", "archive_after_days": 30},
    {"select": "any", "expire_archived_after_days": 365},
]


def lifecycle(rules: list[dict] | None):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        if rules is not None:
            spec["repositories"][0]["lifecycle"] = rules
    return edit


@pytest.fixture
def five_images(cli, aws, write_spec) -> list[str]:
    """The example applied, then five tagged images in production, 40 days old for the first
    three and a day old for the others, in every region with the same ages (the emulator's own
    replication is held back: its copies would be new). Digests, oldest first."""
    settings.configure(replication_delay_seconds=3600)
    write_spec(lifecycle(None))
    applied = cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    now = datetime.now(UTC)
    ages = [40 * DAY + n * timedelta(hours=1) for n in range(3)] + [DAY, DAY / 2]
    digests = []
    for n, age in enumerate(ages):
        for region in REGIONS:
            digest = push(aws.client("ecr", region), PRODUCTION, f"img-{n}", [f"v1.{n}"],
                          age, now)
        digests.append(digest)
    return digests


def plan_doc(cli) -> dict:
    result = cli("plan", "--json")
    assert result.returncode == 0, result.stderr
    return {c["address"]: c for c in json.loads(result.stdout)["resource_changes"]}


def test_archive_rules_are_previewed_applied_and_converge(cli, aws, write_spec, five_images):
    write_spec(lifecycle(ARCHIVING))
    source = plan_doc(cli)[ADDRESS.format(region=SOURCE)]
    assert source["change"]["actions"] == ["update"]
    assert "would archive 3, expire 0 of 5 current images" in source["notes"]
    assert {e["digest"] for e in source["facts"]["would_archive"]} == set(five_images[:3])
    assert {e["rule"] for e in source["facts"]["would_archive"]} == {2}
    text = cli("plan", env={"COLUMNS": "400"})
    assert "would archive 3, expire 0 of 5 current images" in text.stdout

    applied = cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    for region in REGIONS:
        held = aws.client("ecr", region).get_lifecycle_policy(repositoryName=PRODUCTION)
        rules = {r["rulePriority"]: r for r in json.loads(held["lifecyclePolicyText"])["rules"]}
        assert rules[2]["action"] == TRANSITION
        assert rules[2]["selection"] == {"tagStatus": "any", "countType": "sinceImagePushed",
                                         "countUnit": "days", "countNumber": 30}
        assert rules[3]["action"] == {"type": "expire"}
        assert rules[3]["selection"]["storageClass"] == "archive"
        assert rules[3]["selection"]["countType"] == "sinceImageTransitioned"
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    # Planning archived nothing: every image is still ACTIVE.
    listed = aws.client("ecr", SOURCE).describe_images(repositoryName=PRODUCTION)
    assert {d["imageStatus"] for d in listed["imageDetails"]} == {"ACTIVE"}


def test_an_archived_replica_image_counts_as_present(cli, aws, five_images):
    replica = aws.client("ecr", DESTINATIONS[0])
    replica.update_image_storage_class(repositoryName=PRODUCTION,
                                       imageId={"imageDigest": five_images[0]},
                                       targetStorageClass="ARCHIVE")
    active = replica.describe_images(repositoryName=PRODUCTION)["imageDetails"]
    assert five_images[0] not in {d["imageDigest"] for d in active}
    archived = replica.describe_images(repositoryName=PRODUCTION,
                                       filter={"imageStatus": "ARCHIVED"})["imageDetails"]
    assert [d["imageDigest"] for d in archived] == [five_images[0]]

    result = cli("validate-replication", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["healthy"] is True
    (production,) = [r for r in report["results"] if r["repository"] == PRODUCTION
                     and r["region"] == DESTINATIONS[0]]
    assert production["status"] == "ok"
    # Neither missing nor waited for: the replica holds all five.
    assert production["missing"] == [] and production["in_flight"] == []
    assert production["source_images"] == 5
