"""Read current state, make the plan, apply it in dependency order.

`make_plan` is pure; reading and applying go through the resource kinds and the AwsContext.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ecrrep.aws import AWS_EXCEPTIONS, AwsError, translate_error
from ecrrep.engine import claims, discovery
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.implied import without_implied_deletions
from ecrrep.engine.overlaps import overlapping_projects
from ecrrep.engine.ownership import RUN_LEDGER, RunLedger, ledger_entries
from ecrrep.engine.plan import Change, Plan, Resource, state_fingerprint
from ecrrep.resources import all_kinds, replication_events
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.claims import OwnershipClaimKind
from ecrrep.resources.shared.ecr_listing import read_repositories_everywhere

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


def read_target(ctx: AwsContext, spec: Spec) -> Target:
    return Target(account_id=ctx.account_id(spec.source_region),
                  overlaps=overlapping_projects(ctx, spec))


def dropped_regions(ctx: AwsContext, spec: Spec) -> list[str]:
    """Regions this project claims that the spec no longer names."""
    return [r for r in claims.managed_regions(ctx, spec) if r not in spec.regions]


def read_current(ctx: AwsContext, spec: Spec, kinds: list[ResourceKind]) -> list[Resource]:
    """Everything that exists under the names this spec uses, in the kinds' order, and what
    we own in regions the spec dropped.

    The repository listing that the ECR kinds share is read first, every region at once (a
    kind waiting for it would hold a worker idle); then every kind reads at once, each
    spreading its own calls over the same bounded pool, so the pool stays full to the end.
    """
    read_repositories_everywhere(ctx, spec)
    found = ctx.map(lambda kind: kind.read(ctx, spec), kinds)
    current = [resource for resources in found for resource in resources]
    read = {r.address for r in current}
    # The replication-failure event rule in each dropped region, read as its kind reads it
    # in the spec's regions, so the plan deletes it.
    dropped = replication_events.KIND.read_in_regions(ctx, spec, dropped_regions(ctx, spec))
    current += [r for r in dropped if r.address not in read]
    return current


def read_state(
    ctx: AwsContext, spec: Spec, kinds: list[ResourceKind]
) -> tuple[Target, list[Resource]]:
    """The account's facts and everything under our names. The account id and the shared
    repository listings depend on nothing: they are read together, before the kinds."""
    ctx.map(lambda read: read(), [
        lambda: ctx.account_id(spec.source_region),
        lambda: read_repositories_everywhere(ctx, spec),
    ])
    return read_target(ctx, spec), read_current(ctx, spec, kinds)


def make_plan(
    spec: Spec,
    target: Target,
    current: list[Resource],
    options: DiffOptions,
    kinds: list[ResourceKind],
    destroy: bool = False,
) -> Plan:
    """The changes that take `current` to what the spec wants (or to nothing, for destroy)."""
    changes: list[Change] = []
    for kind in kinds:
        desired = [] if destroy else kind.desired(spec, target)
        mine = [r for r in current if r.type == kind.type]
        changes.extend(kind.diff(desired, mine, options))
    changes = without_implied_deletions(
        changes, {kind.type: kind.deleted_with for kind in kinds if kind.deleted_with})
    return Plan(changes, state_fingerprint(current))


def plan_for(
    ctx: AwsContext, spec: Spec, options: DiffOptions, destroy: bool = False
) -> Plan:
    """Read, plan, and record in the run's ledger what this run may change."""
    kinds = all_kinds()
    target, current = read_state(ctx, spec, kinds)
    plan = make_plan(spec, target, current, options, kinds, destroy=destroy)
    doomed = {c.address for c in plan.changes if c.action == "delete"}
    if doomed:
        # What only a deletion needs to know (a repository's images) is read for those
        # alone, and the plan made again with it: a deletion that must be refused blocks the
        # whole plan before anything is deleted.
        current = with_deletion_facts(ctx, current, doomed, kinds)
        plan = make_plan(spec, target, current, options, kinds, destroy=destroy)
    plan = with_orphans(plan, discovery.orphans(ctx, spec, dropped_regions(ctx, spec), current))
    RUN_LEDGER.record(*ledger_entries(plan, current, options))
    for kind in kinds:
        kind.annotate(ctx, plan)
    return plan


