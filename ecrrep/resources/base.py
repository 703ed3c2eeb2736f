"""The protocol every resource kind follows: desired (pure), read, create / update / delete.

The engine knows kinds only through this interface and the ordered registry in
`ecrrep.resources`; adding a kind means adding one module and one line there. Each kind says
what it needs: the kinds that must exist before it (`depends_on`, checked against the
registry's order by a test) and the IAM actions it calls (`iam`, from which
`ecrrep.aws.permissions` builds the policy).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ecrrep.engine.diff import DiffOptions, DiffRules, diff_resources
from ecrrep.engine.plan import Change, Resource

if TYPE_CHECKING:
    from ecrrep.aws.actions import KindActions
    from ecrrep.aws.context import AwsContext
    from ecrrep.engine.plan import Plan
    from ecrrep.spec.models import Spec

GLOBAL_REGION = "global"


@dataclass(frozen=True)
class Target:
    """Facts about the account the plan is made for, needed to compute desired state."""

    account_id: str
    # Other ecrrep projects whose prefix overlaps ours in this registry, with the evidence:
    # (project, why). A plan that would create or change anything is refused while any is.
    overlaps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ApplyOptions:
    force_delete_images: bool = False


class ResourceKind(ABC):
    """One kind of AWS resource ecrrep manages."""

    type: ClassVar[str]
    title: ClassVar[str]
    rules: ClassVar[DiffRules] = DiffRules()
    # The type of the resource whose deletion removes this one with it (same region and name),
    # so a plan deleting both makes one call: see ecrrep.engine.implied.
    deleted_with: ClassVar[str | None] = None
    # The kinds (by `type`) that must be created before this one and deleted after it.
    depends_on: ClassVar[tuple[str, ...]] = ()
    # The IAM actions this kind calls to read, to create or update, and to delete.
    iam: ClassVar[KindActions]
    # How errors name the resource a change is about ({name}, {region}).
    label_format: ClassVar[str] = "{name} ({region})"

    @abstractmethod
    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        """What the spec wants, computed without any I/O."""

    @abstractmethod
    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        """What exists under the names this spec uses (owned or not)."""

    def diff(
        self, desired: list[Resource], current: list[Resource], options: DiffOptions
    ) -> list[Change]:
        return diff_resources(desired, current, options, self.rules)

    def label(self, change: Change) -> str:
        region = (f"{change.region}, account {change.account}" if change.account
                  else change.region)
        return self.label_format.format(name=change.name, region=region)

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        """Carry out one create, update or delete, using only what the change holds; any AWS
        failure becomes an AwsError naming the resource."""
        from ecrrep.aws.context import aws_action  # not at import: `ecrrep output` completes fast

        # A resource in another account is changed with that account's session.
        if change.account:
            ctx = ctx.for_account(change.account)
        with aws_action(self.label(change)):
            if change.action == "create":
                self.create(ctx, change, options)
            elif change.action == "update":
                self.update(ctx, change, options)
            elif change.action == "delete":
                self.delete(ctx, change, options)
        self.forget_cached(ctx, change)

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        raise NotImplementedError(f"{self.type}: create")

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        raise NotImplementedError(f"{self.type}: update")

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        raise NotImplementedError(f"{self.type}: delete")

    def forget_cached(self, ctx: AwsContext, change: Change) -> None:
        """Drop what this run cached about the resource a change was applied to."""
        return None

    def read_deletion_facts(self, ctx: AwsContext, doomed: list[Resource],
                            ) -> dict[str, dict[str, Any]]:
        """What deciding to delete the resources the plan deletes needs (a repository's image
        count), by address, so a refusal comes before anything is deleted. Most kinds need
        nothing."""
        return {}

    def annotate(self, ctx: AwsContext, plan: Plan) -> None:
        """Add to this kind's changes in a made plan what only the account can tell (the
        lifecycle preview). Most kinds add nothing."""
        return None
