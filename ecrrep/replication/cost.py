"""The monthly change in replication cost a plan makes: pure functions over the plan's changes,
the repositories' sizes and a price table (`ecrrep.replication.prices`).

Which repositories change destination is read from the plan's replication rules before and
after (every change of that kind: a registry may hold several rules of ours and others'),
with `ecrrep.replication.routing`; a replica the plan creates for a repository that already
exists in the source counts as a new destination too (its images get there by backfill).

The estimate is rough on purpose (the README says how): a repository's stored bytes are the
sum of its images' `imageSizeInBytes` (layers shared between images are counted once per
image, so this overestimates), storage is priced per destination region, and the monthly
transfer is the bytes pushed in the last 30 days sent once to each new destination at the
source region's inter-region rate. A destination removed counts the same amounts as saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecrrep.engine.plan import Change
from ecrrep.replication import routing
from ecrrep.replication.prices import PriceTable
from ecrrep.replication.routing import REPOSITORY_TYPE, RULE_TYPE

# AWS bills storage and transfer per GB of 2^30 bytes.
BYTES_PER_GB = 2 ** 30
RECENT_DAYS = 30


@dataclass(frozen=True)
class RepositoryUsage:
    """What a repository holds, and how much of it was pushed in the last 30 days, in bytes."""

    stored_bytes: int = 0
    recent_bytes: int = 0


@dataclass(frozen=True)
class RouteChanges:
    """By destination region, the repositories the plan newly sends there and those it stops
    sending there (a repository is listed once per destination registry in the region)."""

    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    # Repositories that exist in the source region before the plan (not created by it).
    existing: frozenset[str] = frozenset()

    def repositories_to_size(self) -> list[str]:
        """The repositories whose sizes the estimate needs: those changing destination that
        exist already (a repository the plan creates holds nothing)."""
        named = {r for repos in (*self.added.values(), *self.removed.values()) for r in repos}
        return sorted(named & self.existing)


def _rule_sets(changes: Sequence[Change]) -> tuple[list[dict], list[dict]] | None:
    """The replication rules before and after the plan; None when the plan changes none."""
    if not any(c.is_change for c in changes if c.type == RULE_TYPE):
        return None
    return routing.plan_rules(changes, "before"), routing.plan_rules(changes, "after")


def _by_region(found: Mapping[routing.Destination, list[str]]) -> dict[str, list[str]]:
    regions: dict[str, list[str]] = {}
    for (region, _registry), names in sorted(found.items()):
        regions.setdefault(region, []).extend(names)
    return regions


def route_changes(changes: Sequence[Change], source_region: str) -> RouteChanges:
    """Where the plan's repositories start and stop being replicated to."""
    in_source = [c for c in changes if c.type == REPOSITORY_TYPE and c.region == source_region
                 and c.action != "delete"]
    names = [c.name for c in in_source]
    existing = frozenset(c.name for c in in_source if c.action != "create")
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    rule_sets = _rule_sets(changes)
    if rule_sets is not None:
        before, after = rule_sets
        added = _by_region(routing.added_destinations(names, before, after))
        removed = _by_region(routing.removed_destinations(names, before, after))
    for region, name in _new_replicas_of_existing(changes, existing, source_region):
        if name not in added.get(region, []):
            added.setdefault(region, []).append(name)
    return RouteChanges(added, removed, existing)


def _new_replicas_of_existing(changes: Sequence[Change], existing: frozenset[str],
                              source_region: str) -> list[tuple[str, str]]:
    """(region, repository) of each replica the plan creates for a repository that already
    exists in the source, where the rules after the plan send it."""
    rules = routing.plan_rules(changes, "after")
    return [(c.region, c.name) for c in changes
            if c.type == REPOSITORY_TYPE and c.action == "create" and c.region != source_region
            and c.name in existing
            and c.region in {region for region, _ in routing.destinations_of(c.name, rules)}]


@dataclass(frozen=True)
class RegionCost:
    """The change in one destination region: bytes and dollars per month."""

    region: str
    stored_bytes: int
    transfer_bytes: int
    storage_usd: float
    transfer_usd: float
    price_assumed: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "storage_bytes": self.stored_bytes,
                "transfer_bytes": self.transfer_bytes,
                "storage_usd": round(self.storage_usd, 6),
                "transfer_usd": round(self.transfer_usd, 6),
                "price_assumed": self.price_assumed,
                "repositories_added": list(self.added),
                "repositories_removed": list(self.removed)}


@dataclass(frozen=True)
class CostEstimate:
    """The plan's monthly change in replication cost, per destination region."""

    source_region: str
    prices_date: str
    regions: tuple[RegionCost, ...]

    @property
    def storage_usd(self) -> float:
        return sum(r.storage_usd for r in self.regions)

    @property
    def transfer_usd(self) -> float:
        return sum(r.transfer_usd for r in self.regions)

    @property
    def total_usd(self) -> float:
        return self.storage_usd + self.transfer_usd

    @property
    def price_assumed(self) -> bool:
        return any(r.price_assumed for r in self.regions)

    def to_json(self) -> dict[str, Any]:
        return {"currency": "USD", "period": "month", "prices_date": self.prices_date,
                "source_region": self.source_region,
                "total_usd": round(self.total_usd, 6),
                "storage_usd": round(self.storage_usd, 6),
                "transfer_usd": round(self.transfer_usd, 6),
                "price_assumed": self.price_assumed,
                "regions": [r.to_json() for r in self.regions]}


def _bytes(names: Iterable[str], usage: Mapping[str, RepositoryUsage]) -> tuple[int, int]:
    found = [usage.get(name, RepositoryUsage()) for name in names]
    return sum(u.stored_bytes for u in found), sum(u.recent_bytes for u in found)


def _region_cost(region: str, routes: RouteChanges, usage: Mapping[str, RepositoryUsage],
                 source_region: str, prices: PriceTable) -> RegionCost:
    added, removed = routes.added.get(region, []), routes.removed.get(region, [])
    stored_in, recent_in = _bytes(added, usage)
    stored_out, recent_out = _bytes(removed, usage)
    stored, recent = stored_in - stored_out, recent_in - recent_out
    storage, transfer = prices.storage(region), prices.transfer_out(source_region)
    # Replication within one region (to another account) crosses no region boundary.
    transfer_rate = 0.0 if region == source_region else transfer.usd_per_gb
    return RegionCost(
        region, stored, recent,
        storage_usd=stored / BYTES_PER_GB * storage.usd_per_gb,
        transfer_usd=recent / BYTES_PER_GB * transfer_rate,
        price_assumed=storage.assumed or (bool(recent) and transfer.assumed),
        added=tuple(added), removed=tuple(removed))


def estimate_cost(routes: RouteChanges, usage: Mapping[str, RepositoryUsage],
                  source_region: str, prices: PriceTable) -> CostEstimate | None:
    """The monthly change in cost of the plan's route changes; None when no byte moves
    (nothing changes destination, or only repositories that hold nothing)."""
    regions = sorted(routes.added.keys() | routes.removed.keys())
    costs = tuple(_region_cost(r, routes, usage, source_region, prices) for r in regions)
    moving = tuple(c for c in costs if c.stored_bytes or c.transfer_bytes)
    if not moving:
        return None
    return CostEstimate(source_region, prices.date, moving)
