"""The cost estimate's line under the plan's summary, in the terminal and in Markdown."""

from __future__ import annotations

from ecrrep.engine.plan import Plan
from ecrrep.render.cost import cost_line, dollars
from ecrrep.render.markdown import plan_markdown
from ecrrep.replication.cost import BYTES_PER_GB, RepositoryUsage, RouteChanges, estimate_cost
from ecrrep.replication.prices import PriceTable

SOURCE = "us-east-1"
APP = "apps/app"
TABLE = PriceTable("2026-01-01", {"eu-west-1": 0.10}, {SOURCE: 0.02}, default_storage=0.5)


def estimate():
    routes = RouteChanges({"eu-west-1": [APP], "ap-south-1": [APP]}, {}, frozenset({APP}))
    usage = {APP: RepositoryUsage(BYTES_PER_GB, BYTES_PER_GB)}
    return estimate_cost(routes, usage, SOURCE, TABLE)


def test_cost_line():
    assert cost_line(estimate()) == (
        "Estimated replication cost: +$0.64/month (storage +$0.50 in ap-south-1 (price "
        "assumed), +$0.10 in eu-west-1; transfer +$0.04) — prices of 2026-01-01, rough: "
        "see README")
    assert (dollars(-0.4), dollars(0.0), dollars(-0.001)) == ("-$0.40", "+$0.00", "+$0.00")


def test_markdown_shows_the_line_under_the_summary_as_code():
    text = plan_markdown(Plan([]), {}, cost=cost_line(estimate()))
    lines = text.splitlines()
    at = lines.index("**Plan: 0 to add, 0 to change, 0 to destroy.**")
    # As code: GitHub would read the text between two dollar signs as math.
    assert lines[at + 2] == f"`{cost_line(estimate())}`"
    assert "Estimated" not in plan_markdown(Plan([]), {})
