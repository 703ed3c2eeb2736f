"""`monitoring.replication_latency_seconds`: optional, and when set a number of seconds above 0
and at most a day, refused at its line otherwise."""

from __future__ import annotations

import pytest

from tests.support.spec_texts import BASE, errors, load

PATH = "monitoring.replication_latency_seconds"


def _with(value: str) -> str:
    return BASE + f"monitoring:\n  replication_latency_seconds: {value}\n"


def test_absent_or_null_means_no_threshold():
    assert load(BASE).spec.monitoring.replication_latency_seconds is None
    assert load(_with("null")).spec.monitoring.replication_latency_seconds is None


@pytest.mark.parametrize(("value", "seconds"), [("900", 900.0), ("0.5", 0.5),
                                                ("86400", 86400.0)])
def test_a_number_of_seconds_up_to_a_day_is_accepted(value: str, seconds: float):
    assert load(_with(value)).spec.monitoring.replication_latency_seconds == seconds


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be greater than 0"),
        ("-30", "must be greater than 0"),
        ("86401", "must be at most 86400"),
        (".inf", "must be a finite number"),
        (".nan", "must be a finite number"),
        ("'15m'", "must be a number"),
        ("true", "must be a number"),
        ("[900]", "must be a number"),
    ],
)
def test_a_bad_threshold_is_refused_at_its_line(value: str, message: str):
    assert errors(_with(value)) == [(9, PATH, message)]


def test_the_message_a_user_reads(tmp_path):
    from ecrrep.spec.loader import SpecError

    with pytest.raises(SpecError) as caught:
        load(_with("86401"))
    assert str(caught.value) == (
        "spec.yaml:9: monitoring.replication_latency_seconds: must be at most 86400")