def with_deletion_facts(ctx: AwsContext, current: list[Resource], doomed: set[str],
                        kinds: list[ResourceKind]) -> list[Resource]:
    """`current`, the resources the plan deletes with what their kinds read for that."""
    facts: dict[str, dict] = {}
    for kind in kinds:
        facts.update(kind.read_deletion_facts(
            ctx, [r for r in current if r.type == kind.type and r.address in doomed]))
    return [replace(r, facts={**r.facts, **facts[r.address]}) if r.address in facts else r
            for r in current]


def with_orphans(plan: Plan, orphans: list[Change]) -> Plan:
    """The plan with the orphans listed; a region holding one keeps its claim, so the next
    plan still looks there."""
    held = {c.region for c in orphans}
    for change in plan.changes:
        if change.type == OwnershipClaimKind.type and change.action == "delete" \
                and change.facts.get("claim") == "region" and change.facts.get("value") in held:
            change.action, change.after = "no-op", change.before
            change.notes.append("kept while orphans remain in this region")
    return Plan(plan.changes + orphans, plan.state_fingerprint)


# -- apply -----------------------------------------------------------------------------------


@dataclass
class ApplyReport:
    done: list[Change] = field(default_factory=list)
    failed: list[tuple[Change, AwsError]] = field(default_factory=list)
    not_done: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_done


@dataclass(frozen=True)
class ApplyEvent:
    change: Change
    status: str  # "started" | "done" | "failed"
    error: AwsError | None = None


def apply_stages(plan: Plan, kinds: list[ResourceKind]) -> list[list[Change]]:
    """Creates and updates kind by kind in dependency order, then deletes in reverse order.

    Changes within one stage do not depend on each other and may run at once.
    """
    order = [k.type for k in kinds]
    actionable = plan.actionable
    stages = [[c for c in actionable if c.type == t and c.action != "delete"] for t in order]
    stages += [[c for c in actionable if c.type == t and c.action == "delete"]
               for t in reversed(order)]
    return [s for s in stages if s]


def _apply_if_ours(ledger: RunLedger, kind: ResourceKind, ctx: AwsContext, change: Change,
                   options: ApplyOptions) -> None:
    """The change, unless the run's ledger refuses it: then an error, before any AWS call."""
    refusal = ledger.refusal(change)
    if refusal is not None:
        raise AwsError(change.action.capitalize(), change.address, "NotOwned", refusal)
    kind.apply(ctx, change, options)


def apply_plan(
    ctx: AwsContext,
    plan: Plan,
    options: ApplyOptions,
    on_event: Callable[[ApplyEvent], None] = lambda e: None,
    stop: threading.Event | None = None,
    ledger: RunLedger = RUN_LEDGER,
) -> ApplyReport:
    """Carry out the plan's changes. After a failure (or a stop request) no new change starts;
    the ones in flight finish, and the report says what was done and what was not.

    Whatever plan it is given, a change is carried out only on what this run read as ours
    (or takes over under this run's options): anything else fails before any AWS call."""
    kinds = {k.type: k for k in all_kinds()}
    unknown = {c.type for c in plan.actionable} - set(kinds)
    if unknown:
        raise ValueError(f"plan holds unknown resource kinds: {', '.join(sorted(unknown))}")
    stop = stop or threading.Event()
    report = ApplyReport()
    lock = threading.Lock()

    def run(change: Change) -> None:
        if stop.is_set():
            with lock:
                report.not_done.append(change)
            return
        on_event(ApplyEvent(change, "started"))
        try:
            _apply_if_ours(ledger, kinds[change.type], ctx, change, options)
        except AWS_EXCEPTIONS + (AwsError,) as exc:
            error = translate_error(exc, change.address)
            stop.set()
            with lock:
                report.failed.append((change, error))
            on_event(ApplyEvent(change, "failed", error))
            return
        with lock:
            report.done.append(change)
        on_event(ApplyEvent(change, "done"))

    # Each stage on the context's pool: its changes at once, `parallelism` at a time, calls
    # made inside a change included.
    for stage in apply_stages(plan, list(kinds.values())):
        if stop.is_set():
            report.not_done.extend(stage)
            continue
        ctx.map(run, stage)
    return report
