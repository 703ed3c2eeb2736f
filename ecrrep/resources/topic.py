"""The SNS alert topic `<project>-alerts` and its email subscription.

The topic's policy lets exactly two services publish: CloudWatch, for this project's alarms,
and EventBridge, for this project's replication-failure rule in the source region; both are
pinned to this account with aws:SourceAccount and to our resources with aws:SourceArn. The
account's own principals need no statement: their IAM policies already decide for them.

Subscriptions take no tags. An email subscription on our topic is ours: changing
`notifications.email` unsubscribes the old address. AWS keeps a new email subscription
"pending confirmation" (its SubscriptionArn reads `PendingConfirmation`) until the recipient
follows the link it was mailed; the plan and `ecrrep output` say so. A pending subscription
cannot be unsubscribed (it has no ARN yet) and AWS drops it after three days unconfirmed, so
a pending address that is no longer wanted is left alone. The emulator confirms subscriptions
at once.

`notifications.enabled: false` deletes the subscription and the topic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, error_code, paginate
from ecrrep.engine.diff import DiffOptions, tag_changes
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.ecr_listing import dict_to_tags, tags_to_dict
from ecrrep.resources.repositories import desired_tags
from ecrrep.spec import documents, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

PENDING = "PendingConfirmation"
STATUS_PENDING = "pending confirmation"
STATUS_CONFIRMED = "confirmed"


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


@dataclass(frozen=True)
class TopicRecord:
    arn: str
    policy: Any
    tags: dict[str, str]

    def owned_by(self, project: str) -> bool:
        return self.tags.get(naming.OWNERSHIP_TAG) == project


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
        except Exception as exc:
            if error_code(exc) in ("NotFound", "NotFoundException"):
                return None
            raise
        tags = tags_to_dict(client.list_tags_for_resource(ResourceArn=arn).get("Tags"))
    policy = attributes.get("Policy")
    return TopicRecord(arn, documents.normalise_policy(policy) if policy else None, tags)


class Topic(ResourceKind):
    type = "sns_topic"
    title = "SNS alert topic"

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

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("sns", change.region)
        with aws_action(f"topic {change.name}"):
            if change.action == "create":
                # CreateTopic is idempotent for the same name, attributes and tags: a retried
                # create returns the topic the first attempt made. A same-named topic with
                # other tags makes AWS refuse, so a foreign topic is never taken over here.
                after = change.after or {}
                client.create_topic(
                    Name=change.name,
                    Attributes={"Policy": json.dumps(after["policy"])},
                    Tags=dict_to_tags(after["tags"]),
                )
            elif change.action == "update":
                self._update(client, change)
            elif change.action == "delete":
                # DeleteTopic succeeds for a topic that is already gone.
                client.delete_topic(TopicArn=change.facts["arn"])
        ctx.forget(("sns-topic", change.region))

    def _update(self, client: Any, change: Change) -> None:
        before, after = change.before or {}, change.after or {}
        arn = change.facts["arn"]
        if documents.documents_differ(before.get("policy"), after["policy"]):
            client.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                        AttributeValue=json.dumps(after["policy"]))
        to_set, to_remove = tag_changes(before.get("tags") or {}, after["tags"])
        if to_set:
            client.tag_resource(ResourceArn=arn, Tags=dict_to_tags(to_set))
        if to_remove:
            client.untag_resource(ResourceArn=arn, TagKeys=to_remove)


# -- the email subscription ------------------------------------------------------------------


def subscription_resources(region: str, subscriptions: list[dict[str, Any]],
                           wanted_email: str | None) -> list[Resource]:
    """Our topic's email subscriptions, as resources named by address.

    A pending subscription has no ARN to unsubscribe with: one we no longer want is reported
    unowned, so the plan leaves it to expire instead of planning a delete it cannot make.
    """
    found: dict[str, Resource] = {}
    for sub in subscriptions:
        if sub.get("Protocol") != "email":
            continue
        email = sub.get("Endpoint", "")
        pending = sub.get("SubscriptionArn") == PENDING
        facts = {"status": STATUS_PENDING if pending else STATUS_CONFIRMED}
        if not pending:
            facts["arn"] = sub["SubscriptionArn"]
        owned = not pending or email == wanted_email
        resource = Resource(SUBSCRIPTION_TYPE, region, email,
                            {"protocol": "email", "endpoint": email}, owned=owned, facts=facts)
        # SNS keeps one subscription per endpoint; a confirmed one wins over a pending copy.
        if email not in found or not pending:
            found[email] = resource
    return list(found.values())


def pending_note(email: str) -> str:
    return (f"{STATUS_PENDING}: AWS mailed {email} a link to confirm; alerts reach it only "
            "once it is followed")


SUBSCRIPTION_TYPE = "sns_subscription"


class EmailSubscription(ResourceKind):
    type = SUBSCRIPTION_TYPE
    title = "SNS email subscription"

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        email = spec.notifications.email
        if not spec.notifications.enabled or not email:
            return []
        arn = naming.topic_arn(spec.source_region, target.account_id, spec.project)
        return [Resource(self.type, spec.source_region, email,
                         {"protocol": "email", "endpoint": email}, facts={"topic_arn": arn})]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        record = read_topic(ctx, spec)
        if record is None or not record.owned_by(spec.project):
            return []  # no topic of ours: nothing of ours can hang on it
        client = ctx.client("sns", spec.source_region)
        with aws_action(f"subscriptions of {naming.topic_name(spec.project)}"):
            subs = paginate(client, "list_subscriptions_by_topic", "Subscriptions",
                            TopicArn=record.arn)
        wanted = spec.notifications.email if spec.notifications.enabled else None
        found = subscription_resources(spec.source_region, subs, wanted)
        for resource in found:
            resource.facts["topic_arn"] = record.arn
        return found

    def diff(self, desired: list[Resource], current: list[Resource],
             options: DiffOptions) -> list[Change]:
        changes = super().diff(desired, current, options)
        for change in changes:
            if change.action == "create" or (change.action == "no-op"
                                             and change.facts.get("status") == STATUS_PENDING):
                change.notes.append(pending_note(change.name))
        return changes

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("sns", change.region)
        with aws_action(f"subscription {change.name}"):
            if change.action == "create":
                # Subscribe is idempotent for the same endpoint; AWS mails the confirmation.
                client.subscribe(TopicArn=change.facts["topic_arn"], Protocol="email",
                                 Endpoint=change.name)
            elif change.action == "delete":
                try:
                    client.unsubscribe(SubscriptionArn=change.facts["arn"])
                except Exception as exc:
                    if error_code(exc) not in ("NotFound", "NotFoundException"):
                        raise
            # An email subscription has nothing to update: its address is its name.


KIND = Topic()
SUBSCRIPTION_KIND = EmailSubscription()
