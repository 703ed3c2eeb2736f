"""validate-replication end to end: the installed `ecrrep` against the emulator, which
replicates what plain boto3 pushes to the source region as ECR does (the test server's delay
is 0: replicas appear on the next request), and answers DescribeImageReplicationStatus."""

from __future__ import annotations

import json
import re
import time

import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from ecrrep.sandbox.replication import INJECTED_FAILURE_CODE
from tests.support.e2e_account import repositories_only

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
PREFIX = "my-company-apps"
SOURCE = "us-east-1"
DESTINATIONS = ["us-west-2", "eu-west-1"]
PRODUCTION = f"{PREFIX}/production"
TESTING = f"{PREFIX}/testing"
FALLBACK_NOTE = "DescribeImageReplicationStatus is not available here"


@pytest.fixture
def replicated(cli, aws, write_spec):
    """The example spec applied, two images per repository pushed to the source and replicated
    by the emulator. Monitoring, notifications and cleanup are off: replication does not
    involve them."""
    write_spec(edit=repositories_only)
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stderr
    source = aws.client("ecr", SOURCE)
    pushed = {
        PRODUCTION: [push_sample_image(source, PRODUCTION, "p1", ["prod-1.0.0"]),
                     push_sample_image(source, PRODUCTION, "p2", ["prod-1.1.0", "prod-latest"])],
        TESTING: [push_sample_image(source, TESTING, "t1", ["test-1"]),
                  push_sample_image(source, TESTING, "t2", [])],
    }
    for region in DESTINATIONS:
        for repository, images in pushed.items():
            assert set(digests(aws, region, repository)) == {i.digest for i in images}
    return pushed


@pytest.fixture
def without_status_api(monkeypatch):
    """An endpoint without DescribeImageReplicationStatus, as moto alone is (HTTP 500)."""
    from moto.ecr.responses import ECRResponse

    monkeypatch.delattr(ECRResponse, "describe_image_replication_status")


def push_failing(aws, repository: str, seed: str, tags: list[str]):
    """Push an image whose replications all fail."""
    settings.configure(replication_failure_rate=1.0)
    try:
        return push_sample_image(aws.client("ecr", SOURCE), repository, seed, tags)
    finally:
        settings.configure(replication_failure_rate=0.0)


def digests(aws, region: str, repository: str) -> dict[str, set[str]]:
    details = aws.client("ecr", region).describe_images(repositoryName=repository)
    return {d["imageDigest"]: set(d.get("imageTags", [])) for d in details["imageDetails"]}


def validate(cli, *args: str):
    result = cli("validate-replication", "--json", *args)
    assert result.returncode in (0, 2), result.stderr
    return result, json.loads(result.stdout)


def by_pair(doc: dict) -> dict[tuple[str, str], dict]:
    return {(r["repository"], r["region"]): r for r in doc["results"]}


def test_identical_images_in_all_regions_is_healthy(cli, aws, replicated):
    for region in DESTINATIONS:
        for repository in (PRODUCTION, TESTING):
            assert digests(aws, region, repository) == digests(aws, SOURCE, repository)

    result, doc = validate(cli)

    assert result.returncode == 0
    assert doc["healthy"] is True
    assert doc["checked_at"].endswith("Z")
    assert set(by_pair(doc)) == {(r, d) for r in (PRODUCTION, TESTING) for d in DESTINATIONS}
    for entry in doc["results"]:
        assert set(entry) == {"repository", "region", "status", "source_images", "missing",
                              "in_flight", "drift"}
        assert entry["status"] == "ok"
        assert entry["source_images"] == 2
        assert entry["missing"] == entry["in_flight"] == entry["drift"] == []
    # A healthy account never needs the replication-status API, so nothing is said about it.
    assert FALLBACK_NOTE not in result.stderr


