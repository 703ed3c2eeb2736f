"""`ecrrep cleanup`: the installed command runs the cleanup function's code against a moto
server holding real images of chosen ages; the account is checked with plain boto3."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ecrrep.cleanup.function import metrics
from tests.support.pushed_images import push

pytestmark = pytest.mark.e2e

PREFIX = "my-company-apps"
PRODUCTION, TESTING = f"{PREFIX}/production", f"{PREFIX}/testing"
SOURCE, DESTINATIONS = "us-east-1", ("us-west-2", "eu-west-1")
DAY = timedelta(days=1)
OWNED = [{"Key": "ecrrep:project", "Value": "container-registry-replication"}]


@pytest.fixture
def images(aws, write_spec) -> dict[str, str]:
    """The example spec (production kept 90 days, testing 7, `prod` protected) and images in
    both repositories of the source region; production's images also in us-west-2."""
    write_spec()
    source = aws.client("ecr", SOURCE)
    for region in (SOURCE, *DESTINATIONS):
        for repository in (PRODUCTION, TESTING):
            aws.client("ecr", region).create_repository(repositoryName=repository, tags=OWNED)
    now = datetime.now(UTC)
    pushed = {
        "prod-old": push(source, PRODUCTION, "prod-old", ["prod-1.0"], 200 * DAY, now),
        "feature-old": push(source, PRODUCTION, "feature-old", ["feature-x"], 120 * DAY, now),
        "untagged-old": push(source, PRODUCTION, "untagged-old", None, 95 * DAY, now),
        "feature-new": push(source, PRODUCTION, "feature-new", ["feature-y"], 30 * DAY, now),
        "test-old": push(source, TESTING, "test-old", ["test-1"], 20 * DAY, now),
        "test-8d": push(source, TESTING, "test-8d", ["test-2"], 8 * DAY, now),
        "test-new": push(source, TESTING, "test-new", ["test-3"], 1 * DAY, now),
    }
    replica = aws.client("ecr", DESTINATIONS[0])
    for seed, tags in (("prod-old", ["prod-1.0"]), ("feature-new", ["feature-y"])):
        push(replica, PRODUCTION, seed, tags, 200 * DAY, now)
    return pushed


def digests(aws, repository: str) -> set[str]:
    ids = aws.client("ecr", SOURCE).list_images(repositoryName=repository)["imageIds"]
    return {i["imageDigest"] for i in ids}


EXPIRED = ("feature-old", "untagged-old", "test-old", "test-8d")


def test_cleanup_deletes_old_unprotected_images_and_keeps_the_rest(cli, aws, images):
    result = cli("cleanup")
    assert result.returncode == 0, result.stdout + result.stderr
    assert digests(aws, PRODUCTION) == {images["prod-old"], images["feature-new"]}
    assert digests(aws, TESTING) == {images["test-new"]}
    # The table names each deleted image; the last line says how many.
    for name in EXPIRED:
        assert images[name].split(":")[1][:12] in result.stdout
    assert images["prod-old"].split(":")[1][:12] not in result.stdout
    assert "Deleted 4 image(s)." in result.stdout
    assert "would delete" not in result.stdout


