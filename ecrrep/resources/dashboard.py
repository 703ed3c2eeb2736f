"""The CloudWatch dashboard `<project>-ecr` (`monitoring.enabled`).

Four graphs: pulls per repository (AWS/ECR RepositoryPullCount), repository sizes (ECRRep
RepositorySizeBytes), the replication failure rate per destination region (ECRRep
ReplicationFailureRate, with the alarm threshold drawn in) and the images the cleanup function
expired (ECRRep ImagesExpired).

A dashboard cannot be told ours by its tags (the emulator keeps none: put_dashboard accepts them,
list_tags_for_resource returns none and tag_resource fails), and a name proves nothing: a
dashboard called `<project>-ecr` is ours only when this project claims it (`ecrrep.claims`; the
claim is written before the dashboard is created and deleted after it is deleted). Without
the claim it is a conflict that apply does not overwrite (unless --adopt) and destroy leaves.

The body is compared by meaning: both sides are parsed JSON, compared with sorted keys, so AWS
reformatting the text (or the key order) never reads as a change. Widget order is layout and
does count.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecrrep import claims, metrics, naming
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


def dashboard_body(spec: Spec) -> dict[str, Any]:
    region = spec.source_region
    repositories = [naming.repository_name(spec.repository_prefix, r.name)
                    for r in spec.repositories]
    by_repository = [["RepositoryName", name] for name in repositories]
    threshold = spec.monitoring.replication_failure_rate_percent
    return {"widgets": [
        _graph("Pulls per repository (per 5 minutes)", region,
               [[ECR_NAMESPACE, PULL_COUNT_METRIC, *dims] for dims in by_repository],
               "Sum", 300, 0),
        _graph("Repository size (bytes)", region,
               [[metrics.NAMESPACE, metrics.REPOSITORY_SIZE_BYTES, *dims]
                for dims in by_repository],
               "Maximum", PUBLISHED_PERIOD_SECONDS, 1),
        _graph("Replication failure rate per destination region (%)", region,
               [[metrics.NAMESPACE, metrics.REPLICATION_FAILURE_RATE, "DestinationRegion", r]
                for r in spec.destination_regions],
               "Maximum", PUBLISHED_PERIOD_SECONDS, 2,
               {"yAxis": {"left": {"min": 0, "max": 100}},
                "annotations": {"horizontal": [{"label": "alarm threshold",
                                                "value": threshold}]}}),
        _graph("Images expired by cleanup (per day)", region,
               [[metrics.NAMESPACE, metrics.IMAGES_EXPIRED, *dims] for dims in by_repository],
               "Sum", DAY_SECONDS, 3),
    ]}


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
                         owned=claims.claims_dashboard(ctx, spec, name),
                         facts={"arn": answer.get("DashboardArn"), "proof": "claim"})]

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
