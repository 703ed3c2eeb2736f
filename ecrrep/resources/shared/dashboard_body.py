"""The body of the dashboard `<project>-ecr` (pure): what it graphs and how it stays within
CloudWatch's dashboard quotas whatever the number of repositories.

Five graphs: pulls per repository (AWS/ECR RepositoryPullCount: ECR's metric, which has no
project dimension, but the repository names are the project's), repository sizes (ECRRep
RepositorySizeBytes), the replication failure rate per destination region (ECRRep
ReplicationFailureRate, with the alarm threshold drawn in), next to it the replication latency
per destination region (ECRRep ReplicationLatencySeconds, the 95th percentile, with its alarm
threshold when there is one) and the images the cleanup function expired (ECRRep
ImagesExpired). Every ECRRep query names the Project dimension the metrics are
published with.

CloudWatch draws at most 500 metrics in one widget and 2,500 in one dashboard
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html). So:
- while every metric fits in the dashboard, each per-repository graph lists its metrics, split
  into widgets of at most 500 ("(1 of 3)");
- beyond that, each per-repository graph is one Metrics Insights query showing the repositories
  with the highest values (a query returns at most 500 series,
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-limits.html),
  which works for any number of repositories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.cleanup.function import metrics
from ecrrep.resources.shared.alarm_definitions import (
    ECR_NAMESPACE,
    PUBLISHED_PERIOD_SECONDS,
    PULL_COUNT_METRIC,
)
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.spec.models import Spec

WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6
DAY_SECONDS = 86400
PULL_PERIOD_SECONDS = 300

MAX_WIDGET_METRICS = 500
MAX_DASHBOARD_METRICS = 2500
# How many repositories a summarising query shows: the busiest or largest ones.
TOP_REPOSITORIES = 100


# A graph before it is placed: title, metric rows, statistic, period, extra properties.
Graph = tuple[str, list[list[Any]], str, int, dict[str, Any]]
# The per-repository graphs: pulls, sizes, expiries (each one or more widgets).
PerRepository = tuple[list[Graph], list[Graph], list[Graph]]


def dashboard_body(spec: Spec) -> dict[str, Any]:
    repositories = [naming.repository_name(spec.repository_prefix, r.name)
                    for r in spec.repositories]
    rates = [_ours(spec.project, metrics.REPLICATION_FAILURE_RATE, metrics.DESTINATION_REGION, r)
             for r in spec.destination_regions]
    latencies = [_ours(spec.project, metrics.REPLICATION_LATENCY_SECONDS,
                       metrics.DESTINATION_REGION, r) for r in spec.destination_regions]
    listed = 3 * len(repositories) + len(rates) + len(latencies)
    per_repository = (_listed_graphs(spec.project, repositories)
                      if listed <= MAX_DASHBOARD_METRICS
                      else _summary_graphs(spec.project, spec.repository_prefix))
    threshold = spec.monitoring.replication_failure_rate_percent
    rate_graph: Graph = (
        "Replication failure rate per destination region (%)", rates, "Maximum",
        PUBLISHED_PERIOD_SECONDS,
        {"yAxis": {"left": {"min": 0, "max": 100}},
         "annotations": {"horizontal": [{"label": "alarm threshold", "value": threshold}]}})
    pulls, sizes, expired = per_repository
    # Pulls and sizes always take as many widgets each, so the failure rate starts a row and
    # the latency sits next to it.
    graphs = [*pulls, *sizes, rate_graph, _latency_graph(spec, latencies), *expired]
    return {"widgets": [_widget(graph, spec.source_region, position)
                        for position, graph in enumerate(graphs)]}


def _latency_graph(spec: Spec, latencies: list[list[Any]]) -> Graph:
    """ReplicationLatencySeconds (each run's 95th percentile) per destination region, with the
    alarm threshold drawn in when the spec sets one."""
    threshold = spec.monitoring.replication_latency_seconds
    extra: dict[str, Any] = {"yAxis": {"left": {"min": 0}}}
    if threshold is not None:
        extra["annotations"] = {"horizontal": [{"label": "alarm threshold",
                                                "value": threshold}]}
    return ("Replication latency per destination region (p95, seconds)", latencies, "Maximum",
            PUBLISHED_PERIOD_SECONDS, extra)


def _listed_graphs(project: str, repositories: list[str]) -> PerRepository:
    """Pulls, sizes and expiries with one metric per repository, split by 500."""
    pulls = [[ECR_NAMESPACE, PULL_COUNT_METRIC, metrics.REPOSITORY_NAME, name]
             for name in repositories]
    sizes = [_ours(project, metrics.REPOSITORY_SIZE_BYTES, metrics.REPOSITORY_NAME, name)
             for name in repositories]
    expired = [_ours(project, metrics.IMAGES_EXPIRED, metrics.REPOSITORY_NAME, name)
               for name in repositories]
    return (
        _split("Pulls per repository (per 5 minutes)", pulls, "Sum", PULL_PERIOD_SECONDS),
        _split("Repository size (bytes)", sizes, "Maximum", PUBLISHED_PERIOD_SECONDS),
        _split("Images expired by cleanup (per day)", expired, "Sum", DAY_SECONDS),
    )


def _summary_graphs(project: str, prefix: str) -> PerRepository:
    """One Metrics Insights query per per-repository graph: the top repositories."""
    top = TOP_REPOSITORIES
    pulls = (f'SELECT SUM({PULL_COUNT_METRIC}) FROM SCHEMA("{ECR_NAMESPACE}", '
             f"{metrics.REPOSITORY_NAME}) GROUP BY {metrics.REPOSITORY_NAME} "
             f"ORDER BY SUM() DESC LIMIT {top}")

    def ours(metric: str, stat: str) -> str:
        return (f'SELECT {stat}({metric}) FROM SCHEMA("{metrics.NAMESPACE}", '
                f"{metrics.PROJECT}, {metrics.REPOSITORY_NAME}) "
                f"WHERE {metrics.PROJECT} = '{project}' GROUP BY {metrics.REPOSITORY_NAME} "
                f"ORDER BY {stat}() DESC LIMIT {top}")

    return (
        [(f"Most pulled repositories in the region (top {top}, per 5 minutes; "
          f"ours are under {prefix}/)",
          [[{"expression": pulls, "id": "pulls", "label": "", "period": PULL_PERIOD_SECONDS}]],
          "Sum", PULL_PERIOD_SECONDS, {})],
        [(f"Largest repositories (top {top}, bytes)",
          [[{"expression": ours(metrics.REPOSITORY_SIZE_BYTES, "MAX"), "id": "sizes",
             "label": "", "period": PUBLISHED_PERIOD_SECONDS}]],
          "Maximum", PUBLISHED_PERIOD_SECONDS, {})],
        [(f"Images expired by cleanup (top {top} repositories, per day)",
          [[{"expression": ours(metrics.IMAGES_EXPIRED, "SUM"), "id": "expired",
             "label": "", "period": DAY_SECONDS}]],
          "Sum", DAY_SECONDS, {})],
    )


def _split(title: str, rows: list[list[Any]], stat: str, period: int) -> list[Graph]:
    """One graph of `rows`, or several of at most MAX_WIDGET_METRICS, titled "(n of m)"."""
    parts = [rows[i:i + MAX_WIDGET_METRICS] for i in range(0, len(rows), MAX_WIDGET_METRICS)]
    parts = parts or [[]]
    if len(parts) == 1:
        return [(title, parts[0], stat, period, {})]
    return [(f"{title} ({n} of {len(parts)})", part, stat, period, {})
            for n, part in enumerate(parts, start=1)]


def _ours(project: str, metric: str, name: str, value: str) -> list[Any]:
    """A dashboard metric row for an ECRRep metric: namespace, name, then its dimensions."""
    dims = metrics.dimensions(project, name, value)
    return [metrics.NAMESPACE, metric, *(x for d in dims for x in (d["Name"], d["Value"]))]


def _widget(graph: Graph, region: str, position: int) -> dict[str, Any]:
    title, rows, stat, period, extra = graph
    return {
        "type": "metric",
        "x": (position % 2) * WIDGET_WIDTH,
        "y": (position // 2) * WIDGET_HEIGHT,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": {
            "title": title, "region": region, "view": "timeSeries", "stacked": False,
            "stat": stat, "period": period, "metrics": rows, **extra,
        },
    }
