"""Which destinations a plan must backfill, and for which repositories: pure, over the plan.

ECR replicates only the images pushed after a rule sends a repository somewhere; the images a
repository already holds reach a destination only through a replication backfill
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html). A plan
needs one for each destination that existing repositories gain, reading every replication
rule change of the plan (a project may own several rules) before and after, and for each
destination of a repository the plan adopts. A repository the plan creates is empty: it
needs none. Whether an existing repository holds images is the caller's to say (`holding`).

The plan says so with one note per destination on a rule change, and carries the backfills in
that change's facts (`backfills`), which apply reads back.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ecrrep.engine.plan import Change, Plan
from ecrrep.replication.routing import (
    REPOSITORY_TYPE,
    RULE_TYPE,
    Destination,
    added_destinations,
    destinations_of,
    plan_rules,
)

NOTE_START = "backfill: "
FACT = "backfills"


@dataclass(frozen=True)
class PlannedBackfill:
    """One backfill a plan starts: a destination and the repositories whose images it brings."""

    region: str
    registry_id: str
    repositories: tuple[str, ...]
    # How the note names them: "<prefix>/*" when they are all the rule sends there, else names.
    shown: str

    @property
    def destination(self) -> Destination:
        return (self.region, self.registry_id)

    def note(self) -> str:
        return f"{NOTE_START}existing images of {self.shown} to {self.region}"

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "registry_id": self.registry_id,
                "repositories": list(self.repositories), "shown": self.shown}

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> PlannedBackfill:
        return cls(entry["region"], entry["registry_id"], tuple(entry["repositories"]),
                   entry["shown"])


def rule_changes(plan: Plan) -> list[Change]:
    """Every replication rule change, ours and the ones kept as they are."""
    return [c for c in plan.changes if c.type == RULE_TYPE]


def _existing_repositories(plan: Plan, region: str) -> dict[str, Change]:
    """The source repositories the plan keeps and that exist already (not created by it)."""
    return {c.name: c for c in plan.changes
            if c.type == REPOSITORY_TYPE and c.region == region
            and c.action not in ("create", "delete") and not c.blocked}


def candidates(plan: Plan) -> dict[Destination, list[str]]:
    """Destination → the existing repositories it must receive the images of: the ones the
    rule changes newly send there, and every destination of an adopted repository. Empty for
    a plan that changes no rule and adopts nothing (no read needed)."""
    rules = rule_changes(plan)
    if not rules or any(c.blocked for c in rules):
        return {}
    existing = _existing_repositories(plan, rules[0].region)
    after = plan_rules(rules, "after")
    gained = added_destinations(existing, plan_rules(rules, "before"), after)
    for name, change in existing.items():
        if change.facts.get("takeover"):
            for destination in destinations_of(name, after):
                gained.setdefault(destination, []).append(name)
    return {d: sorted(set(names)) for d, names in sorted(gained.items())}


def shown_as(destination: Destination, names: list[str], plan: Plan) -> str:
    """`<filter>*` when one rule with one PREFIX_MATCH filter sends there and the names are
    every existing repository it sends; else the names."""
    rules = [r for r in plan_rules(rule_changes(plan), "after")
             if destination in destinations_of_rule(r)]
    existing = _existing_repositories(plan, rule_changes(plan)[0].region)
    if len(rules) == 1:
        filters = rules[0].get("repository_filters") or rules[0].get("repositoryFilters") or []
        routed = sorted(n for n in existing if destination in destinations_of(n, rules))
        if len(filters) == 1 and routed == sorted(names):
            return f"{filters[0].get('filter', '')}*"
    return ", ".join(names)


def destinations_of_rule(rule: dict[str, Any]) -> set[Destination]:
    return {(d.get("region", ""), d.get("registryId", "")) for d in rule.get("destinations", [])}


def planned_backfills(plan: Plan, holding: Collection[str]) -> list[PlannedBackfill]:
    """The backfills of the plan, given the existing repositories that hold images."""
    found = []
    for destination, names in candidates(plan).items():
        with_images = [n for n in names if n in holding]
        if with_images:
            found.append(PlannedBackfill(destination[0], destination[1], tuple(with_images),
                                         shown_as(destination, names, plan)))
    return found


def _carrier(plan: Plan, destination: Destination) -> Change:
    """The rule change a backfill's note goes on: the first changed rule sending to the
    destination, else the first rule of ours sending there, else the first rule change."""
    rules = [c for c in rule_changes(plan) if not c.kept]
    sending = [c for c in rules if destination in destinations_of_rule(c.after or {})]
    changed = [c for c in sending if c.is_change]
    return (changed or sending or rules or rule_changes(plan))[0]


def annotate(plan: Plan, backfills: list[PlannedBackfill]) -> Plan:
    """The plan with each backfill's note and entry on its rule change (in place)."""
    for backfill in backfills:
        change = _carrier(plan, backfill.destination)
        change.notes.append(backfill.note())
        change.facts.setdefault(FACT, []).append(backfill.to_json())
    return plan


def backfills_in(plan: Plan) -> list[PlannedBackfill]:
    """The backfills a made plan carries (what apply starts)."""
    return [PlannedBackfill.from_json(entry)
            for change in rule_changes(plan) for entry in change.facts.get(FACT, [])]


def without_backfills(plan_doc: dict[str, Any]) -> dict[str, Any]:
    """A saved plan's document with the backfill notes and entries taken off its rule
    changes: they are derived from the account again when the plan is made afresh."""
    doc = copy.deepcopy(plan_doc)
    for entry in doc.get("resource_changes", []):
        if not isinstance(entry, dict) or entry.get("type") != RULE_TYPE:
            continue
        if isinstance(entry.get("notes"), list):
            entry["notes"] = [n for n in entry["notes"]
                              if not (isinstance(n, str) and n.startswith(NOTE_START))]
            if not entry["notes"]:
                del entry["notes"]
        if isinstance(entry.get("facts"), dict):
            entry["facts"].pop(FACT, None)
            if not entry["facts"]:
                del entry["facts"]
    return doc
