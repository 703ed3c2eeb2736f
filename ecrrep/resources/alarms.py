"""The CloudWatch alarms kind (`monitoring.enabled`): reads our alarms, writes them with
PutMetricAlarm. Which alarms, on which metrics: `alarm_definitions`.

Alarms are compared by meaning (`alarm_documents`): `normalise_alarm` keeps the
PutMetricAlarm parameters we manage, fills in or drops what CloudWatch defaults
(`ALARM_EMPTY_VALUES`, after Cloud Custodian's LAMBDA_EMPTY_VALUES), and orders lists, so what
describe_alarms returns equals what we would send and a second plan is empty.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error, paginate
from ecrrep.aws.actions import KindActions, grants
from ecrrep.aws.tagging import (
    appeared_unowned,
    claim_if_ours,
    desired_tags,
    dict_to_tags,
    is_owned,
    ownership_filter,
    sync_tags,
    tags_to_dict,
)
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.alarm_definitions import (
    alarm_summary,
    desired_alarms,
    is_our_alarm_name,
)
from ecrrep.resources.shared.alarm_documents import ALARM_FIELDS, normalise_alarm
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


def _indexed_alarm_tags(ctx: AwsContext, region: str, project: str) -> dict[str, dict[str, str]]:
    """The tagging API's view of our alarms, by ARN: one paginated call instead of one
    ListTagsForResource per alarm. Only a shortcut (see `CloudwatchAlarmKind.read`)."""
    client = ctx.client("resourcegroupstaggingapi", region)
    with aws_action(f"alarms tagged {naming.OWNERSHIP_TAG}={project} ({region})",
                    "GetResources"):
        mappings = paginate(
            client, "get_resources", "ResourceTagMappingList",
            TagFilters=ownership_filter(project),
            ResourceTypeFilters=["cloudwatch:alarm"],
        )
    return {m["ResourceARN"]: tags_to_dict(m.get("Tags")) for m in mappings}


def _alarm_tags(client: Any, alarm: dict[str, Any]) -> dict[str, str] | None:
    """The tags read from the alarm itself; None when it was deleted since it was listed."""
    with aws_action(f"alarm {alarm['AlarmName']}", "ListTagsForResource"):
        try:
            answer = client.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])
        except aws_error("ResourceNotFoundException", "ResourceNotFound"):
            return None
    return tags_to_dict(answer.get("Tags"))


class CloudwatchAlarmKind(ResourceKind):
    type = "cloudwatch_alarm"
    title = "CloudWatch alarms"
    label_format = "alarm {name}"
    # Their actions notify the alert topic.
    depends_on = ("sns_topic",)
    iam = KindActions(
        # The tagging index finds alarms; each alarm's own tags confirm ownership.
        read=(grants("alarm", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
              grants("none", "tag:GetResources")),
        write=(grants("alarm", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource",
                      "cloudwatch:UntagResource"),),
        delete=(grants("alarm", "cloudwatch:DeleteAlarms"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        tags = desired_tags(spec)
        region = spec.source_region
        return [
            Resource(self.type, region, name, {**alarm, "tags": tags}, facts={
                "arn": naming.alarm_arn(region, target.account_id, name),
                "summary": alarm_summary(alarm),
            })
            for name, alarm in desired_alarms(spec, target.account_id).items()
        ]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        """Every alarm named `<project>-…` of our shapes (so also those of repositories the
        spec no longer names), owned when its tags say so.

        The tags come from the alarm itself (ListTagsForResource), except in one case: the
        tagging index (tag:GetResources) lags, so right after an apply our alarms may be
        missing from it or carry old tags
        (https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html),
        but when it shows an alarm the spec wants with exactly the tags the spec wants, that
        agreement is taken as read: a no-op plan then costs no call per alarm. Anything else
        (an alarm missing from the index, other tags, an alarm the spec no longer wants and
        may delete) is decided from the alarm's own tags."""
        region = spec.source_region
        client = ctx.client("cloudwatch", region)
        wanted = set(desired_alarms(spec, ctx.account_id(region)))
        with aws_action(f"alarms {spec.project}-* ({region})", "DescribeAlarms"):
            described = paginate(client, "describe_alarms", "MetricAlarms",
                                 AlarmNamePrefix=f"{spec.project}-", AlarmTypes=["MetricAlarm"])
        candidates = [a for a in described if a["AlarmName"] in wanted
                      or is_our_alarm_name(a["AlarmName"], spec.project)]
        indexed = _indexed_alarm_tags(ctx, region, spec.project) if candidates else {}
        agreed = desired_tags(spec)

        def with_tags(alarm: dict[str, Any]) -> Resource | None:
            tags: dict[str, str] | None = indexed.get(alarm["AlarmArn"])
            if alarm["AlarmName"] not in wanted or tags != agreed:
                tags = _alarm_tags(client, alarm)
            if tags is None:
                return None  # deleted since it was listed
            owned = is_owned(tags, spec.project)
            if not owned and alarm["AlarmName"] not in wanted:
                return None  # someone else's alarm that happens to share our prefix
            return Resource(self.type, region, alarm["AlarmName"],
                            {**normalise_alarm(alarm), "tags": tags}, owned=owned,
                            facts={"arn": alarm["AlarmArn"]})

        return [r for r in ctx.map(with_tags, candidates) if r is not None]

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("cloudwatch", change.region)
        after = change.after or {}
        # PutMetricAlarm overwrites whatever has the name: make sure a same-named alarm that
        # appeared since the plan is ours (a retried create) before writing.
        existing = client.describe_alarms(AlarmNames=[change.name]).get("MetricAlarms", [])
        if existing:
            found = client.list_tags_for_resource(ResourceARN=existing[0]["AlarmArn"])
            claim_if_ours(tags_to_dict(found.get("Tags")), after["tags"], appeared_unowned(
                "PutMetricAlarm", f"alarm {change.name}", "an alarm"))
        client.put_metric_alarm(AlarmName=change.name, **_alarm_params(after),
                                Tags=dict_to_tags(after["tags"]))

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("cloudwatch", change.region)
        before, after = change.before or {}, change.after or {}
        if any(f.field != "tags" for f in change.fields):
            # PutMetricAlarm replaces the whole alarm; tags given to it are ignored on update.
            client.put_metric_alarm(AlarmName=change.name, **_alarm_params(after))
        arn = change.facts["arn"]
        sync_tags(before.get("tags"), after["tags"],
                  tag=lambda tags: client.tag_resource(ResourceARN=arn, Tags=dict_to_tags(tags)),
                  untag=lambda keys: client.untag_resource(ResourceARN=arn, TagKeys=keys))

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        # An alarm already gone (a retried delete, or deleted by hand) is done: AWS may answer
        # ResourceNotFound for a name that does not exist.
        try:
            ctx.client("cloudwatch", change.region).delete_alarms(AlarmNames=[change.name])
        except aws_error("ResourceNotFound", "ResourceNotFoundException"):
            pass


def _alarm_params(attrs: dict[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm parameters from managed fields: the omitted ones take AWS's defaults,
    which is exactly what normalisation dropped."""
    return {k: v for k, v in attrs.items() if k in ALARM_FIELDS}


KIND = CloudwatchAlarmKind()
