"""The metrics ecrrep publishes itself (namespace ECRRep), because ECR publishes only pulls.

One implementation, used by the cleanup function on its schedule and by
`validate-replication --publish-metrics`, so an alarm never watches a metric nobody sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

NAMESPACE = "ECRRep"
REPLICATION_FAILURE_RATE = "ReplicationFailureRate"  # percent, dimension DestinationRegion
REPOSITORY_SIZE_BYTES = "RepositorySizeBytes"  # bytes, dimension RepositoryName
IMAGES_EXPIRED = "ImagesExpired"  # count per cleanup run, dimension RepositoryName

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


def repository_size_bytes(images: Iterable[Mapping[str, Any]]) -> int:
    """RepositorySizeBytes: the sum of `imageSizeInBytes` over describe_images entries (ECR's
    per-image size; a layer shared by several images counts once per image)."""
    return sum(int(image.get("imageSizeInBytes") or 0) for image in images)


def replication_failure_rate_datum(destination_region: str, percent: float) -> dict[str, Any]:
    return {
        "MetricName": REPLICATION_FAILURE_RATE,
        "Dimensions": [{"Name": "DestinationRegion", "Value": destination_region}],
        "Value": float(percent),
        "Unit": "Percent",
    }


def repository_size_datum(repository: str, size_bytes: int) -> dict[str, Any]:
    return {
        "MetricName": REPOSITORY_SIZE_BYTES,
        "Dimensions": [{"Name": "RepositoryName", "Value": repository}],
        "Value": float(size_bytes),
        "Unit": "Bytes",
    }


def images_expired_datum(repository: str, count: int) -> dict[str, Any]:
    return {
        "MetricName": IMAGES_EXPIRED,
        "Dimensions": [{"Name": "RepositoryName", "Value": repository}],
        "Value": float(count),
        "Unit": "Count",
    }


def publish(cloudwatch: Any, data: Iterable[dict[str, Any]]) -> int:
    """Send data points to CloudWatch in as few calls as allowed; returns how many were sent."""
    data = list(data)
    for start in range(0, len(data), MAX_DATA_PER_CALL):
        cloudwatch.put_metric_data(Namespace=NAMESPACE,
                                   MetricData=data[start:start + MAX_DATA_PER_CALL])
    return len(data)
