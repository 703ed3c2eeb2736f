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
import random
from typing import TYPE_CHECKING, Any

from ecrrep.aws import AWS_EXCEPTIONS, AwsError, aws_action, aws_error, interrupts
from ecrrep.aws.actions import KindActions, grants
from ecrrep.engine.plan import Change, Resource
from ecrrep.replication import registry_policy as document
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.replication import MAX_BACKOFF_SECONDS, _max_attempts, _transient

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

NOT_FOUND = "RegistryPolicyNotFoundException"
# Rounds of read, write, read back when other writers keep changing the policy.
WRITE_ATTEMPTS = 10


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
        for d in spec.destinations:
            policy = read_policy(ctx.for_account(d.account_id), d.region)
            ours = document.find_ours(policy, sid)
            if ours is not None:
                found.append(Resource(self.type, d.region, sid,
                                      {"statement": document.comparable(ours)},
                                      account=d.account_id))
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
    back shows it so; the policy deleted when ours was its only statement."""
    # A client that tries once: botocore's retry of a throttled or lost write would send the
    # same document again, though another writer may have changed the policy in between. A
    # transient failure brings us back to a fresh read instead.
    writer = ctx.client("ecr", region, retries=False)
    with ctx.turn(("ecr registry policy", ctx.account_id(region), region)):
        _write_until_held(ctx, writer, region, sid, ours)


def _write_until_held(ctx: AwsContext, writer: Any, region: str, sid: str,
                      ours: dict[str, Any] | None) -> None:
    failures = 0
    for _ in range(WRITE_ATTEMPTS):
        policy = read_policy(ctx, region)
        try:
            _put(writer, policy, document.with_ours(policy, sid, ours))
        except AWS_EXCEPTIONS as exc:  # named by the change's label, as any other kind's
            failures += 1
            if failures >= _max_attempts() or not _transient(exc):
                raise
            # botocore's backoff: a random wait of up to 1, 2, 4 ... 20 seconds.
            interrupts.sleep(random.random() * min(2 ** (failures - 1), MAX_BACKOFF_SECONDS))
            continue
        if document.holds(read_policy(ctx, region), sid, ours):
            return
    raise AwsError("PutRegistryPolicy", f"registry policy ({region})", "LostUpdate",
                   f"the policy kept changing under {WRITE_ATTEMPTS} attempts to write it; "
                   "run apply again")


def _put(writer: Any, policy: dict[str, Any] | None,
         wanted: dict[str, Any] | None) -> None:
    """One write turning `policy` into `wanted`: none when they mean the same."""
    if wanted is None:
        if policy is not None:
            try:
                writer.delete_registry_policy()
            except aws_error(NOT_FOUND):
                pass  # gone already
    elif document.policies_differ(wanted, policy):
        writer.put_registry_policy(policyText=json.dumps(wanted))


KIND = EcrRegistryPolicyKind()
