"""The repositories under the spec's prefix in each destination of another account
(`destinations`), read with that account's session and cached there for the run.

Ownership there is the same `ecrrep:project` tag as here; the claims (prefixes, regions) stay
in the source account and say nothing about another account, so a repository there is ours by
its tag alone, and one under our prefix that is not is shown as a conflict when the spec wants
it, else left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecrrep.resources.shared.ecr_listing import RepositoryRecord, records_under_prefix

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


def destination_records(ctx: AwsContext, spec: Spec) -> list[tuple[str, RepositoryRecord]]:
    """(account, record) for each repository under the prefix in each destination of another
    account, with its tags."""
    found = []
    for destination in spec.destinations:
        other = ctx.for_account(destination.account_id)
        records = other.cached(
            ("ecr-repositories", destination.region),
            lambda o=other, r=destination.region: records_under_prefix(
                o, spec.repository_prefix, r))
        found += [(destination.account_id, record) for record in records.values()]
    return found

