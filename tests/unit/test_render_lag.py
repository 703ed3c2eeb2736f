"""The per-region overview validate-replication draws before its tables."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from ecrrep.render_lag import bar, region_totals, replication_bars
from ecrrep.replication_check import ImageGap, RegionResult, Report


def gap(n: int) -> ImageGap:
    return ImageGap(f"sha256:{n:064d}", ())


REPORT = Report(datetime(2026, 12, 6, tzinfo=UTC), [
    RegionResult("a", "us-west-2", "ok", 10, in_flight=(gap(1), gap(2))),
    RegionResult("b", "us-west-2", "gaps", 10, missing=(gap(3),)),
    RegionResult("a", "eu-west-1", "ok", 10),
    RegionResult("b", "eu-west-1", "missing-repository", 10,
                 missing=tuple(gap(i) for i in range(10))),
])


def test_totals_per_region_over_every_repository():
    west, europe = region_totals(REPORT)
    assert (west.region, west.images, west.present, west.in_flight, west.missing) == (
        "us-west-2", 20, 17, 2, 1)
    assert (europe.present, europe.missing, europe.missing_repositories) == (10, 10, 1)


def test_bars_split_present_in_flight_and_missing():
    west, europe = region_totals(REPORT)
    assert bar(west, 20).plain == "█" * 17 + "▒▒" + "░"
    assert bar(europe, 20).plain == "█" * 10 + "░" * 10


def test_the_overview_renders_a_line_per_region():
    console = Console(width=120, record=True, no_color=True)
    console.print(replication_bars(REPORT))
    text = console.export_text()
    assert "us-west-2" in text and " 85.0%  17/20 present, 2 in flight, 1 missing" in text
    assert "10 missing; 1 replica(s) absent" in text
