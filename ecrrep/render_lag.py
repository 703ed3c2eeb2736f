"""validate-replication's overview: per destination region, a small bar of how much of the
source it holds — present, in flight (still within the grace period or reported in progress by
ECR) and missing — so a lagging region shows at a glance, before the per-repository tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text

BAR_WIDTH = 30


@dataclass(frozen=True)
class RegionTotals:
    region: str
    images: int
    present: int
    in_flight: int
    missing: int
    missing_repositories: int


def region_totals(report: Any) -> list[RegionTotals]:
    """Totals over every repository, per destination region, in the report's order."""
    totals = []
    for region in dict.fromkeys(r.region for r in report.results):
        rows = [r for r in report.results if r.region == region]
        totals.append(RegionTotals(
            region,
            sum(r.source_images for r in rows),
            sum(r.present for r in rows),
            sum(len(r.in_flight) for r in rows),
            sum(len(r.missing) for r in rows),
            sum(r.status == "missing-repository" for r in rows),
        ))
    return totals


def bar(totals: RegionTotals, width: int = BAR_WIDTH) -> Text:
    """█ present, ▒ in flight, ░ missing; an empty source draws a full bar."""
    if totals.images == 0:
        return Text("█" * width, style="green")
    flying = round(width * totals.in_flight / totals.images)
    missing = round(width * totals.missing / totals.images)
    if totals.missing and not missing:
        missing = 1  # one missing image must show
    present = max(0, width - flying - missing)
    return Text.assemble(("█" * present, "green"), ("▒" * flying, "cyan"),
                         ("░" * missing, "red"))


def replication_bars(report: Any) -> Table:
    table = Table(title="Replication by destination region", title_justify="left",
                  box=None, expand=False, show_header=False, pad_edge=False)
    table.add_column("region", no_wrap=True)
    table.add_column("bar", no_wrap=True)
    table.add_column("counts", no_wrap=True)
    for totals in region_totals(report):
        share = 100 * totals.present / totals.images if totals.images else 100
        counts = (f"{share:5.1f}%  {totals.present}/{totals.images} present, "
                  f"{totals.in_flight} in flight, {totals.missing} missing")
        if totals.missing_repositories:
            counts += f"; {totals.missing_repositories} replica(s) absent"
        table.add_row(totals.region, bar(totals), counts)
    return table
