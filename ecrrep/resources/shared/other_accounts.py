"""The destinations in other accounts ecrrep manages: the spec's (`destinations`) and those the
spec has dropped whose claims say how to reach their accounts; and the repositories under the
spec's prefix in each, read with that account's session and cached there for the run.

Ownership there is the same `ecrrep:project` tag as here; the claims (prefixes, regions) stay
in the source account and say nothing about another account's repositories, so a repository
there is ours by its tag alone, and one under our prefix that is not is shown as a conflict
when the spec wants it, else left alone. In a dropped destination the spec wants nothing, so
what is ours there is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ecrrep.aws.accounts import open_dropped_accounts
from ecrrep.engine import claims
from ecrrep.resources.shared.ecr_listing import RepositoryRecord, records_under_prefix

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


@dataclass(frozen=True)
class DroppedDestinations:
    """The registries of other accounts we claim that the spec no longer lists."""

    # (region, account) of those whose accounts have a context on ctx: cleaned up.
    reachable: tuple[tuple[str, str], ...] = ()
    # (region, account) -> why its account could not be reached: left as they are.
    unreachable: dict[tuple[str, str], str] = field(default_factory=dict)


def dropped_destinations(ctx: AwsContext, spec: Spec) -> DroppedDestinations:
    """The spec's dropped destinations in other accounts, their accounts opened on `ctx` (once
    per run: the session opens them, before any change) through the reach their claims
    recorded, or through the spec's when it still lists another region of that account."""
    return ctx.cached(("dropped-destinations", spec.source_region),
                      lambda: _open_dropped(ctx, spec))


def _open_dropped(ctx: AwsContext, spec: Spec) -> DroppedDestinations:
    # The source account first, as planning asks it first (an unreachable endpoint is then
    # reported on the same call); a claim naming it is not another account's.
    source = ctx.account_id(spec.source_region)
    listed = {(d.region, d.account_id) for d in spec.destinations}
    dropped = [d for d in claims.claimed_destination_reaches(ctx, spec)
               if (d.region, d.account_id) not in listed and d.account_id != source]
    if not dropped:
        return DroppedDestinations()
    opened = {d.account_id for d in spec.destinations}
    problems = open_dropped_accounts(ctx, dropped, opened)
    return DroppedDestinations(
        reachable=tuple((d.region, d.account_id) for d in dropped
                        if d.account_id not in problems),
        unreachable={(d.region, d.account_id): problems[d.account_id] for d in dropped
                     if d.account_id in problems})


def managed_destinations(ctx: AwsContext, spec: Spec) -> list[tuple[str, str]]:
    """(region, account) of the spec's destinations in other accounts, then of the dropped
    ones we can reach."""
    listed = [(d.region, d.account_id) for d in spec.destinations]
    return listed + list(dropped_destinations(ctx, spec).reachable)


def destination_records(ctx: AwsContext, spec: Spec) -> list[tuple[str, RepositoryRecord]]:
    """(account, record) for each repository under the prefix in each destination of another
    account we manage (`managed_destinations`), with its tags."""
    found = []
    for region, account in managed_destinations(ctx, spec):
        other = ctx.for_account(account)
        records = other.cached(
            ("ecr-repositories", region),
            lambda o=other, r=region: records_under_prefix(o, spec.repository_prefix, r))
        found += [(account, record) for record in records.values()]
    return found
