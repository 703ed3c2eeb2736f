"""validate-replication's overview, before the per-repository tables, per destination region:

- how much of the source it holds: a bar of present, in flight (still within the grace period
  or reported in progress by ECR) and missing images, so a region with gaps shows at a glance;
- how long replication took there: median and 95th-percentile bars of replica push time minus
  source push time, on one scale for every region (the largest 95th percentile fills a bar),
  with the figures and the worst as text, so a slow region shows at a glance too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

BAR_WIDTH = 30
LAG_BAR_WIDTH = 20


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


def replication_bars(report: Any) -> Group:
    """The whole overview: what each region holds, then how long replication took."""
    return Group(presence_bars(report), Text(""), lag_chart(report))


def presence_bars(report: Any) -> Table:
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


def duration(seconds: float) -> str:
    """A latency as people read it: 0.4s, 42s, 3m 05s, 2h 10m."""
    if seconds < 10:
        return f"{seconds:.1f}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole // 3600}h {whole % 3600 // 60:02d}m"


def lag_bar(seconds: float, scale: float, width: int = LAG_BAR_WIDTH) -> Text:
    """A bar `seconds / scale` of `width` long; any lag at all shows at least one cell."""
    filled = round(width * seconds / scale) if scale > 0 else 0
    if seconds > 0 and not filled:
        filled = 1
    filled = min(width, filled)
    return Text.assemble(("█" * filled, "yellow"), ("·" * (width - filled), "dim"))


def lag_chart(report: Any) -> Table:
    """Median and 95th-percentile replication time per destination region, scaled to the
    region with the largest 95th percentile."""
    summaries = report.latencies()
    scale = max((s.p95_seconds or 0.0 for s in summaries.values()), default=0.0)
    table = Table(title="Replication time by destination region (replica pushed − source "
                  "pushed)", title_justify="left", box=None, expand=False,
                  show_header=False, pad_edge=False)
    for name in ("region", "median", "median bar", "p95", "p95 bar", "worst"):
        table.add_column(name, no_wrap=True)
    for region, summary in summaries.items():
        if summary.images == 0:
            table.add_row(region, "", "", "", "",
                          Text("no image present in both regions to measure", "dim"))
            continue
        table.add_row(
            region,
            "median", lag_bar(summary.median_seconds, scale),
            "p95", lag_bar(summary.p95_seconds, scale),
            f"median {duration(summary.median_seconds)}, p95 {duration(summary.p95_seconds)}, "
            f"worst {duration(summary.max_seconds)} over {summary.images} "
            f"image{'s' if summary.images != 1 else ''}",
        )
    return table
