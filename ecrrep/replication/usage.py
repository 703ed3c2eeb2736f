"""What the cost estimate reads: the sizes of the repositories whose destinations the plan
changes, and nothing else (a plan that changes no destination makes no call here).

DescribeImages gives each image's `imageSizeInBytes` and `imagePushedAt`
(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html); the listing is
the run's shared one (`ecrrep.aws.ecr_images`, which the lifecycle preview may have read
already), of which the estimate sizes the images in standard storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecrrep.aws.ecr_images import active, repository_images
from ecrrep.engine.plan import Change
from ecrrep.replication.cost import (
    RECENT_DAYS,
    CostEstimate,
    RepositoryUsage,
    estimate_cost,
    route_changes,
)
from ecrrep.replication.prices import PRICES, PriceTable

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext


def usage_of(details: list[dict[str, Any]], since: datetime) -> RepositoryUsage:
    """A repository's stored bytes and the bytes of the images pushed since `since`."""
    stored = sum(int(d.get("imageSizeInBytes") or 0) for d in details)
    recent = sum(int(d.get("imageSizeInBytes") or 0) for d in details
                 if d.get("imagePushedAt") is not None and d["imagePushedAt"] >= since)
    return RepositoryUsage(stored, recent)


def read_usage(ctx: AwsContext, region: str, repositories: Sequence[str],
               now: datetime | None = None) -> dict[str, RepositoryUsage]:
    """Each repository's usage in `region`, all read at once on the context's pool."""
    since = (now or datetime.now(UTC)) - timedelta(days=RECENT_DAYS)
    details = ctx.map(lambda name: active(repository_images(ctx, region, name)),
                      list(repositories))
    return {name: usage_of(found, since)
            for name, found in zip(repositories, details, strict=True)}


def plan_cost_estimate(ctx: AwsContext, source_region: str, changes: Sequence[Change],
                       prices: PriceTable = PRICES) -> CostEstimate | None:
    """The monthly change in replication cost the changes make; None when none."""
    routes = route_changes(changes, source_region)
    usage = read_usage(ctx, source_region, routes.repositories_to_size())
    return estimate_cost(routes, usage, source_region, prices)
