"""The cleanup function's schedule: EventBridge rule `<project>-ecr-cleanup-schedule` on the
source region's default bus, with `cleanup.schedule`, the function as its one target, and the
statement in the function's resource policy that lets this rule (and only it) invoke it.

The function kind runs first in the dependency order, so the function exists when the target
and the permission are written; on deletion the schedule goes first.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error
from ecrrep.aws.actions import KindActions, grants
from ecrrep.aws.tagging import desired_tags
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared import event_rules
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

TARGET_ID = "cleanup-function"
EVENTS_PRINCIPAL = "events.amazonaws.com"


def invoke_permission(rule_arn: str) -> dict[str, str]:
    return {"principal": EVENTS_PRINCIPAL, "source_arn": rule_arn}


def permission_from_policy(policy: str | None, statement_id: str) -> dict[str, str] | None:
    """Our statement in a function's resource policy, in the form `invoke_permission` gives."""
    if not policy:
        return None
    for statement in json.loads(policy).get("Statement", []):
        if statement.get("Sid") != statement_id:
            continue
        principal = statement.get("Principal", {})
        if isinstance(principal, dict):
            principal = principal.get("Service", principal)
        condition = statement.get("Condition", {})
        arns = condition.get("ArnLike") or condition.get("ArnEquals") or {}
        return {"principal": principal, "source_arn": arns.get("AWS:SourceArn")}
    return None


class CleanupScheduleKind(ResourceKind):
    type = "cleanup_schedule"
    title = "Cleanup schedule"
    label_format = "rule {name} ({region})"
    # The rule's target, and the permission to invoke it, name the function.
    depends_on = ("lambda_function",)
    iam = KindActions(
        read=(event_rules.RULE_READ, grants("function", "lambda:GetPolicy")),
        write=(event_rules.RULE_WRITE,
               grants("function", "lambda:AddPermission", "lambda:RemovePermission")),
        delete=(event_rules.RULE_DELETE, grants("function", "lambda:RemovePermission")))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if not spec.cleanup.enabled:
            return []
        region = spec.source_region
        name = naming.cleanup_schedule_rule_name(spec.project)
        function = naming.cleanup_function_name(spec.project)
        function_arn = naming.function_arn(region, target.account_id, function)
        rule_arn = naming.rule_arn(region, target.account_id, name)
        return [Resource(self.type, region, name, {
            "schedule": spec.cleanup.schedule,
            "state": "ENABLED",
            "description": f"Runs {function} (managed by ecrrep)",
            "targets": [{"Id": TARGET_ID, "Arn": function_arn}],
            "invoke_permission": invoke_permission(rule_arn),
            "tags": desired_tags(spec),
        }, facts={**self._facts(spec, rule_arn), "summary": [
            f"{spec.cleanup.schedule} (UTC) → invokes {function}",
            "invoke permission: EventBridge, from this rule only",
        ]})]

    def _facts(self, spec: Spec, rule_arn: str) -> dict[str, Any]:
        return {"arn": rule_arn, "function": naming.cleanup_function_name(spec.project),
                "statement_id": naming.cleanup_invoke_statement_id(spec.project)}

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        region = spec.source_region
        name = naming.cleanup_schedule_rule_name(spec.project)
        with aws_action(f"rule {name} ({region})"):
            record = event_rules.read_rule(ctx, region, name)
            if record is None:
                return []
            permission = self._read_permission(ctx, spec)
        attrs = {k: v for k, v in record.attrs.items() if k != "tags"}
        attrs["invoke_permission"] = permission
        attrs["tags"] = record.attrs["tags"]
        return [Resource(self.type, region, name, attrs, owned=record.owned_by(spec.project),
                         facts=self._facts(spec, record.arn))]

    def _read_permission(self, ctx: AwsContext, spec: Spec) -> dict[str, str] | None:
        client = ctx.client("lambda", spec.source_region)
        try:
            policy = client.get_policy(
                FunctionName=naming.cleanup_function_name(spec.project))["Policy"]
        except aws_error("ResourceNotFoundException"):
            return None  # no function, or a function without a resource policy
        return permission_from_policy(policy, naming.cleanup_invoke_statement_id(spec.project))

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        event_rules.create_rule(ctx.client("events", change.region), change.name,
                                change.after or {})
        self._permit(ctx.client("lambda", change.region), change, None)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        before, after = change.before or {}, change.after or {}
        event_rules.update_rule(ctx.client("events", change.region), change.name,
                                change.facts["arn"], before, after)
        if before.get("invoke_permission") != after["invoke_permission"]:
            self._permit(ctx.client("lambda", change.region), change,
                         before.get("invoke_permission"))

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        event_rules.delete_rule(ctx.client("events", change.region), change.name)
        self._revoke(ctx.client("lambda", change.region), change)

    def _permit(self, client: Any, change: Change, current: dict[str, str] | None) -> None:
        wanted = (change.after or {})["invoke_permission"]
        if current is not None or change.action == "create":
            # A statement id can be added once: replace whatever holds it (a retried create
            # meets its own earlier statement here).
            self._revoke(client, change)
        try:
            client.add_permission(
                FunctionName=change.facts["function"],
                StatementId=change.facts["statement_id"],
                Action="lambda:InvokeFunction",
                Principal=wanted["principal"],
                SourceArn=wanted["source_arn"],
            )
        except aws_error("ResourceConflictException"):
            # A retried call whose first attempt landed meets its own statement: done if the
            # statement is the one wanted.
            policy = client.get_policy(FunctionName=change.facts["function"])["Policy"]
            if permission_from_policy(policy, change.facts["statement_id"]) != wanted:
                raise

    def _revoke(self, client: Any, change: Change) -> None:
        try:
            client.remove_permission(FunctionName=change.facts["function"],
                                     StatementId=change.facts["statement_id"])
        except aws_error("ResourceNotFoundException"):
            pass  # no such statement: done


KIND = CleanupScheduleKind()
