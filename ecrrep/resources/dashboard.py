"""The CloudWatch dashboard `<project>-ecr` (`monitoring.enabled`).

What it graphs, and how it stays within CloudWatch's quotas at any size: `dashboard_body`.

A dashboard cannot be told ours by its tags (the emulator keeps none: put_dashboard accepts them,
list_tags_for_resource returns none and tag_resource fails), and a name proves nothing: a
dashboard called `<project>-ecr` is ours only when this project claims it (`ecrrep.engine.claims`;
the claim is written before the dashboard is created and deleted after it is deleted). Without
the claim it is a conflict that apply does not overwrite (unless --adopt) and destroy leaves.

The body is compared by meaning: both sides are parsed JSON, compared with sorted keys, so AWS
reformatting the text (or the key order) never reads as a change. Widget order is layout and
does count.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error
from ecrrep.aws.actions import CLAIMS_READ, KindActions, grants
from ecrrep.engine import claims
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.dashboard_body import dashboard_body
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


def body_summary(body: dict[str, Any]) -> list[str]:
    return [f"widget: {w.get('properties', {}).get('title', w.get('type'))}"
            for w in body.get("widgets", [])]


def parse_body(text: str) -> Any:
    """The body as data; text that is not JSON stays text, and so always differs."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


# CloudWatch's answer for a dashboard that does not exist.
NOT_FOUND = ("ResourceNotFound", "ResourceNotFoundException")


class CloudwatchDashboardKind(ResourceKind):
    type = "cloudwatch_dashboard"
    title = "CloudWatch dashboard"
    label_format = "dashboard {name}"
    # A dashboard is ours by this project's claim, written before it.
    depends_on = ("ownership_claim",)
    iam = KindActions(
        read=(*CLAIMS_READ,
              grants("dashboard", "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource")),
        write=(grants("dashboard", "cloudwatch:PutDashboard", "cloudwatch:TagResource",
                      "cloudwatch:UntagResource"),),
        delete=(grants("dashboard", "cloudwatch:DeleteDashboards"),))

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
            except aws_error(*NOT_FOUND):
                return []
        return [Resource(self.type, spec.source_region, name,
                         {"body": parse_body(answer.get("DashboardBody", ""))},
                         owned=claims.claims_dashboard(ctx, spec, name),
                         facts={"arn": answer.get("DashboardArn"), "proof": "claim"})]

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        # PutDashboard creates or replaces: a retried create simply writes again.
        ctx.client("cloudwatch", change.region).put_dashboard(
            DashboardName=change.name, DashboardBody=json.dumps((change.after or {})["body"]))

    update = create

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            ctx.client("cloudwatch", change.region).delete_dashboards(
                DashboardNames=[change.name])
        except aws_error(*NOT_FOUND):
            pass  # gone already: done


KIND = CloudwatchDashboardKind()
