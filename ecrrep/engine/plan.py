"""The plan as data: resources, field changes, resource changes and their summary.

Nothing here talks to AWS. A `Plan` is what `plan` renders, what `plan --out` saves and what
`apply` executes; it is never recomputed behind the user's back.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["create", "update", "delete", "no-op"]

PLAN_FORMAT_VERSION = "1.0"
PLANFILE_KIND = "ecrrep-plan"


@dataclass(frozen=True)
class Resource:
    """One resource as the spec wants it or as AWS has it.

    `attrs` holds only the fields ecrrep manages, already in the form they are compared in.
    `owned` is True only for a resource this project owns (its ownership tag, or for what
    cannot carry a tag, a claim recorded by this project: see `ecrrep.engine.ownership`).
    `owner` names the ecrrep project that owns a resource read as not ours (None: no ecrrep
    project does); kinds that leave it unset have it read from the `tags` attribute.
    `facts` carries what the plan needs to know but never converges (image counts, ARNs).
    """

    type: str
    region: str
    name: str
    attrs: dict[str, Any]
    owned: bool = True
    facts: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None
    # The account the resource is in when not this one (a destination in another account).
    account: str = ""

    @property
    def address(self) -> str:
        return resource_address(self.type, self.region, self.name, self.account)


def resource_address(type_: str, region: str, name: str, account: str = "") -> str:
    """`type.region.name`; in another account `type.account/region.name`, so the addresses of
    this account's resources are as they always were."""
    where = f"{account}/{region}" if account else region
    return f"{type_}.{where}.{name}"


def field_text(value: Any) -> str:
    """A field's value as every rendering of a plan shows it."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    """One managed field whose current value differs from the desired one."""

    field: str
    before: Any
    after: Any


@dataclass
class Change:
    """What the plan does to one resource, and why it may refuse to."""

    type: str
    region: str
    name: str
    action: Action
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[FieldChange] = field(default_factory=list)
    # Set when apply must not go ahead: a conflict, an in-place change AWS cannot make, a
    # repository that still holds images. Apply refuses the whole plan while any is set.
    blocked: str | None = None
    # A resource we do not own and leave exactly as it is (foreign replication rules).
    kept: bool = False
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    account: str = ""

    @property
    def address(self) -> str:
        return resource_address(self.type, self.region, self.name, self.account)

    @property
    def is_change(self) -> bool:
        return self.action != "no-op"

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "address": self.address,
            "type": self.type,
            "region": self.region,
            **({"account": self.account} if self.account else {}),
            "name": self.name,
            "change": {
                "actions": [self.action],
                "before": self.before,
                "after": self.after,
            },
        }
        if self.fields:
            entry["change"]["fields"] = [f.field for f in self.fields]
        if self.blocked:
            entry["blocked"] = self.blocked
        if self.kept:
            entry["kept"] = True
        if self.notes:
            entry["notes"] = list(self.notes)
        if self.facts:
            entry["facts"] = dict(self.facts)
        return entry

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> Change:
        change = entry["change"]
        before, after = change["before"], change["after"]
        fields = [
            FieldChange(name, (before or {}).get(name), (after or {}).get(name))
            for name in change.get("fields", [])
        ]
        return cls(
            type=entry["type"],
            region=entry["region"],
            name=entry["name"],
            action=change["actions"][0],
            before=before,
            after=after,
            fields=fields,
            blocked=entry.get("blocked"),
            kept=entry.get("kept", False),
            notes=list(entry.get("notes", [])),
            facts=dict(entry.get("facts", {})),
            account=entry.get("account", ""),
        )


@dataclass
class Plan:
    """Every resource change, in the order apply runs them, plus a fingerprint of what was read."""

    changes: list[Change]
    state_fingerprint: str = ""

    @property
    def actionable(self) -> list[Change]:
        return [c for c in self.changes if c.is_change]

    @property
    def blocked(self) -> list[Change]:
        return [c for c in self.changes if c.blocked]

    @property
    def kept(self) -> list[Change]:
        """Resources left exactly as they are because another owner has them."""
        return [c for c in self.changes if c.kept and not c.facts.get("orphan")]

    @property
    def orphans(self) -> list[Change]:
        """Resources this project owns that the spec no longer names and that ecrrep cannot
        delete itself: listed with the command that removes them."""
        return [c for c in self.changes if c.kept and c.facts.get("orphan")]

    def summary(self) -> dict[str, int]:
        counts = {"add": 0, "change": 0, "destroy": 0}
        for change in self.changes:
            if change.action == "create":
                counts["add"] += 1
            elif change.action == "update":
                counts["change"] += 1
            elif change.action == "delete":
                counts["destroy"] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(c.is_change for c in self.changes)

    def summary_line(self) -> str:
        s = self.summary()
        return f"Plan: {s['add']} to add, {s['change']} to change, {s['destroy']} to destroy."

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": PLAN_FORMAT_VERSION,
            "resource_changes": [c.to_json() for c in self.changes],
            "summary": self.summary(),
            "blocked": [{"address": c.address, "reason": c.blocked} for c in self.blocked],
            "orphans": [{"address": c.address, "remove_with": c.facts.get("remove_with")}
                        for c in self.orphans],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], state_fingerprint: str = "") -> Plan:
        return cls(
            changes=[Change.from_json(e) for e in doc["resource_changes"]],
            state_fingerprint=state_fingerprint,
        )


def state_fingerprint(current: list[Resource]) -> str:
    """A digest of everything read from AWS, to tell whether a saved plan is stale."""
    rows = [
        [r.address, r.owned, r.owner, r.attrs, r.facts]
        for r in sorted(current, key=lambda r: r.address)
    ]
    blob = json.dumps(rows, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def planfile_document(plan: Plan, spec_text: str, spec_path: str, options: dict[str, Any]) -> dict:
    """What `plan --out` writes: the plan, the spec it came from and the state it was made on."""
    return {
        "kind": PLANFILE_KIND,
        "format_version": PLAN_FORMAT_VERSION,
        "spec_path": spec_path,
        "spec_text": spec_text,
        "options": options,
        "state_fingerprint": plan.state_fingerprint,
        "plan": plan.to_json(),
    }
