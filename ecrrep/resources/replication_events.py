"""Immediate alerts for failed replications, between the scheduled checks.

ECR emits `ECR Replication Action` events (detail.result `SUCCESS` or `FAILED`) in the
*destination* region, while the alert topic lives in the source region, and an EventBridge
rule can target an SNS topic only in its own region. The design:

- in every destination region, a rule `<project>-ecr-replication-failed` on the default bus,
  matching the failed replications, whose one target is the source region's default event bus
  (a cross-region bus target; EventBridge needs a role for it: `<project>-ecr-events`, from the
  roles kind, which may only events:PutEvents on that bus);
- in the source region, a rule of the same name and pattern on the default bus, whose one target
  is the alert topic. Forwarded events keep their source and detail-type, so this rule matches
  them. It would also match a failed replication *into* the source region from elsewhere in
  the account: that is worth an alert too, so the pattern stays the one the issue names.

Why not one topic per region, or a Lambda relay: both add resources that can fail silently,
while bus-to-bus forwarding is EventBridge's own mechanism for this, and the topic policy only
has to trust one rule ARN.

The rules exist when `notifications.enabled`: they deliver only to the topic, so without one
there is nothing to deliver to. They do not depend on `monitoring.enabled`, which is about
CloudWatch (alarms and dashboard); an event rule alerts without either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action
from ecrrep.aws.actions import KindActions, grants
from ecrrep.aws.tagging import desired_tags
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared import event_rules
from ecrrep.spec import documents, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

FAILED_REPLICATION_PATTERN: dict[str, Any] = {
    "source": ["aws.ecr"],
    "detail-type": ["ECR Replication Action"],
    "detail": {"result": ["FAILED"]},
}
BUS_TARGET_ID = "source-region-bus"
TOPIC_TARGET_ID = "alert-topic"


def forwarding_role_policy(account_id: str, source_region: str) -> dict[str, Any]:
    """The events role may put events on the source region's default bus, nothing else."""
    return documents.normalise_policy({
        "Version": documents.POLICY_VERSION,
        "Statement": [{
            "Sid": "ForwardToSourceRegionBus",
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": naming.default_event_bus_arn(source_region, account_id),
        }],
    })


def rule_targets(spec: Spec, account_id: str, region: str) -> list[dict[str, str]]:
    if region == spec.source_region:
        return [{"Id": TOPIC_TARGET_ID,
                 "Arn": naming.topic_arn(spec.source_region, account_id, spec.project)}]
    return [{
        "Id": BUS_TARGET_ID,
        "Arn": naming.default_event_bus_arn(spec.source_region, account_id),
        "RoleArn": naming.role_arn(account_id, naming.events_role_name(spec.project)),
    }]


class ReplicationEventRuleKind(ResourceKind):
    type = "replication_event_rule"
    title = "Replication failure event rules"
    label_format = "rule {name} ({region})"
    # The rules forward with the events role, to the alert topic.
    depends_on = ("iam_role", "sns_topic")
    iam = KindActions(
        read=(event_rules.RULE_READ,),
        write=(event_rules.RULE_WRITE, grants("pass_role", "iam:PassRole")),
        delete=(event_rules.RULE_DELETE,))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if not spec.notifications.enabled:
            return []
        name = naming.replication_failure_rule_name(spec.project)
        tags = desired_tags(spec)
        resources = []
        for region in spec.regions:
            targets = rule_targets(spec, target.account_id, region)
            where = ("the alert topic" if region == spec.source_region
                     else f"the {spec.source_region} event bus")
            resources.append(Resource(self.type, region, name, {
                "event_pattern": FAILED_REPLICATION_PATTERN,
                "state": "ENABLED",
                "description": f"Failed ECR replications, delivered to {where} (managed by "
                               "ecrrep)",
                "targets": event_rules.normalise_targets(targets),
                "tags": tags,
            }, facts={"arn": naming.rule_arn(region, target.account_id, name),
                      "summary": [f"ECR Replication Action with result FAILED → {where}"]}))
        return resources

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        return self.read_in_regions(ctx, spec, spec.regions)

    def read_in_regions(self, ctx: AwsContext, spec: Spec, regions: list[str]
                        ) -> list[Resource]:
        """The rule in each of `regions` (also regions the spec dropped, for discovery)."""
        name = naming.replication_failure_rule_name(spec.project)

        def read_in(region: str) -> Resource | None:
            with aws_action(f"rule {name} ({region})"):
                record = event_rules.read_rule(ctx, region, name)
            if record is None:
                return None
            return Resource(self.type, region, name, record.attrs,
                            owned=record.owned_by(spec.project), facts={"arn": record.arn})

        return [r for r in ctx.map(read_in, regions) if r is not None]

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        event_rules.create_rule(ctx.client("events", change.region), change.name,
                                change.after or {})

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        event_rules.update_rule(ctx.client("events", change.region), change.name,
                                change.facts["arn"], change.before or {}, change.after or {})

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        event_rules.delete_rule(ctx.client("events", change.region), change.name)


KIND = ReplicationEventRuleKind()
