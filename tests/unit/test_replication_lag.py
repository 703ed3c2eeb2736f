"""Replication time per destination region: the statistics with plain values, the lag the
report measures from source and replica push times, and the datum it publishes.

Percentiles are nearest-rank (the smallest value with at least p % of the values at or below
it): always a latency that was observed, and never a tail better than one seen.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from ecrrep.cleanup.function import metrics
from ecrrep.cleanup.function.metrics import LatencySummary, latency_summary, nearest_rank_percentile
from ecrrep.replication.compare import make_report, replication_lags
from ecrrep.replication.model import ImageRecord
from tests.support.replication_states import GRACE, NOW, OLD, state

# -- the statistics --------------------------------------------------------------------------


def test_no_image_has_no_figures():
    assert latency_summary([]) == LatencySummary(0, None, None, None)
    assert latency_summary([]).to_json() == {
        "images": 0, "median_seconds": None, "p95_seconds": None, "max_seconds": None}


def test_one_image_is_every_figure():
    assert latency_summary([12.5]) == LatencySummary(1, 12.5, 12.5, 12.5)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert latency_summary([40, 10, 30, 20]).median_seconds == 25.0


def test_median_of_an_odd_count_is_the_middle_value():
    assert latency_summary([3, 1, 200]).median_seconds == 3.0


def test_p95_of_fewer_than_twenty_values_is_the_worst():
    # ceil(0.95 × 19) = 19: the 19th of 19.
    values = list(range(1, 20))
    assert nearest_rank_percentile(values, 95) == 19
    assert latency_summary(values) == LatencySummary(19, 10.0, 19.0, 19.0)


def test_p95_of_twenty_values_is_the_nineteenth():
    values = [float(v) for v in range(20, 0, -1)]  # unsorted on purpose
    assert nearest_rank_percentile(values, 95) == 19.0
    assert latency_summary(values).max_seconds == 20.0


def test_p95_of_a_hundred_values_is_the_ninety_fifth():
    assert nearest_rank_percentile(range(1, 101), 95) == 95


def test_zero_lags_are_measured_not_dropped():
    assert latency_summary([0, 0]) == LatencySummary(2, 0.0, 0.0, 0.0)


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="no values"):
        nearest_rank_percentile([], 95)


def test_latency_datum_carries_the_project_and_the_region():
    datum = metrics.replication_latency_datum("us-west-2", 42, project="p")
    assert datum == {
        "MetricName": "ReplicationLatencySeconds",
        "Dimensions": [{"Name": "Project", "Value": "p"},
                       {"Name": "DestinationRegion", "Value": "us-west-2"}],
        "Value": 42.0,
        "Unit": "Seconds",
    }


# -- what the report measures ----------------------------------------------------------------


def pushed(digest, seconds_after_old=0.0):
    return ImageRecord(digest, frozenset(), OLD + timedelta(seconds=seconds_after_old))


def test_lag_is_replica_push_time_minus_source_push_time_for_images_in_both():
    source = {"a": pushed("a"), "b": pushed("b", 10), "c": pushed("c")}
    replica = {"a": pushed("a", 30), "b": pushed("b", 15), "x": pushed("x", 99)}
    assert replication_lags(source, replica) == [30.0, 5.0]


def test_a_replica_older_than_its_source_or_without_a_push_time_is_not_measured():
    source = {"a": pushed("a", 60), "b": pushed("b"), "c": pushed("c")}
    replica = {"a": pushed("a"), "b": ImageRecord("b", frozenset()), "c": pushed("c", 1)}
    assert replication_lags(source, replica) == [1.0]


def test_report_gives_each_destination_its_lag_over_every_repository():
    source = state("us-east-1", [pushed("sha256:a"), pushed("sha256:b")])
    other = state("us-east-1", [pushed("sha256:c")], name="apps/test")
    states = {
        ("us-east-1", "apps/prod"): source, ("us-east-1", "apps/test"): other,
        ("us-west-2", "apps/prod"): state("us-west-2", [pushed("sha256:a", 4),
                                                        pushed("sha256:b", 8)]),
        ("us-west-2", "apps/test"): state("us-west-2", [pushed("sha256:c", 60)],
                                          name="apps/test"),
        ("eu-west-1", "apps/prod"): state("eu-west-1", []),
        ("eu-west-1", "apps/test"): None,
    }
    report = make_report("us-east-1", ["apps/prod", "apps/test"], ["us-west-2", "eu-west-1"],
                         states, NOW, GRACE)
    doc = json.loads(json.dumps(report.to_json()))
    assert doc["lag"] == {
        "us-west-2": {"images": 3, "median_seconds": 8.0, "p95_seconds": 60.0,
                      "max_seconds": 60.0},
        "eu-west-1": {"images": 0, "median_seconds": None, "p95_seconds": None,
                      "max_seconds": None},
    }
    # Every key the JSON had before is still there, unchanged in kind.
    assert set(doc) == {"healthy", "checked_at", "results", "lag"}
