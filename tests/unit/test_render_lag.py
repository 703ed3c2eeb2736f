"""The per-region overview validate-replication draws before its tables."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console

from ecrrep.render.lag import (
    bar,
    duration,
    lag_bar,
    lag_chart,
    presence_bars,
    region_totals,
    replication_bars,
)
from ecrrep.replication.model import ImageGap, RegionResult, Report


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


def render(renderable) -> str:
    console = Console(width=160, record=True, no_color=True)
    console.print(renderable)
    return console.export_text()


def test_the_overview_renders_a_line_per_region():
    text = render(presence_bars(REPORT))
    assert "us-west-2" in text and " 85.0%  17/20 present, 2 in flight, 1 missing" in text
    assert "10 missing; 1 replica(s) absent" in text


# -- replication time ------------------------------------------------------------------------

LAGGED = Report(datetime(2026, 12, 6, tzinfo=UTC), [
    RegionResult("a", "us-west-2", "ok", 4),
    RegionResult("a", "eu-west-1", "ok", 3),
    RegionResult("a", "ap-south-1", "missing-repository", 3),
], lag_seconds={"us-west-2": [2, 4, 6, 100], "eu-west-1": [30, 45, 300], "ap-south-1": []})


def test_lag_bars_are_scaled_to_the_largest_p95():
    assert lag_bar(300, 300, 20).plain == "█" * 20
    assert lag_bar(45, 300, 20).plain == "███" + "·" * 17
    assert lag_bar(0, 300, 20).plain == "·" * 20
    # Any lag at all shows; nothing measured anywhere draws empty bars.
    assert lag_bar(0.5, 300, 20).plain == "█" + "·" * 19
    assert lag_bar(0, 0, 5).plain == "·····"


def test_durations_read_as_people_say_them():
    assert [duration(s) for s in (0, 0.44, 42.4, 185, 7800)] == [
        "0.0s", "0.4s", "42s", "3m 05s", "2h 10m"]


def test_the_lag_chart_has_a_line_per_region_with_bars_and_figures():
    lines = render(lag_chart(LAGGED)).splitlines()
    assert lines[0].startswith("Replication time by destination region")
    west, europe, south = lines[1:4]
    # us-west-2: median 5 s of the 300 s scale (one cell at least), p95 100 s is a third.
    assert west.split()[:5] == ["us-west-2", "median", "█" + "·" * 19, "p95",
                                "███████" + "·" * 13]
    assert "median 5.0s, p95 1m 40s, worst 1m 40s over 4 images" in west
    # eu-west-1 has the largest p95: its bar is full.
    assert europe.split()[:5] == ["eu-west-1", "median", "███" + "·" * 17, "p95", "█" * 20]
    assert "median 45s, p95 5m 00s, worst 5m 00s over 3 images" in europe
    assert south.split()[0] == "ap-south-1"
    assert "no image present in both regions to measure" in south


def test_the_overview_shows_what_each_region_holds_then_its_lag():
    text = render(replication_bars(LAGGED))
    assert text.index("Replication by destination region") < text.index(
        "Replication time by destination region")
    assert "3/3 present" in text and "worst 5m 00s over 3 images" in text
