"""Pure diffing: desired resources against current ones, into resource changes.

One comparison function (`documents_differ`) decides whether a field changed, for counting
and for reporting alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ecrrep.engine import ownership
from ecrrep.engine.plan import Change, FieldChange, Resource
from ecrrep.spec.documents import documents_differ


@dataclass(frozen=True)
class DiffOptions:
    project: str
    # Take over resources no ecrrep project owns (no ownership tag, no claim).
    adopt: bool = False
    force_delete_images: bool = False
    # Take over resources owned by this other ecrrep project (`--adopt-from PROJECT`).
    adopt_from: str | None = None


@dataclass(frozen=True)
class DiffRules:
    """What a resource kind tells the generic diff about itself."""

    # Fields AWS cannot change in place: a difference blocks the plan, it never replaces.
    immutable_fields: frozenset[str] = frozenset()
    # Resources of this kind we do not own are listed as kept (foreign replication rules).
    reports_kept: bool = False
    # Why deleting a resource needs more than the plan (e.g. a repository holding images).
    delete_blocker: Callable[[Resource, DiffOptions], str | None] | None = None
    # Why a resource we do not own is a conflict; None means "owned by its parent".
    conflict_message: Callable[[Resource, DiffOptions], str] | None = None


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Every field whose value differs, in the order the desired resource lists them."""
    names = list(after) + [k for k in before if k not in after]
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in names
        if documents_differ(before.get(name), after.get(name))
    ]


def diff_resources(
    desired: Iterable[Resource],
    current: Iterable[Resource],
    options: DiffOptions,
    rules: DiffRules = DiffRules(),
) -> list[Change]:
    """Changes that take `current` to `desired`, one per address, in the desired order.

    Current resources not desired are deleted only when ours; any other is left alone (and
    listed as kept, with its owner, where the kind asks for it).
    """
    desired = list(desired)
    current_by_address = {r.address: r for r in current}
    changes: list[Change] = []
    for want in desired:
        have = current_by_address.pop(want.address, None)
        changes.append(_diff_one(want, have, options, rules))
    for have in current_by_address.values():
        if have.owned:
            changes.append(_deletion(have, options, rules))
        elif rules.reports_kept:
            changes.append(Change(
                have.type, have.region, have.name, "no-op", have.attrs, have.attrs,
                kept=True, facts=dict(have.facts),
                notes=[ownership.describe_owner(have, options.project)], account=have.account,
            ))
    return changes


def _diff_one(
    want: Resource, have: Resource | None, options: DiffOptions, rules: DiffRules
) -> Change:
    if have is None:
        return Change(want.type, want.region, want.name, "create", None, dict(want.attrs),
                      facts=dict(want.facts), account=want.account)
    facts = {**want.facts, **have.facts}
    if not ownership.may_take_over(have, options):
        message = (rules.conflict_message or ownership.conflict_message)(have, options)
        return Change(want.type, want.region, want.name, "no-op", dict(have.attrs),
                      dict(have.attrs), blocked=message, facts=facts, account=want.account)
    notes = []
    if not have.owned:
        # Recorded for the run's ledger: this run may change it because its options say so.
        facts["takeover"] = True
        notes.append(ownership.takeover_note(have, options.project))
    fields = field_changes(have.attrs, want.attrs)
    if not fields:
        return Change(want.type, want.region, want.name, "no-op", dict(have.attrs),
                      dict(want.attrs), facts=facts, notes=notes, account=want.account)
    change = Change(want.type, want.region, want.name, "update", dict(have.attrs),
                    dict(want.attrs), fields=fields, facts=facts, notes=notes,
                    account=want.account)
    refused = [f for f in fields if f.field in rules.immutable_fields]
    if refused:
        change.blocked = "; ".join(
            f"{f.field} cannot change in place ({f.before} → {f.after}): ecrrep never deletes "
            f"and recreates it; create a new one under another name and move to it"
            for f in refused
        )
    return change


def _deletion(have: Resource, options: DiffOptions, rules: DiffRules) -> Change:
    change = Change(have.type, have.region, have.name, "delete", dict(have.attrs), None,
                    facts=dict(have.facts), account=have.account)
    if rules.delete_blocker is not None:
        change.blocked = rules.delete_blocker(have, options)
    return change
