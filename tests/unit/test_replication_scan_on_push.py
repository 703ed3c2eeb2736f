"""validate-replication once registry scanning decides what is scanned: a replica's scanOnPush
differing from the source's is no drift (ecrrep/replication/compare.py `without_setting`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecrrep.replication.compare import make_report, without_setting
from ecrrep.replication.model import RepositoryState

NAME = "apps/web"
SETTINGS = {"tag_mutability": "IMMUTABLE", "scan_on_push": True, "encryption": "AES256",
            "lifecycle_policy": None, "repository_policy": None}


def states(replica_scan_on_push: bool):
    replica = {**SETTINGS, "scan_on_push": replica_scan_on_push}
    return {("us-east-1", NAME): RepositoryState("us-east-1", NAME, dict(SETTINGS), {}),
            ("eu-west-1", NAME): RepositoryState("eu-west-1", NAME, replica, {}),
            ("us-west-2", NAME): None}


def drift(found) -> list[str]:
    report = make_report("us-east-1", [NAME], ["eu-west-1"], found,
                         datetime(2026, 1, 1, tzinfo=UTC), timedelta(minutes=30))
    return [d.field for r in report.results for d in r.drift]


def test_scan_on_push_is_drift_while_repositories_decide():
    assert drift(states(False)) == ["scan_on_push"]


def test_scan_on_push_is_not_compared_once_left_out():
    found = without_setting(states(False), "scan_on_push")
    assert drift(found) == []
    assert found[("us-west-2", NAME)] is None
    assert found[("eu-west-1", NAME)].settings == {
        k: v for k, v in SETTINGS.items() if k != "scan_on_push"}
