"""The metrics ecrrep publishes itself (namespace ECRRep), because ECR publishes only pulls.

One implementation, used by the cleanup function on its schedule and by
`validate-replication --publish-metrics`, so an alarm never watches a metric nobody sends.

Every datum carries a `Project` dimension (the spec's project): two projects in one account
and region then write two series, and one project's failure never trips the other's alarm.
CloudWatch treats each combination of dimensions as its own metric
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension),
so every alarm and dashboard query names the same dimensions (`dimensions` below).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

NAMESPACE = "ECRRep"
PROJECT = "Project"  # the dimension every ECRRep datum carries
REPLICATION_FAILURE_RATE = "ReplicationFailureRate"  # percent, dimension DestinationRegion
REPOSITORY_SIZE_BYTES = "RepositorySizeBytes"  # bytes, dimension RepositoryName
IMAGES_EXPIRED = "ImagesExpired"  # count per cleanup run, dimension RepositoryName
# seconds (95th percentile of replica push time minus source push time), DestinationRegion
REPLICATION_LATENCY_SECONDS = "ReplicationLatencySeconds"
DESTINATION_REGION = "DestinationRegion"
REPOSITORY_NAME = "RepositoryName"

# PutMetricData accepts at most this many data points per call.
MAX_DATA_PER_CALL = 1000


def replication_failure_rate(source_digests: set[str], missing_or_failed: set[str]) -> float:
    """Percent of the source's images that a destination lacks (or failed) after the grace
    period. An empty source has nothing to miss: 0."""
    if not source_digests:
        return 0.0
    return 100.0 * len(missing_or_failed & source_digests) / len(source_digests)


def missing_after_grace(
    source_pushed_at: Mapping[str, datetime | None],
    present: set[str],
    now: datetime,
    grace: timedelta,
) -> set[str]:
    """The source images (keys of `source_pushed_at`) that a destination lacks although they
    were pushed before the grace period began: failures, not images still in flight. An image
    of unknown push time that is missing counts as failed."""
    return {
        key for key, pushed_at in source_pushed_at.items()
        if key not in present and (pushed_at is None or now - pushed_at >= grace)
    }


def nearest_rank_percentile(values: Iterable[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `percent` % of the values
    at or below it. It is always a value observed, and on a small sample it leans to the high
    side (the 95th of fewer than 20 values is the largest), which suits a latency: it never
    reports a tail better than one seen. No values: ValueError."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LatencySummary:
    """How long replication took to one destination, over the images measured (seconds).
    With no image measured, the figures are None."""

    images: int
    median_seconds: float | None = None
    p95_seconds: float | None = None
    max_seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"images": self.images, "median_seconds": self.median_seconds,
                "p95_seconds": self.p95_seconds, "max_seconds": self.max_seconds}


def latency_summary(seconds: Iterable[float]) -> LatencySummary:
    """Median (the middle value, or the mean of the two middle ones), nearest-rank 95th
    percentile and worst of replication latencies."""
    values = sorted(float(s) for s in seconds)
    if not values:
        return LatencySummary(0)
    return LatencySummary(len(values), statistics.median(values),
                          nearest_rank_percentile(values, 95), values[-1])


def repository_size_bytes(images: Iterable[Mapping[str, Any]]) -> int:
    """RepositorySizeBytes: the sum of `imageSizeInBytes` over describe_images entries (ECR's
    per-image size; a layer shared by several images counts once per image)."""
    return sum(int(image.get("imageSizeInBytes") or 0) for image in images)


def dimensions(project: str, name: str, value: str) -> list[dict[str, str]]:
    """A datum's dimensions: the project first, then what it is about."""
    return [{"Name": PROJECT, "Value": project}, {"Name": name, "Value": value}]


def _datum(metric: str, project: str, dimension: str, value_of: str, value: float,
           unit: str) -> dict[str, Any]:
    return {"MetricName": metric, "Dimensions": dimensions(project, dimension, value_of),
            "Value": float(value), "Unit": unit}


def replication_failure_rate_datum(destination_region: str, percent: float, *,
                                   project: str) -> dict[str, Any]:
    return _datum(REPLICATION_FAILURE_RATE, project, DESTINATION_REGION, destination_region,
                  percent, "Percent")


def replication_latency_datum(destination_region: str, seconds: float, *,
                              project: str) -> dict[str, Any]:
    return _datum(REPLICATION_LATENCY_SECONDS, project, DESTINATION_REGION, destination_region,
                  seconds, "Seconds")


def repository_size_datum(repository: str, size_bytes: int, *, project: str) -> dict[str, Any]:
    return _datum(REPOSITORY_SIZE_BYTES, project, REPOSITORY_NAME, repository, size_bytes,
                  "Bytes")


def images_expired_datum(repository: str, count: int, *, project: str) -> dict[str, Any]:
    return _datum(IMAGES_EXPIRED, project, REPOSITORY_NAME, repository, count, "Count")


def publish(cloudwatch: Any, data: Iterable[dict[str, Any]]) -> int:
    """Send data points to CloudWatch in as few calls as allowed; returns how many were sent."""
    data = list(data)
    for start in range(0, len(data), MAX_DATA_PER_CALL):
        cloudwatch.put_metric_data(Namespace=NAMESPACE,
                                   MetricData=data[start:start + MAX_DATA_PER_CALL])
    return len(data)
