"""The metrics ecrrep publishes itself (namespace ECRRep), because ECR publishes only pulls.

One implementation, used by the cleanup function on its schedule and by
`validate-replication --publish-metrics`, so an alarm never watches a metric nobody sends.
"""

from __future__ import annotations

from collections.abc import Iterable
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
