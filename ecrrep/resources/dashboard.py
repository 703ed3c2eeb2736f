"""The CloudWatch dashboard `<project>-ecr` (`monitoring.enabled`).

Four graphs: pulls per repository (AWS/ECR RepositoryPullCount), repository sizes (ECRRep
RepositorySizeBytes), the replication failure rate per destination region (ECRRep
ReplicationFailureRate, with the alarm threshold drawn in) and the images the cleanup function
expired (ECRRep ImagesExpired).

The dashboard is owned by its name (SPEC §4): the emulator keeps no dashboard tags (put_dashboard
accepts them, list_tags_for_resource returns none and tag_resource fails), so there is nothing
else to tell ours from someone else's. A dashboard called `<project>-ecr` is ours.

The body is compared by meaning: both sides are parsed JSON, compared with sorted keys, so AWS
reformatting the text (or the key order) never reads as a change. Widget order is layout and
does count.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecrrep import metrics, naming
from ecrrep.aws import aws_action, error_code
from ecrrep.plan import Change, Resource
from ecrrep.resources.alarms import ECR_NAMESPACE, PUBLISHED_PERIOD_SECONDS, PULL_COUNT_METRIC
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target

if TYPE_CHECKING:
    from ecrrep.aws import AwsContext
    from ecrrep.spec import Spec

WIDGET_WIDTH = 12
WIDGET_HEIGHT = 6
DAY_SECONDS = 86400


# CloudWatch draws at most 500 metrics in one graph widget
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Dashboard-Body-Structure.html#CloudWatch-Dashboard-Properties-Metric-Widget-Object):
# a per-repository graph of more repositories is split into several widgets of at most that
# many. (Metrics Insights would summarise, but also returns at most 500 series per query.)
MAX_WIDGET_METRICS = 500


def _graph(title: str, region: str, rows: list[list[Any]], stat: str, period: int,
           position: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": (position % 2) * WIDGET_WIDTH,
        "y": (position // 2) * WIDGET_HEIGHT,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stacked": False,
            "stat": stat,
            "period": period,
            "metrics": rows,
            **(extra or {}),
        },
    }


def _chunks(rows: list[list[Any]], size: int = MAX_WIDGET_METRICS) -> list[list[list[Any]]]:
    return [rows[start:start + size] for start in range(0, len(rows), size)] or [[]]


def _graphs(title: str, rows: list[list[Any]], stat: str, period: int,
            extra: dict[str, Any] | None = None) -> list[tuple[str, list[list[Any]], str, int,
                                                             dict[str, Any] | None]]:
    """One graph of `rows`, or several of at most MAX_WIDGET_METRICS, titled "(n of m)"."""
    parts = _chunks(rows)
    if len(parts) == 1:
        return [(title, parts[0], stat, period, extra)]
    return [(f"{title} ({n} of {len(parts)})", part, stat, period, extra)
            for n, part in enumerate(parts, start=1)]


def dashboard_body(spec: Spec) -> dict[str, Any]:
    """Pulls (AWS/ECR, by RepositoryName: ECR's metric has no project dimension, but the
    repository names are the project's), then the ECRRep metrics, each query naming the
    Project dimension they are published with."""
    region = spec.source_region
    project = spec.project
    repositories = [naming.repository_name(spec.repository_prefix, r.name)
                    for r in spec.repositories]

    def ours(metric: str, name: str, value: str) -> list[Any]:
        dims = metrics.dimensions(project, name, value)
        return [metrics.NAMESPACE, metric, *(x for d in dims for x in (d["Name"], d["Value"]))]

    threshold = spec.monitoring.replication_failure_rate_percent
    graphs = [
        *_graphs("Pulls per repository (per 5 minutes)",
                 [[ECR_NAMESPACE, PULL_COUNT_METRIC, metrics.REPOSITORY_NAME, name]
                  for name in repositories], "Sum", 300),
        *_graphs("Repository size (bytes)",
                 [ours(metrics.REPOSITORY_SIZE_BYTES, metrics.REPOSITORY_NAME, name)
                  for name in repositories], "Maximum", PUBLISHED_PERIOD_SECONDS),
        *_graphs("Replication failure rate per destination region (%)",
                 [ours(metrics.REPLICATION_FAILURE_RATE, metrics.DESTINATION_REGION, r)
                  for r in spec.destination_regions], "Maximum", PUBLISHED_PERIOD_SECONDS,
                 {"yAxis": {"left": {"min": 0, "max": 100}},
                  "annotations": {"horizontal": [{"label": "alarm threshold",
                                                  "value": threshold}]}}),
        *_graphs("Images expired by cleanup (per day)",
                 [ours(metrics.IMAGES_EXPIRED, metrics.REPOSITORY_NAME, name)
                  for name in repositories], "Sum", DAY_SECONDS),
    ]
    return {"widgets": [_graph(title, region, rows, stat, period, position, extra)
                        for position, (title, rows, stat, period, extra) in enumerate(graphs)]}


def body_summary(body: dict[str, Any]) -> list[str]:
    return [f"widget: {w.get('properties', {}).get('title', w.get('type'))}"
            for w in body.get("widgets", [])]


def parse_body(text: str) -> Any:
    """The body as data; text that is not JSON stays text, and so always differs."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


class Dashboard(ResourceKind):
    type = "cloudwatch_dashboard"
    title = "CloudWatch dashboard"

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if not spec.monitoring.enabled:
            return []
        body = dashboard_body(spec)
        return [Resource(self.type, spec.source_region, naming.dashboard_name(spec.project),
                         {"body": body}, facts={"summary": body_summary(body)})]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        name = naming.dashboard_name(spec.project)
        client = ctx.client("cloudwatch", spec.source_region)
        with aws_action(f"dashboard {name}"):
            try:
                answer = client.get_dashboard(DashboardName=name)
            except Exception as exc:
                if error_code(exc) in ("ResourceNotFound", "ResourceNotFoundException"):
                    return []
                raise
        return [Resource(self.type, spec.source_region, name,
                         {"body": parse_body(answer.get("DashboardBody", ""))},
                         facts={"arn": answer.get("DashboardArn")})]

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("cloudwatch", change.region)
        with aws_action(f"dashboard {change.name}"):
            if change.action in ("create", "update"):
                # PutDashboard creates or replaces: a retried create simply writes again.
                client.put_dashboard(DashboardName=change.name,
                                     DashboardBody=json.dumps((change.after or {})["body"]))
            elif change.action == "delete":
                try:
                    client.delete_dashboards(DashboardNames=[change.name])
                except Exception as exc:
                    if error_code(exc) not in ("ResourceNotFound",
                                               "ResourceNotFoundException"):
                        raise


KIND = Dashboard()