def test_dry_run_deletes_nothing_and_lists_what_it_would(cli, aws, images):
    before = {r: digests(aws, r) for r in (PRODUCTION, TESTING)}
    result = cli("cleanup", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    assert {r: digests(aws, r) for r in (PRODUCTION, TESTING)} == before
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True and doc["deleted"] == 0 and doc["would_delete"] == 4
    listed = {e["digest"]: e["status"] for r in doc["repositories"] for e in r["expired"]}
    assert listed == {images[name]: "would-delete" for name in EXPIRED}


def test_spec_dry_run_is_honoured(cli, aws, images, write_spec):
    write_spec(lambda spec: spec["cleanup"].update(dry_run=True))
    result = cli("cleanup")
    assert result.returncode == 0, result.stderr
    assert len(digests(aws, PRODUCTION)) == 4 and len(digests(aws, TESTING)) == 3
    assert "Dry run: 4 image(s) would be deleted; nothing was deleted." in result.stdout


def test_json_is_one_document_and_matches_the_account(cli, aws, images):
    result = cli("cleanup", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["deleted"] == 4 and doc["failed"] == 0
    by_name = {r["repository"]: r for r in doc["repositories"]}
    assert by_name[PRODUCTION]["retention_days"] == 90 and by_name[TESTING]["retention_days"] == 7
    assert by_name[PRODUCTION]["protected"] == 1
    deleted = {e["digest"] for r in doc["repositories"] for e in r["expired"]
               if e["status"] == "deleted"}
    assert deleted == {images[name] for name in EXPIRED}
    assert not deleted & (digests(aws, PRODUCTION) | digests(aws, TESTING))
    # Production's two remaining images are in us-west-2; testing's one is not.
    assert {r["region"]: (r["missing"], r["source_images"]) for r in doc["replication"]} == {
        "us-west-2": (1, 3), "eu-west-1": (3, 3)}


def test_metrics_reach_cloudwatch(cli, aws, images):
    assert cli("cleanup").returncode == 0
    cloudwatch = aws.client("cloudwatch", SOURCE)

    def values(name: str, dimension: str, value: str, statistic: str) -> list[float]:
        answer = cloudwatch.get_metric_statistics(
            Namespace=metrics.NAMESPACE, MetricName=name,
            Dimensions=metrics.dimensions(OWNED[0]["Value"], dimension, value),
            StartTime=datetime.now(UTC) - timedelta(hours=1),
            EndTime=datetime.now(UTC) + timedelta(hours=1), Period=300, Statistics=[statistic])
        return [p[statistic] for p in answer["Datapoints"]]

    assert values(metrics.IMAGES_EXPIRED, "RepositoryName", PRODUCTION, "Sum") == [2.0]
    assert values(metrics.IMAGES_EXPIRED, "RepositoryName", TESTING, "Sum") == [2.0]
    sizes = aws.client("ecr", SOURCE).describe_images(repositoryName=PRODUCTION)["imageDetails"]
    assert values(metrics.REPOSITORY_SIZE_BYTES, "RepositoryName", PRODUCTION, "Maximum") == [
        float(sum(i["imageSizeInBytes"] for i in sizes))]
    rate = values(metrics.REPLICATION_FAILURE_RATE, "DestinationRegion", "us-west-2", "Maximum")
    assert rate == [pytest.approx(100 / 3)]
    assert values(metrics.REPLICATION_FAILURE_RATE, "DestinationRegion", "eu-west-1",
                  "Maximum") == [100.0]


def test_second_run_finds_nothing_more(cli, aws, images):
    assert cli("cleanup").returncode == 0
    again = cli("cleanup", "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["deleted"] == 0
    assert "No image is past its repository's retention." in cli("cleanup").stdout


def test_a_missing_repository_is_reported_not_fatal(cli, aws, write_spec):
    write_spec()
    aws.client("ecr", SOURCE).create_repository(repositoryName=PRODUCTION, tags=OWNED)
    result = cli("cleanup")
    assert result.returncode == 0, result.stderr
    assert "does not exist" in result.stdout


def test_a_repository_we_do_not_own_is_left_alone(cli, aws, write_spec):
    write_spec()
    source = aws.client("ecr", SOURCE)
    source.create_repository(repositoryName=PRODUCTION, tags=OWNED)
    source.create_repository(repositoryName=TESTING)  # same name, someone else's
    now = datetime.now(UTC)
    theirs = push(source, TESTING, "theirs-old", ["x"], 300 * DAY, now)
    push(source, TESTING, "theirs-new", ["y"], DAY, now)
    ours = push(source, PRODUCTION, "ours-old", ["x"], 300 * DAY, now)
    push(source, PRODUCTION, "ours-new", ["y"], DAY, now)
    result = cli("cleanup")
    assert result.returncode == 0, result.stderr
    assert theirs in digests(aws, TESTING) and ours not in digests(aws, PRODUCTION)
    assert f"{TESTING} has no ownership tag ecrrep:project, not " in result.stderr


def test_a_repository_another_project_owns_is_left_alone(cli, aws, write_spec):
    write_spec()
    source = aws.client("ecr", SOURCE)
    source.create_repository(repositoryName=PRODUCTION, tags=OWNED)
    source.create_repository(repositoryName=TESTING,
                             tags=[{"Key": "ecrrep:project", "Value": "other-project"}])
    now = datetime.now(UTC)
    theirs = push(source, TESTING, "theirs-old", ["x"], 300 * DAY, now)
    push(source, TESTING, "theirs-new", ["y"], DAY, now)
    result = cli("cleanup", "--json")
    assert result.returncode == 0, result.stderr
    assert theirs in digests(aws, TESTING)
    doc = json.loads(result.stdout)
    assert TESTING not in {r["repository"] for r in doc["repositories"]}
