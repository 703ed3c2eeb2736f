"""Our statement in the permissions policy of each destination registry in another account
(`destinations`): what lets the source account replicate into it. The statement and how it is
merged are `ecrrep.replication.registry_policy`'s; this kind reads and writes it in the
destination account and region, through that account's session.

The policy carries no tags: our statement is ours by its Sid (as the dashboard is by its name),
and everyone else's statements are written back as read. Each write reads the policy afresh, so
a statement added by someone else since the plan is kept.

ECR writes the policy whole, with no version to write against (PutRegistryPolicy takes the
policy text only), so a write is read, merge, write, then read back: another writer who read
before our write and wrote after it would have dropped our statement, and we write again from
their policy (as `ecrrep.resources.replication` does for the replication configuration). A
writer who writes between our read and our write loses theirs, and no client can prevent it;
our own changes to one registry's policy take turns (`AwsContext.turn`), so they never do.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error
from ecrrep.aws.actions import KindActions, grants
from ecrrep.engine.plan import Change, Resource
from ecrrep.replication import registry_policy as document
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.document_writes import SharedDocument, rewrite_until_held
from ecrrep.resources.shared.other_accounts import managed_destinations

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

NOT_FOUND = "RegistryPolicyNotFoundException"


class EcrRegistryPolicyKind(ResourceKind):
    type = "ecr_registry_policy"
    title = "ECR registry policies (other accounts)"
    label_format = "registry policy statement {name} ({region})"
    iam = KindActions(
        read=(grants("destination_registry", "ecr:GetRegistryPolicy"),),
        write=(grants("destination_registry", "ecr:GetRegistryPolicy", "ecr:PutRegistryPolicy"),),
        delete=(grants("destination_registry", "ecr:GetRegistryPolicy", "ecr:PutRegistryPolicy",
                       "ecr:DeleteRegistryPolicy"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        sid = document.statement_id(spec.project)
        wanted = [(d, document.our_statement(spec.project, target.account_id, d.region,
                                             d.account_id)) for d in spec.destinations]
        # Compared by meaning; written as AWS's examples write it (the facts).
        return [Resource(self.type, d.region, sid, {"statement": document.comparable(ours)},
                         facts={"statement": ours}, account=d.account_id)
                for d, ours in wanted]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        sid = document.statement_id(spec.project)
        found = []
        # A destination the spec dropped, reachable still, is read too: its statement goes.
        for region, account in managed_destinations(ctx, spec):
            policy = read_policy(ctx.for_account(account), region)
            ours = document.find_ours(policy, sid)
            if ours is not None:
                found.append(Resource(self.type, region, sid,
                                      {"statement": document.comparable(ours)},
                                      account=account))
        return found

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        ours = change.facts.get("statement") or (change.after or {})["statement"]
        _write(ctx, change.region, change.name, ours)

    update = create

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        _write(ctx, change.region, change.name, None)


def read_policy(ctx: AwsContext, region: str) -> dict[str, Any] | None:
    """The registry's policy as data, None when it has none."""
    try:
        with aws_action(f"registry policy ({region})", "GetRegistryPolicy"):
            text = ctx.client("ecr", region).get_registry_policy()["policyText"]
    except aws_error(NOT_FOUND):
        return None
    return json.loads(text)


def _write(ctx: AwsContext, region: str, sid: str, ours: dict[str, Any] | None) -> None:
    """Our statement merged into the policy as it is now (removed for None), until a read
    back shows it so; the policy deleted when ours was its only statement. Write errors stay
    botocore's, named by the change's label as any other kind's."""
    writer = ctx.client("ecr", region, retries=False)
    with ctx.turn(("ecr registry policy", ctx.account_id(region), region)):
        rewrite_until_held(SharedDocument(
            read=lambda: read_policy(ctx, region), write=lambda wanted: _put(writer, wanted),
            with_ours=lambda policy: document.with_ours(policy, sid, ours),
            holds_ours=lambda policy: document.holds(policy, sid, ours),
            differ=document.policies_differ, operation="PutRegistryPolicy",
            what=f"registry policy ({region})"))


def _put(writer: Any, wanted: dict[str, Any] | None) -> None:
    """The policy made `wanted`: deleted for None (ours was its only statement)."""
    if wanted is not None:
        writer.put_registry_policy(policyText=json.dumps(wanted))
        return
    try:
        writer.delete_registry_policy()
    except aws_error(NOT_FOUND):
        pass  # gone already


KIND = EcrRegistryPolicyKind()
