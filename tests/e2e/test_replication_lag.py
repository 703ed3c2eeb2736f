"""Replication time in `validate-replication` end to end: the installed `ecrrep` against the
emulator, the figures checked against the push times plain boto3 reads in each region."""

from __future__ import annotations

import json
import time

import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from tests.support.e2e_account import (
    DESTINATIONS,
    PRODUCTION,
    PROJECT,
    SOURCE,
    TESTING,
    repositories_only,
)

pytestmark = pytest.mark.e2e

DELAY = 90.0  # seconds between a push and its replicas, on the sandbox clock


@pytest.fixture
def applied(cli, write_spec):
    write_spec(edit=repositories_only)
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stderr


def push_four(aws) -> list[str]:
    source = aws.client("ecr", SOURCE)
    return [push_sample_image(source, repository, seed, [seed]).digest
            for repository in (PRODUCTION, TESTING) for seed in ("one", "two")]


def pushed_at(aws, region: str) -> dict[tuple[str, str], float]:
    """(repository, digest) → imagePushedAt, read with plain boto3."""
    ecr = aws.client("ecr", region)
    return {(repository, d["imageDigest"]): d["imagePushedAt"].timestamp()
            for repository in (PRODUCTION, TESTING)
            for d in ecr.describe_images(repositoryName=repository)["imageDetails"]}


def validate(cli, *args: str) -> dict:
    result = cli("validate-replication", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_lag_figures_are_the_push_times_each_region_holds(cli, aws, applied):
    push_four(aws)
    source = pushed_at(aws, SOURCE)

    doc = validate(cli)

    for region in DESTINATIONS:
        replica = pushed_at(aws, region)
        assert replica.keys() == source.keys()  # every image arrived
        lags = sorted(replica[key] - source[key] for key in source)
        assert doc["lag"][region] == {
            "images": 4, "median_seconds": (lags[1] + lags[2]) / 2,
            "p95_seconds": lags[3], "max_seconds": lags[3]}
    # The keys the JSON always had are still there.
    assert {"healthy", "checked_at", "results"} <= set(doc)
    assert doc["healthy"] is True


def test_lag_figures_cover_the_replication_delay(cli, aws, applied):
    settings.configure(replication_delay_seconds=DELAY)
    digests = push_four(aws)
    waiting = aws.client("ecr", DESTINATIONS[0]).describe_images(repositoryName=PRODUCTION)
    assert waiting["imageDetails"] == []  # not replicated before the delay has passed
    settings.advance(DELAY)

    doc = validate(cli)

    for region in DESTINATIONS:
        assert {d for (_, d) in pushed_at(aws, region)} == set(digests)
        lag = doc["lag"][region]
        assert lag["images"] == 4
        assert DELAY <= lag["median_seconds"] <= lag["p95_seconds"] <= lag["max_seconds"]


def test_nothing_replicated_yet_has_no_figures(cli, aws, applied):
    settings.configure(replication_delay_seconds=DELAY)
    push_four(aws)

    doc = validate(cli)  # in flight within the grace period: healthy

    assert pushed_at(aws, DESTINATIONS[0]) == {}
    assert doc["lag"] == {region: {"images": 0, "median_seconds": None, "p95_seconds": None,
                                   "max_seconds": None} for region in DESTINATIONS}


def test_publish_metrics_sends_the_p95_latency_per_destination(cli, aws, applied):
    push_four(aws)

    doc = validate(cli, "--publish-metrics")

    cloudwatch = aws.client("cloudwatch", SOURCE)
    for region in DESTINATIONS:
        stats = cloudwatch.get_metric_statistics(
            Namespace="ECRRep", MetricName="ReplicationLatencySeconds",
            Dimensions=[{"Name": "Project", "Value": PROJECT},
                        {"Name": "DestinationRegion", "Value": region}],
            StartTime=time.time() - 600, EndTime=time.time() + 600, Period=60,
            Statistics=["Maximum"], Unit="Seconds")
        assert [p["Maximum"] for p in stats["Datapoints"]] == [doc["lag"][region]["p95_seconds"]]


def test_the_table_output_draws_the_lag_chart(cli, aws, applied):
    push_four(aws)

    result = cli("validate-replication")

    assert result.returncode == 0, result.stderr
    assert "Replication time by destination region" in result.stdout
    for region in DESTINATIONS:
        line = next(line for line in result.stdout.splitlines()
                    if line.startswith(region) and "p95" in line)
        assert "over 4 images" in line