def matrix_rows(text: str) -> dict[str, list[str]]:
    """The replication matrix's rows as printed: repository → its cells, region by region
    (the header row under "repository")."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]] or [
            c.strip() for c in line.split("┃")[1:-1]]
        if cells:
            rows[cells[0]] = cells[1:]
    return rows


def test_text_output_is_one_matrix_and_a_verdict(cli, replicated):
    result = cli("validate-replication")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Replication by repository and destination region") == 1
    assert matrix_rows(result.stdout) == {"repository": DESTINATIONS,
                                          PRODUCTION: ["✓", "✓"], TESTING: ["✓", "✓"]}
    # Healthy: no detail lines under the matrix.
    assert f"\n{PRODUCTION}\n" not in result.stdout and f"\n{TESTING}\n" not in result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert last == ("Replication healthy: 2 repositories × 2 destination regions, every "
                    "source image present.")


def test_the_matrix_shows_every_problem_and_details_only_the_repositories_with_one(
        cli, aws, replicated):
    # production: a new image still on its way everywhere (not a problem);
    # testing: no replica repository in us-west-2; in eu-west-1 an image deleted and the
    # tag mutability changed.
    settings.configure(replication_delay_seconds=3600)
    flying = push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "p3", ["prod-3"])
    aws.client("ecr", "us-west-2").delete_repository(repositoryName=TESTING, force=True)
    eu = aws.client("ecr", "eu-west-1")
    lost = replicated[TESTING][0]
    eu.batch_delete_image(repositoryName=TESTING, imageIds=[{"imageDigest": lost.digest}])
    eu.put_image_tag_mutability(repositoryName=TESTING, imageTagMutability="IMMUTABLE")

    result = cli("validate-replication", "--grace", "0")
    _, doc = validate(cli, "--grace", "0")

    assert result.returncode == 2, result.stderr
    assert matrix_rows(result.stdout) == {
        "repository": DESTINATIONS,
        PRODUCTION: ["1 in flight", "1 in flight"],
        TESTING: ["no replica repository", "1 missing, settings differ"],
    }
    # The JSON says the same, unchanged in shape.
    pairs = by_pair(doc)
    assert [g["digest"] for g in pairs[(PRODUCTION, "us-west-2")]["in_flight"]] == [
        flying.digest]
    assert pairs[(TESTING, "us-west-2")]["status"] == "missing-repository"
    assert pairs[(TESTING, "eu-west-1")]["missing"] == [{"digest": lost.digest,
                                                         "tags": ["test-1"]}]
    assert [d["field"] for d in pairs[(TESTING, "eu-west-1")]["drift"]] == ["tag_mutability"]
    # Details for testing only, each problem on a line of its own.
    lines = result.stdout.splitlines()
    assert PRODUCTION not in lines and TESTING in lines
    details = lines[lines.index(TESTING) + 1:]
    assert "  us-west-2: the replica repository does not exist (run `ecrrep apply`)" in details
    assert f"  eu-west-1: missing {lost.digest} (test-1)" in details
    assert ("  eu-west-1: tag_mutability is IMMUTABLE in the replica, MUTABLE in the source"
            in details)
    assert lines[-1].startswith("Replication unhealthy: 1 replica repository missing, ")


def test_image_missing_in_one_region_and_failed_image_missing_everywhere(cli, aws, replicated):
    lost = replicated[PRODUCTION][1]
    aws.client("ecr", "eu-west-1").batch_delete_image(
        repositoryName=PRODUCTION, imageIds=[{"imageDigest": lost.digest}])
    failed = push_failing(aws, PRODUCTION, "p3", ["prod-2.0.0"])
    assert lost.digest not in digests(aws, "eu-west-1", PRODUCTION)
    assert lost.digest in digests(aws, "us-west-2", PRODUCTION)
    for region in DESTINATIONS:
        assert failed.digest not in digests(aws, region, PRODUCTION)

    result = cli("-v", "validate-replication", "--json", "--grace", "0")
    doc = json.loads(result.stdout)

    assert result.returncode == 2
    assert doc["healthy"] is False
    pairs = by_pair(doc)
    west, eu = pairs[(PRODUCTION, "us-west-2")], pairs[(PRODUCTION, "eu-west-1")]
    assert west["status"] == eu["status"] == "gaps"
    # ECR's status names the failure; the image deleted from a replica has none.
    failed_gap = {"digest": failed.digest, "tags": ["prod-2.0.0"],
                  "failure_code": INJECTED_FAILURE_CODE}
    assert west["missing"] == [failed_gap]
    assert sorted(eu["missing"], key=lambda m: m["tags"]) == [
        {"digest": lost.digest, "tags": ["prod-1.1.0", "prod-latest"]}, failed_gap]
    assert west["source_images"] == eu["source_images"] == 3
    assert pairs[(TESTING, "us-west-2")]["status"] == pairs[(TESTING, "eu-west-1")]["status"] \
        == "ok"
    assert FALLBACK_NOTE not in result.stderr


def test_without_the_status_api_gaps_are_judged_by_digests_and_grace(
        cli, aws, replicated, without_status_api):
    lost = replicated[PRODUCTION][1]
    aws.client("ecr", "eu-west-1").batch_delete_image(
        repositoryName=PRODUCTION, imageIds=[{"imageDigest": lost.digest}])
    settings.configure(replication_delay_seconds=3600)
    new = push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "p3", ["prod-2.0.0"])

    result = cli("-v", "validate-replication", "--json", "--grace", "0",
                 env={"AWS_MAX_ATTEMPTS": "10"})
    doc = json.loads(result.stdout)

    assert result.returncode == 2
    pairs = by_pair(doc)
    assert pairs[(PRODUCTION, "us-west-2")]["missing"] == [
        {"digest": new.digest, "tags": ["prod-2.0.0"]}]
    assert sorted(pairs[(PRODUCTION, "eu-west-1")]["missing"], key=lambda m: m["tags"]) == [
        {"digest": lost.digest, "tags": ["prod-1.1.0", "prod-latest"]},
        {"digest": new.digest, "tags": ["prod-2.0.0"]},
    ]
    # The endpoint lacks DescribeImageReplicationStatus (HTTP 500): said once, and found out
    # with one attempt, not botocore's retry budget (~9 s per call).
    assert result.stderr.count(FALLBACK_NOTE) == 1
    assert re.search(r"API calls: \d+ \(0 mutating; retries 0\)", result.stderr), result.stderr

    # Within the grace period, without ECR's status, every missing image counts as in flight:
    # a deleted replica image cannot be told from a slow one.
    within_grace, doc = validate(cli)
    assert within_grace.returncode == 0
    assert by_pair(doc)[(PRODUCTION, "us-west-2")]["in_flight"] == [
        {"digest": new.digest, "tags": ["prod-2.0.0"]}]
    assert len(by_pair(doc)[(PRODUCTION, "eu-west-1")]["in_flight"]) == 2


def test_images_still_replicating_are_in_flight_and_healthy(cli, aws, replicated):
    settings.configure(replication_delay_seconds=3600)
    new = push_sample_image(aws.client("ecr", SOURCE), TESTING, "t3", ["test-3"])

    # ECR's IN_PROGRESS wins over the grace period, even a grace of 0.
    result, doc = validate(cli, "--grace", "0")

    assert result.returncode == 0
    assert doc["healthy"] is True
    for region in DESTINATIONS:
        entry = by_pair(doc)[(TESTING, region)]
        assert entry["status"] == "ok"
        assert entry["in_flight"] == [{"digest": new.digest, "tags": ["test-3"]}]
        assert entry["missing"] == []


def test_a_tag_moved_in_the_source_reaches_the_replicas(cli, aws, replicated):
    image = replicated[TESTING][1]  # pushed untagged, into a MUTABLE repository
    push_sample_image(aws.client("ecr", SOURCE), TESTING, "t2", ["test-2"])

    result, doc = validate(cli, "--grace", "0")

    assert result.returncode == 0
    for region in DESTINATIONS:
        assert digests(aws, region, TESTING)[image.digest] == {"test-2"}
        assert by_pair(doc)[(TESTING, region)]["missing"] == []


def test_tag_missing_on_a_replica_is_a_gap(cli, aws, replicated):
    image = replicated[PRODUCTION][1]
    aws.client("ecr", "eu-west-1").batch_delete_image(
        repositoryName=PRODUCTION, imageIds=[{"imageTag": "prod-latest"}])
    assert digests(aws, "eu-west-1", PRODUCTION)[image.digest] == {"prod-1.1.0"}

    result, doc = validate(cli, "--grace", "0")

    assert result.returncode == 2
    assert by_pair(doc)[(PRODUCTION, "eu-west-1")]["missing"] == [
        {"digest": image.digest, "tags": ["prod-latest"]}]
    assert by_pair(doc)[(PRODUCTION, "us-west-2")]["missing"] == []


def test_lifecycle_policy_deleted_from_a_replica_is_drift_naming_the_region(
        cli, aws, replicated):
    aws.client("ecr", "eu-west-1").delete_lifecycle_policy(repositoryName=TESTING)

    result, doc = validate(cli)

    assert result.returncode == 2
    assert doc["healthy"] is False
    bad = [r for r in doc["results"] if r["status"] != "ok"]
    assert [(r["repository"], r["region"], r["status"]) for r in bad] == [
        (TESTING, "eu-west-1", "drift")]
    [drift] = bad[0]["drift"]
    assert drift["field"] == "lifecycle_policy"
    assert drift["replica"] is None
    assert [rule["selection"]["tagStatus"] for rule in drift["source"]["rules"]] == [
        "tagged", "any"]

    text = cli("validate-replication")
    assert text.returncode == 2
    assert "eu-west-1: lifecycle_policy is missing in the replica" in text.stdout


def reversed_keys(value):
    if isinstance(value, dict):
        return {k: reversed_keys(v) for k, v in reversed(value.items())}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


def test_settings_compare_by_meaning_not_text(cli, aws, replicated):
    # The same policy, written back with other key order and whitespace: not drift.
    ecr = aws.client("ecr", "us-west-2")
    text = ecr.get_lifecycle_policy(repositoryName=PRODUCTION)["lifecyclePolicyText"]
    rewritten = json.dumps(reversed_keys(json.loads(text)), indent=7)
    assert rewritten != text
    ecr.put_lifecycle_policy(repositoryName=PRODUCTION, lifecyclePolicyText=rewritten)
    ecr.put_image_tag_mutability(repositoryName=TESTING, imageTagMutability="IMMUTABLE")

    result, doc = validate(cli)

    assert result.returncode == 2
    bad = [r for r in doc["results"] if r["status"] != "ok"]
    assert [(r["repository"], r["region"]) for r in bad] == [(TESTING, "us-west-2")]
    assert bad[0]["drift"] == [
        {"field": "tag_mutability", "source": "MUTABLE", "replica": "IMMUTABLE"}]


def test_missing_replica_repository(cli, aws, replicated):
    aws.client("ecr", "us-west-2").delete_repository(repositoryName=PRODUCTION, force=True)

    result, doc = validate(cli, "--grace", "0")

    assert result.returncode == 2
    entry = by_pair(doc)[(PRODUCTION, "us-west-2")]
    assert entry["status"] == "missing-repository"
    assert {m["digest"] for m in entry["missing"]} == {i.digest for i in replicated[PRODUCTION]}


def test_missing_source_repository_is_an_error(cli, aws, write_spec):
    write_spec()

    result = cli("validate-replication", "--json")

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"no source repository {PRODUCTION}, {TESTING} in {SOURCE}" in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_metrics_sends_the_failure_rate_per_destination(cli, aws, replicated):
    aws.client("ecr", "us-west-2").batch_delete_image(
        repositoryName=PRODUCTION, imageIds=[{"imageDigest": replicated[PRODUCTION][0].digest}])

    result, _ = validate(cli, "--grace", "0", "--publish-metrics")

    assert result.returncode == 2
    cloudwatch = aws.client("cloudwatch", SOURCE)
    listed = cloudwatch.list_metrics(Namespace="ECRRep", MetricName="ReplicationFailureRate")
    regions = {d["Value"] for m in listed["Metrics"] for d in m["Dimensions"]
               if d["Name"] == "DestinationRegion"}
    assert regions == set(DESTINATIONS)
    # Every series carries the project, so two projects in one account never share one.
    assert all({"Name": "Project", "Value": PROJECT} in m["Dimensions"]
               for m in listed["Metrics"])
    values = {}
    for region in DESTINATIONS:
        stats = cloudwatch.get_metric_statistics(
            Namespace="ECRRep", MetricName="ReplicationFailureRate",
            Dimensions=[{"Name": "Project", "Value": PROJECT},
                        {"Name": "DestinationRegion", "Value": region}],
            StartTime=time.time() - 600, EndTime=time.time() + 600, Period=60,
            Statistics=["Maximum"])
        values[region] = max(p["Maximum"] for p in stats["Datapoints"])
    # One of four source images (two repositories × two images) is missing in us-west-2.
    assert values == {"us-west-2": 25.0, "eu-west-1": 0.0}


def test_wait_returns_at_once_when_healthy(cli, replicated):
    started = time.monotonic()
    result, doc = validate(cli, "--wait", "120")
    assert result.returncode == 0
    assert doc["healthy"] is True
    assert time.monotonic() - started < 30


def test_wait_gives_up_after_the_time_given_when_unhealthy(cli, aws, replicated):
    aws.client("ecr", "us-west-2").batch_delete_image(
        repositoryName=TESTING, imageIds=[{"imageDigest": replicated[TESTING][0].digest}])

    result, doc = validate(cli, "--grace", "0", "--wait", "1")

    assert result.returncode == 2
    assert doc["healthy"] is False
    # Progress goes to stderr (one line per check when it is not a terminal), never stdout;
    # the last check is the one made when the time ran out.
    assert "Waiting for replication: 1 missing" in result.stderr
    assert "(0 s left)" in result.stderr
    assert FALLBACK_NOTE not in result.stderr


def test_wait_returns_once_the_emulator_has_replicated(cli, aws, replicated):
    settings.configure(replication_delay_seconds=2)
    new = push_sample_image(aws.client("ecr", SOURCE), TESTING, "t3", ["test-3"])

    result, doc = validate(cli, "--grace", "0", "--wait", "5")

    assert result.returncode == 0, result.stderr
    assert "settled" in result.stderr
    assert all(r["in_flight"] == [] for r in doc["results"])
    for region in DESTINATIONS:
        assert new.digest in digests(aws, region, TESTING)
