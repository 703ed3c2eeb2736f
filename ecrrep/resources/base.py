"""The protocol every resource kind follows: desired (pure), read, apply.

The engine knows kinds only through this interface and the ordered registry in
`ecrrep.resources`; adding a kind means adding one module and one line there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ecrrep.engine.diff import DiffOptions, DiffRules, diff_resources
from ecrrep.engine.plan import Change, Resource

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
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

    @abstractmethod
    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        """What the spec wants, computed without any I/O."""

    @abstractmethod
    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        """What exists under the names this spec uses (owned or not)."""

    @abstractmethod
    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        """Carry out one create, update or delete, using only what the change holds."""

    def diff(
        self, desired: list[Resource], current: list[Resource], options: DiffOptions
    ) -> list[Change]:
        return diff_resources(desired, current, options, self.rules)

    def read_deletion_facts(self, ctx: AwsContext, doomed: list[Resource]) -> None:
        """Add to the facts of resources the plan deletes what deciding to delete them needs
        (a repository's image count), so a refusal comes before anything is deleted. Most
        kinds need nothing."""
        return None
