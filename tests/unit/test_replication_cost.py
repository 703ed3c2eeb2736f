"""The plan's cost estimate, pure: route changes read from plan changes, the estimate from
sizes and a price table, and its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecrrep.engine.plan import Change
from ecrrep.replication.cost import (
    BYTES_PER_GB,
    RepositoryUsage,
    RouteChanges,
    estimate_cost,
    route_changes,
)
from ecrrep.replication.prices import PRICES, PriceTable
from ecrrep.replication.usage import usage_of

SOURCE = "us-east-1"
APP = "apps/app"
WEB = "apps/web"
TABLE = PriceTable("2026-01-01", {"eu-west-1": 0.10, "us-west-2": 0.12},
                   {SOURCE: 0.02}, default_storage=0.5, default_transfer=0.09)


def rule(*regions: str, prefix: str = "apps/") -> dict:
    return {"destinations": [{"region": r, "registryId": "111"} for r in regions],
            "repository_filters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}


def rule_change(before: dict | None, after: dict | None, name: str = "proj") -> Change:
    action = "create" if before is None else "delete" if after is None else \
        "no-op" if before == after else "update"
    return Change("ecr_replication_rule", SOURCE, name, action, before, after)


def repository(name: str, action: str = "no-op", region: str = SOURCE) -> Change:
    return Change("ecr_repository", region, name, action, {} if action != "create" else None,
                  {} if action != "delete" else None)


def test_a_destination_added_to_a_rule_sends_every_repository_there():
    changes = [repository(APP), repository(WEB, "create"),
               rule_change(rule("eu-west-1"), rule("eu-west-1", "us-west-2"))]

    routes = route_changes(changes, SOURCE)

    assert routes.added == {"us-west-2": [APP, WEB]}
    assert routes.removed == {}
    assert routes.repositories_to_size() == [APP]  # the created one holds nothing


def test_every_rule_change_counts_and_an_unchanged_plan_moves_nothing():
    kept = rule(prefix="other/")
    ours_a, ours_b = rule("eu-west-1", prefix="apps/app"), rule("us-west-2", prefix="apps/web")
    changes = [repository(APP), repository(WEB),
               rule_change(ours_a, None, "a"), rule_change(None, ours_b, "b"),
               rule_change(kept, kept, "kept")]

    routes = route_changes(changes, SOURCE)

    assert routes.added == {"us-west-2": [WEB]}
    assert routes.removed == {"eu-west-1": [APP]}
    unchanged = [repository(APP), rule_change(ours_a, ours_a)]
    assert route_changes(unchanged, SOURCE) == RouteChanges(existing=frozenset({APP}))


def test_a_replica_created_for_an_existing_repository_counts_as_a_new_destination():
    same = rule("eu-west-1")
    changes = [repository(APP, "update"), repository(APP, "create", "eu-west-1"),
               rule_change(same, same)]

    assert route_changes(changes, SOURCE).added == {"eu-west-1": [APP]}


def test_estimate_prices_storage_per_region_and_recent_pushes_as_transfer():
    routes = RouteChanges({"eu-west-1": [APP], "ap-south-1": [APP]}, {"us-west-2": [WEB]},
                          frozenset({APP, WEB}))
    usage = {APP: RepositoryUsage(10 * BYTES_PER_GB, 2 * BYTES_PER_GB),
             WEB: RepositoryUsage(5 * BYTES_PER_GB, BYTES_PER_GB)}

    estimate = estimate_cost(routes, usage, SOURCE, TABLE)

    by_region = {r.region: r for r in estimate.regions}
    assert by_region["eu-west-1"].storage_usd == pytest.approx(1.0)
    assert by_region["eu-west-1"].transfer_usd == pytest.approx(0.04)
    assert by_region["ap-south-1"].storage_usd == pytest.approx(5.0)  # the default
    assert by_region["ap-south-1"].price_assumed
    assert by_region["us-west-2"].storage_usd == pytest.approx(-0.6)
    assert by_region["us-west-2"].transfer_usd == pytest.approx(-0.02)
    assert estimate.total_usd == pytest.approx(1.04 + 5.04 - 0.62)
    assert estimate.to_json()["prices_date"] == "2026-01-01"
    assert estimate.to_json()["regions"][0]["region"] == "ap-south-1"


def test_no_estimate_when_no_byte_moves():
    routes = RouteChanges({"eu-west-1": [WEB]}, {}, frozenset())
    assert estimate_cost(routes, {}, SOURCE, TABLE) is None
    assert estimate_cost(RouteChanges(), {}, SOURCE, TABLE) is None


def test_the_estimate_grows_with_the_bytes_pushed():
    routes = RouteChanges({"eu-west-1": [APP]}, {}, frozenset({APP}))
    small = estimate_cost(routes, {APP: RepositoryUsage(100, 100)}, SOURCE, PRICES)
    large = estimate_cost(routes, {APP: RepositoryUsage(200, 200)}, SOURCE, PRICES)
    assert large.total_usd > small.total_usd > 0


def test_usage_counts_only_recent_pushes_as_recent():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    details = [{"imageSizeInBytes": 100, "imagePushedAt": now - timedelta(days=1)},
               {"imageSizeInBytes": 50, "imagePushedAt": now - timedelta(days=40)},
               {"imageDigest": "sha256:no-size"}]
    assert usage_of(details, now - timedelta(days=30)) == RepositoryUsage(150, 100)
