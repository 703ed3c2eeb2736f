"""The CloudWatch alarms the spec asks for, as PutMetricAlarm parameters: pure functions of
the spec (the kind that reads and writes them: `alarms`; how they are compared:
`alarm_documents`).

- `<project>-replication-failure-rate`: the highest `ECRRep ReplicationFailureRate` over the
  destination regions (one query per DestinationRegion and a MAX expression), above
  `replication_failure_rate_percent`.
- `<project>-replication-latency` (only when `replication_latency_seconds` is set): the
  highest `ECRRep ReplicationLatencySeconds` (each region's 95th percentile) over the
  destination regions, built the same way, above that many seconds.
- `<project>-<repo>-pull-count`: `AWS/ECR RepositoryPullCount` (ECR's own metric), Sum over
  5 minutes, above `pull_count_per_5min`. It watches the source region only: pulls of the
  replicas are counted by each destination region's CloudWatch, which this alarm does not see.
  That is a choice: the source is where CI and most consumers pull, and an alarm per
  repository per region would multiply the alarms (and their cost) by the number of regions.
- `<project>-<repo>-size`: `ECRRep RepositorySizeBytes` above `repository_size_gib` GiB.

The ECRRep metrics are published by the cleanup function on its schedule and by
`ecrrep validate-replication --publish-metrics` (see `ecrrep.cleanup.function.metrics`), each
with a `Project` dimension, which every ECRRep alarm names too: another project's failures in
the same account and region never trip ours.

Every alarm notifies the alert topic on ALARM and on OK. With `notifications.enabled: false`
there is no topic, so the alarms have no actions: they still change state and show on the
dashboard and console, which is what someone who turned notifications off asked for.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ecrrep.cleanup.function import metrics
from ecrrep.resources.shared.alarm_documents import normalise_alarm
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.spec.models import Spec

ECR_NAMESPACE = "AWS/ECR"
PULL_COUNT_METRIC = "RepositoryPullCount"
GIB = 1024 ** 3

PULL_PERIOD_SECONDS = 300
# Our own metrics arrive once per cleanup run (daily by default) or per
# `validate-replication --publish-metrics`: an hour's Maximum holds that one value.
PUBLISHED_PERIOD_SECONDS = 3600

# CloudWatch refuses more than 10 metrics in one metric-math alarm. Beyond that, one Metrics
# Insights query takes the maximum over every DestinationRegion at once.
MAX_ALARM_METRICS = 10


def _region_query_id(region: str) -> str:
    """A metric query id: lowercase letter first, then letters, digits and underscores."""
    return "r_" + region.replace("-", "_")


def max_over_regions_queries(spec: Spec, metric: str, query_id: str,
                             label: str) -> list[dict[str, Any]]:
    """The highest value of this project's `metric` over the destination regions: one query
    per region and a MAX, or one Metrics Insights query beyond 10 regions."""
    regions = spec.destination_regions
    if len(regions) <= MAX_ALARM_METRICS:
        queries = [
            {
                "Id": _region_query_id(region),
                "MetricStat": {
                    "Metric": {
                        "Namespace": metrics.NAMESPACE,
                        "MetricName": metric,
                        "Dimensions": metrics.dimensions(
                            spec.project, metrics.DESTINATION_REGION, region),
                    },
                    "Period": PUBLISHED_PERIOD_SECONDS,
                    "Stat": "Maximum",
                },
                "ReturnData": False,
            }
            for region in regions
        ]
        ids = ", ".join(q["Id"] for q in queries)
        queries.append({"Id": query_id, "Expression": f"MAX([{ids}])",
                        "Label": label, "ReturnData": True})
    else:
        queries = [{
            "Id": query_id,
            "Expression": (f'SELECT MAX({metric}) FROM '
                           f'SCHEMA("{metrics.NAMESPACE}", {metrics.DESTINATION_REGION}, '
                           f"{metrics.PROJECT}) WHERE {metrics.PROJECT} = '{spec.project}'"),
            "Period": PUBLISHED_PERIOD_SECONDS,
            "Label": label,
            "ReturnData": True,
        }]
    return queries


def failure_rate_queries(spec: Spec) -> list[dict[str, Any]]:
    return max_over_regions_queries(spec, metrics.REPLICATION_FAILURE_RATE, "failure_rate",
                                    "Highest replication failure rate (%)")


def failure_rate_alarm(spec: Spec, actions: list[str]) -> dict[str, Any]:
    regions = spec.destination_regions
    threshold = spec.monitoring.replication_failure_rate_percent
    return normalise_alarm({
        "AlarmDescription": (
            f"More than {threshold:g}% of the source's images are missing or failed in one of "
            f"{', '.join(regions)} after the grace period (ECRRep "
            f"{metrics.REPLICATION_FAILURE_RATE}, published by the ecrrep cleanup function and "
            "`ecrrep validate-replication --publish-metrics`)."
        ),
        "AlarmActions": actions,
        "OKActions": actions,
        "Metrics": failure_rate_queries(spec),
        "EvaluationPeriods": 1,
        "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold",
        # Published once per cleanup run, so most hours have no data point. A gap means "not
        # measured since", neither healthy nor failing: `ignore` keeps the last state, so an
        # alarm stays in ALARM until a new measurement clears it. `missing` would drop to
        # INSUFFICIENT_DATA an hour after every run and hide a standing failure; `breaching`
        # would raise a false replication alarm every hour between runs.
        "TreatMissingData": "ignore",
    })


def latency_alarm(spec: Spec, threshold: float, actions: list[str]) -> dict[str, Any]:
    regions = spec.destination_regions
    return normalise_alarm({
        "AlarmDescription": (
            f"Replication to one of {', '.join(regions)} took more than {threshold:g} seconds "
            f"(95th percentile; ECRRep {metrics.REPLICATION_LATENCY_SECONDS}, published by "
            "`ecrrep validate-replication --publish-metrics`)."
        ),
        "AlarmActions": actions,
        "OKActions": actions,
        "Metrics": max_over_regions_queries(
            spec, metrics.REPLICATION_LATENCY_SECONDS, "latency",
            "Slowest replication, 95th percentile (seconds)"),
        "EvaluationPeriods": 1,
        "Threshold": float(threshold),
        "ComparisonOperator": "GreaterThanThreshold",
        # Published only when someone runs `validate-replication --publish-metrics`, and only
        # for regions where an image was measured: most hours have no data point, and a gap
        # means "not measured", not "fast" or "slow". `ignore` keeps the last measured state
        # (see the failure-rate alarm for why not `missing` or `breaching`).
        "TreatMissingData": "ignore",
    })


def pull_count_alarm(spec: Spec, repository: str, actions: list[str]) -> dict[str, Any]:
    limit = spec.monitoring.pull_count_per_5min
    return normalise_alarm({
        "AlarmDescription": f"{repository} was pulled more than {limit} times in 5 minutes "
                            f"(AWS/ECR {PULL_COUNT_METRIC}).",
        "AlarmActions": actions,
        "OKActions": actions,
        "Namespace": ECR_NAMESPACE,
        "MetricName": PULL_COUNT_METRIC,
        "Dimensions": [{"Name": "RepositoryName", "Value": repository}],
        "Statistic": "Sum",
        "Period": PULL_PERIOD_SECONDS,
        "EvaluationPeriods": 1,
        "Threshold": limit,
        "ComparisonOperator": "GreaterThanThreshold",
        # ECR sends a data point only when something is pulled: no data is zero pulls.
        "TreatMissingData": "notBreaching",
    })


def size_alarm(spec: Spec, repository: str, actions: list[str]) -> dict[str, Any]:
    gib = spec.monitoring.repository_size_gib
    return normalise_alarm({
        "AlarmDescription": f"{repository} holds more than {gib:g} GiB of images (ECRRep "
                            f"{metrics.REPOSITORY_SIZE_BYTES}, published by the ecrrep cleanup "
                            "function).",
        "AlarmActions": actions,
        "OKActions": actions,
        "Namespace": metrics.NAMESPACE,
        "MetricName": metrics.REPOSITORY_SIZE_BYTES,
        "Dimensions": metrics.dimensions(spec.project, metrics.REPOSITORY_NAME, repository),
        "Statistic": "Maximum",
        "Period": PUBLISHED_PERIOD_SECONDS,
        "EvaluationPeriods": 1,
        "Threshold": float(gib * GIB),
        "ComparisonOperator": "GreaterThanThreshold",
        # Published once per cleanup run: between runs the size is unknown, not zero and not
        # too big. `ignore` keeps the last measured state (see the failure-rate alarm).
        "TreatMissingData": "ignore",
    })


def desired_alarms(spec: Spec, account_id: str) -> dict[str, dict[str, Any]]:
    """Alarm name → managed fields, for every alarm the spec asks for."""
    if not spec.monitoring.enabled:
        return {}
    actions = ([naming.topic_arn(spec.source_region, account_id, spec.project)]
               if spec.notifications.enabled else [])
    alarms = {naming.replication_failure_alarm_name(spec.project):
              failure_rate_alarm(spec, actions)}
    latency = spec.monitoring.replication_latency_seconds
    if latency is not None:
        alarms[naming.replication_latency_alarm_name(spec.project)] = latency_alarm(
            spec, latency, actions)
    for repo in spec.repositories:
        full = naming.repository_name(spec.repository_prefix, repo.name)
        alarms[naming.pull_count_alarm_name(spec.project, repo.name)] = pull_count_alarm(
            spec, full, actions)
        alarms[naming.repository_size_alarm_name(spec.project, repo.name)] = size_alarm(
            spec, full, actions)
    return alarms


def is_our_alarm_name(name: str, project: str) -> bool:
    """A name of the shapes this kind gives alarms (so a stray tag alone claims nothing)."""
    if name in (naming.replication_failure_alarm_name(project),
                naming.replication_latency_alarm_name(project)):
        return True
    return bool(re.fullmatch(re.escape(project) + r"-.+-(pull-count|size)", name))


def alarm_summary(alarm: dict[str, Any]) -> list[str]:
    """Lines a person reads in the plan instead of the whole PutMetricAlarm document."""
    operator = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=",
                "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}
    comparison = operator.get(alarm.get("ComparisonOperator", ""), alarm.get(
        "ComparisonOperator", ""))
    if alarm.get("Metrics"):
        watched = next(q for q in alarm["Metrics"] if q["ReturnData"])
        sources = [q["MetricStat"]["Metric"] for q in alarm["Metrics"] if "MetricStat" in q]
        what = watched.get("Expression", "")
        if sources:
            dims = ", ".join(d["Value"] for m in sources for d in m.get("Dimensions", []))
            what = (f"{what} of {sources[0]['Namespace']} {sources[0]['MetricName']} "
                    f"({dims})")
    else:
        dims = ", ".join(f"{d['Name']}={d['Value']}" for d in alarm.get("Dimensions", []))
        what = (f"{alarm.get('Statistic')} of {alarm.get('Namespace')} "
                f"{alarm.get('MetricName')} ({dims}) per {alarm.get('Period')} s")
    actions = alarm.get("AlarmActions") or []
    notifies = ", ".join(a.rsplit(":", 1)[-1] for a in actions) or "nobody (no topic)"
    threshold = alarm.get("Threshold", 0.0)
    if alarm.get("MetricName") == metrics.REPOSITORY_SIZE_BYTES:
        limit = f"{threshold / GIB:g} GiB"
    elif metrics.REPLICATION_LATENCY_SECONDS in str(alarm.get("Metrics")):
        limit = f"{threshold:g} s"
    elif alarm.get("Metrics"):
        limit = f"{threshold:g}%"
    else:
        limit = f"{threshold:g}"
    return [
        f"alarm when {what} {comparison} {limit}",
        f"missing data: {alarm.get('TreatMissingData', 'missing')}; notifies {notifies} "
        "on ALARM and OK",
    ]
