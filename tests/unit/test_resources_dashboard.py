"""The dashboard kind with plain values: its body, CloudWatch's quotas at any size, and a body
read back in another key order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecrrep.cleanup.function import metrics
from ecrrep.engine.plan import Resource
from ecrrep.resources.dashboard import dashboard_body, parse_body
from tests.support.kind_inputs import (
    DASHBOARD,
    PROJECT,
    TARGET,
    make_spec,
    no_changes,
)


def _reorder(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reorder(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


def test_dashboard_body_in_another_key_order_is_unchanged():
    spec = make_spec()
    (desired,) = DASHBOARD.desired(spec, TARGET)
    text = json.dumps(_reorder(desired.attrs["body"]), indent=4)
    current = Resource(desired.type, desired.region, desired.name, {"body": parse_body(text)})
    assert no_changes([desired], [current])


def test_dashboard_graphs_the_five_metrics():
    body = dashboard_body(make_spec())
    rows = [row for w in body["widgets"] for row in w["properties"]["metrics"]]
    assert {(r[0], r[1]) for r in rows} == {
        ("AWS/ECR", "RepositoryPullCount"),
        (metrics.NAMESPACE, metrics.REPOSITORY_SIZE_BYTES),
        (metrics.NAMESPACE, metrics.REPLICATION_FAILURE_RATE),
        (metrics.NAMESPACE, metrics.REPLICATION_LATENCY_SECONDS),
        (metrics.NAMESPACE, metrics.IMAGES_EXPIRED),
    }
    regions = {r[5] for r in rows if r[1] == metrics.REPLICATION_FAILURE_RATE}
    assert regions == {"us-west-2", "eu-west-1"}
    assert all(w["properties"]["region"] == "us-east-1" for w in body["widgets"])
    ours = [r for r in rows if r[0] == metrics.NAMESPACE]
    assert ours and all(r[2:4] == ["Project", PROJECT] for r in ours)


def _with_repositories(count: int):
    def edit(d):
        d["repositories"] = [{**d["repositories"][0], "name": f"app-{n:04d}"}
                             for n in range(count)]
        d["cleanup"]["retention_days"] = {}
    return edit


def _metric_count(widget: dict[str, Any]) -> int:
    return len(widget["properties"]["metrics"])


@pytest.mark.parametrize("count", [1, 600, 1000, 5000])
def test_the_dashboard_stays_within_cloudwatch_quotas_at_any_size(count):
    body = dashboard_body(make_spec(_with_repositories(count)))
    assert all(_metric_count(w) <= 500 for w in body["widgets"])
    assert sum(_metric_count(w) for w in body["widgets"]) <= 2500
    assert len(body["widgets"]) <= 500
    positions = {(w["x"], w["y"]) for w in body["widgets"]}
    assert len(positions) == len(body["widgets"])  # no widget drawn over another


def test_a_graph_of_more_than_500_repositories_is_split_while_the_dashboard_holds_them():
    body = dashboard_body(make_spec(_with_repositories(600)))
    pulls = [w for w in body["widgets"]
             if w["properties"]["title"].startswith("Pulls per repository")]
    assert [_metric_count(w) for w in pulls] == [500, 100]
    assert pulls[1]["properties"]["title"].endswith("(2 of 2)")
    assert len({r[3] for w in pulls for r in w["properties"]["metrics"]}) == 600


def test_beyond_what_a_dashboard_holds_metrics_insights_shows_the_top_repositories():
    body = dashboard_body(make_spec(_with_repositories(1000)))
    queries = [row[0]["expression"] for w in body["widgets"]
               for row in w["properties"]["metrics"] if isinstance(row[0], dict)]
    assert len(queries) == 3
    ours = [q for q in queries if '"ECRRep"' in q]
    assert len(ours) == 2
    assert all(f"WHERE Project = '{PROJECT}'" in q and q.endswith("LIMIT 100") for q in ours)
    rates = [w for w in body["widgets"] if "failure rate" in w["properties"]["title"]]
    assert [_metric_count(w) for w in rates] == [2]  # one row per destination region


def test_a_body_that_is_not_json_always_differs():
    assert parse_body("not json") == "not json"
