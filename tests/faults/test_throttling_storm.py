"""A throttling storm with every region busy at once: `--parallelism 10` puts up to 10 calls in
flight in each of the three regions (and 10 more on IAM), botocore's retry mode absorbs the
throttling answers, and the run converges: apply succeeds, the next plan is empty, and the
account is what a run without faults leaves."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from tests.support.account_snapshot import account_snapshot, differences
from tests.support.fault_proxy import Call, via
from tests.support.fault_runs import REGIONS, clean_run_snapshot

pytestmark = pytest.mark.e2e

PARALLELISM = 10
EXTRA_REPOSITORIES = 20
# Half the calls throttled on their first attempt, on every service in every region, and one
# attempt in ten whatever its number: chains of throttled retries, but none long enough to
# spend botocore's budget of 10 attempts (the proxy's dice are fixed by its seed).
FIRST_ATTEMPT_SHARE = 0.5
ANY_ATTEMPT_SHARE = 0.1


class InFlight:
    """Requests the proxy holds at once: in all, and per region (IAM on its own)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: Counter = Counter()
        self.peak: Counter = Counter()
        self.total = 0
        self.peak_total = 0

    @staticmethod
    def lane(call: Call) -> str:
        return "global" if call.service == "iam" else call.region

    def start(self, call: Call) -> None:
        with self.lock:
            lane = self.lane(call)
            self.now[lane] += 1
            self.peak[lane] = max(self.peak[lane], self.now[lane])
            self.total += 1
            self.peak_total = max(self.peak_total, self.total)

    def end(self, call: Call) -> None:
        with self.lock:
            self.now[self.lane(call)] -= 1
            self.total -= 1


def more_repositories(spec: dict) -> None:
    first = spec["repositories"][0]
    spec["repositories"] += [{**first, "name": f"service-{i:02d}"}
                             for i in range(EXTRA_REPOSITORIES)]


def test_a_throttling_storm_across_three_regions_converges(cli, aws, proxy, write_spec):
    write_spec(more_repositories)
    assert len(REGIONS) == 3
    in_flight = InFlight()
    proxy.hook(lambda _: True, before=in_flight.start, after=in_flight.end)
    # Each answer takes a while, as AWS's do: calls overlap, regions together.
    proxy.delay(0.02)
    proxy.throttle(FIRST_ATTEMPT_SHARE, once=True)
    proxy.throttle(ANY_ATTEMPT_SHARE)
    env = via(proxy)

    applied = cli("--parallelism", str(PARALLELISM), "apply", "--auto-approve", env=env)

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert proxy.outcomes()["throttled"] > 100, proxy.outcomes()
    # More calls at once than one region's bound: the regions did not wait for each other.
    assert in_flight.peak_total > PARALLELISM, in_flight.peak

    planned = cli("--parallelism", str(PARALLELISM), "plan", "--detailed-exitcode", env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in planned.stdout

    after_storm = account_snapshot(aws, REGIONS)
    assert differences(after_storm, clean_run_snapshot(cli, aws)) == []
