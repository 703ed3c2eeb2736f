"""The email subscription to the SNS alert topic (`notifications.email`).

Subscriptions take no tags. An email subscription on our topic is ours: changing
`notifications.email` unsubscribes the old address. AWS keeps a new email subscription
"pending confirmation" (its SubscriptionArn reads `PendingConfirmation`) until the recipient
follows the link it was mailed; the plan and `ecrrep output` say so. A pending subscription
cannot be unsubscribed (it has no ARN yet) and AWS drops it after three days unconfirmed, so
a pending address that is no longer wanted is left alone. The emulator confirms subscriptions
at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error, paginate
from ecrrep.aws.actions import KindActions, grants
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.topic import NOT_FOUND, read_topic
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

PENDING = "PendingConfirmation"
STATUS_PENDING = "pending confirmation"
STATUS_CONFIRMED = "confirmed"


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
        resource = Resource(SnsSubscriptionKind.type, region, email,
                            {"protocol": "email", "endpoint": email}, owned=owned, facts=facts)
        # SNS keeps one subscription per endpoint; a confirmed one wins over a pending copy.
        if email not in found or not pending:
            found[email] = resource
    return list(found.values())


def pending_note(email: str) -> str:
    return (f"{STATUS_PENDING}: AWS mailed {email} a link to confirm; alerts reach it only "
            "once it is followed")


class SnsSubscriptionKind(ResourceKind):
    type = "sns_subscription"
    title = "SNS email subscription"
    label_format = "subscription {name}"
    depends_on = ("sns_topic",)
    iam = KindActions(
        read=(grants("topic", "sns:ListSubscriptionsByTopic"),),
        write=(grants("topic", "sns:Subscribe"),),
        delete=(grants("none", "sns:Unsubscribe"),))

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

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        # Subscribe is idempotent for the same endpoint; AWS mails the confirmation.
        ctx.client("sns", change.region).subscribe(
            TopicArn=change.facts["topic_arn"], Protocol="email", Endpoint=change.name)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        pass  # An email subscription has nothing to update: its address is its name.

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            ctx.client("sns", change.region).unsubscribe(SubscriptionArn=change.facts["arn"])
        except aws_error(*NOT_FOUND):
            pass  # gone already: done


KIND = SnsSubscriptionKind()
