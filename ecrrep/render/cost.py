"""The plan's replication cost estimate, as one line under the plan's summary."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ecrrep.replication.cost import CostEstimate


def dollars(amount: float) -> str:
    """A signed amount in dollars: +$1.23, -$0.40."""
    sign = "-" if amount < -0.005 else "+"
    return f"{sign}${abs(amount):.2f}"


def cost_line(estimate: CostEstimate) -> str:
    """`Estimated replication cost: +$1.23/month (storage +$0.80 in eu-west-1, ...; transfer
    +$0.43) — prices of DATE, rough: see README`."""
    storage = ", ".join(
        f"{dollars(r.storage_usd)} in {r.region}" + (" (price assumed)" if r.price_assumed
                                                     else "")
        for r in estimate.regions)
    return (f"Estimated replication cost: {dollars(estimate.total_usd)}/month (storage "
            f"{storage}; transfer {dollars(estimate.transfer_usd)}) — prices of "
            f"{estimate.prices_date}, rough: see README")


def render_cost(console: Console, estimate: CostEstimate | None) -> None:
    if estimate is None:
        return
    console.print(Text(cost_line(estimate)))
