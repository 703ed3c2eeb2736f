"""The SNS alert topic `<project>-alerts` (its email subscription: `subscription`).

The topic's policy lets exactly two services publish: CloudWatch, for this project's alarms,
and EventBridge, for this project's replication-failure rule in the source region; both are
pinned to this account with aws:SourceAccount and to our resources with aws:SourceArn. The
account's own principals need no statement: their IAM policies already decide for them.

`notifications.enabled: false` deletes the subscription and the topic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error
from ecrrep.aws.actions import KindActions, grants
from ecrrep.aws.tagging import desired_tags, dict_to_tags, is_owned, sync_tags, tags_to_dict
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.spec import documents, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


def topic_policy(spec: Spec, account_id: str) -> dict[str, Any]:
    """Who may publish to the alert topic: our alarms and our replication-failure rule."""
    region = spec.source_region
    arn = naming.topic_arn(region, account_id, spec.project)
    rule = naming.rule_arn(region, account_id, naming.replication_failure_rule_name(spec.project))
    return documents.normalise_policy({
        "Version": documents.POLICY_VERSION,
        "Statement": [
            {
                "Sid": "CloudWatchAlarmsPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": naming.project_alarms_arn_pattern(
                        region, account_id, spec.project)},
                },
            },
            {
                "Sid": "EventBridgePublish",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": arn,
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnEquals": {"aws:SourceArn": rule},
                },
            },
        ],
    })


# SNS's answer for a topic or subscription that does not exist.
NOT_FOUND = ("NotFound", "NotFoundException")


@dataclass(frozen=True)


class TopicRecord:
    arn: str
    policy: Any
    tags: dict[str, str]

    def owned_by(self, project: str) -> bool:
        return is_owned(self.tags, project)


def read_topic(ctx: AwsContext, spec: Spec) -> TopicRecord | None:
    """The topic under our name, read once per run for the topic and subscription kinds."""
    return ctx.cached(("sns-topic", spec.source_region), lambda: _read_topic(ctx, spec))


def _read_topic(ctx: AwsContext, spec: Spec) -> TopicRecord | None:
    region = spec.source_region
    arn = naming.topic_arn(region, ctx.account_id(region), spec.project)
    client = ctx.client("sns", region)
    with aws_action(f"topic {naming.topic_name(spec.project)}"):
        try:
            attributes = client.get_topic_attributes(TopicArn=arn)["Attributes"]
        except aws_error(*NOT_FOUND):
            return None
        tags = tags_to_dict(client.list_tags_for_resource(ResourceArn=arn).get("Tags"))
    policy = attributes.get("Policy")
    return TopicRecord(arn, documents.normalise_policy(policy) if policy else None, tags)


class SnsTopicKind(ResourceKind):
    type = "sns_topic"
    title = "SNS alert topic"
    label_format = "topic {name}"
    iam = KindActions(
        read=(grants("topic", "sns:GetTopicAttributes", "sns:ListTagsForResource"),),
        write=(grants("topic", "sns:CreateTopic", "sns:SetTopicAttributes", "sns:TagResource",
                      "sns:UntagResource"),),
        delete=(grants("topic", "sns:DeleteTopic"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if not spec.notifications.enabled:
            return []
        arn = naming.topic_arn(spec.source_region, target.account_id, spec.project)
        return [Resource(self.type, spec.source_region, naming.topic_name(spec.project), {
            "policy": topic_policy(spec, target.account_id),
            "tags": desired_tags(spec),
        }, facts={"arn": arn})]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        record = read_topic(ctx, spec)
        if record is None:
            return []
        return [Resource(self.type, spec.source_region, naming.topic_name(spec.project), {
            "policy": record.policy,
            "tags": record.tags,
        }, owned=record.owned_by(spec.project), facts={"arn": record.arn})]

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        # CreateTopic is idempotent for the same name, attributes and tags: a retried create
        # returns the topic the first attempt made. A same-named topic with other tags makes
        # AWS refuse, so a foreign topic is never taken over here.
        after = change.after or {}
        ctx.client("sns", change.region).create_topic(
            Name=change.name,
            Attributes={"Policy": json.dumps(after["policy"])},
            Tags=dict_to_tags(after["tags"]),
        )

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("sns", change.region)
        before, after = change.before or {}, change.after or {}
        arn = change.facts["arn"]
        if documents.documents_differ(before.get("policy"), after["policy"]):
            client.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                        AttributeValue=json.dumps(after["policy"]))
        sync_tags(before.get("tags"), after["tags"],
                  tag=lambda tags: client.tag_resource(ResourceArn=arn, Tags=dict_to_tags(tags)),
                  untag=lambda keys: client.untag_resource(ResourceArn=arn, TagKeys=keys))

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        # DeleteTopic succeeds for a topic that is already gone.
        ctx.client("sns", change.region).delete_topic(TopicArn=change.facts["arn"])

    def forget_cached(self, ctx: AwsContext, change: Change) -> None:
        ctx.forget(("sns-topic", change.region))


KIND = SnsTopicKind()
