"""Transient faults are retried, never surfaced: throttling, 5xx and dropped connections, even
when the call took effect and only its answer was lost."""

from __future__ import annotations

import pytest

from tests.support.account_snapshot import account_snapshot, differences
from tests.support.fault_proxy import identity, lose_first_answers, via
from tests.support.fault_runs import REGIONS, call_stats, clean_run_snapshot

pytestmark = pytest.mark.e2e


def throttled_writes(proxy) -> int:
    """Failed replication writes: ecrrep retries them itself, from a fresh read."""
    return proxy.count(lambda call: call.action == "PutReplicationConfiguration"
                       and call.outcome != "forwarded")


def test_apply_converges_under_20_percent_throttling_and_shows_the_retries(
        cli, aws, proxy, write_spec):
    write_spec()
    proxy.throttle(0.20)

    applied = cli("-v", "apply", "--auto-approve", env=via(proxy))

    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete!" in applied.stdout
    outcomes = proxy.outcomes()
    assert outcomes["throttled"] > 0, outcomes
    # Every throttled answer was retried, and `-v` says so: the retries it reports (planning
    # and applying share one session, so one line) are exactly the throttled answers the
    # proxy gave. (The replication
    # configuration is the exception: ecrrep reads it again before writing it again, so its
    # retries are new calls, not botocore's.)
    stats = call_stats(applied.stderr)
    assert len(stats) == 1, applied.stderr
    assert sum(s.retries for s in stats) == outcomes["throttled"] - throttled_writes(proxy)
    assert "Throttling" not in applied.stdout + applied.stderr

    proxy.reset()
    proxy.throttle(0.20)
    planned = cli("-v", "plan", "--detailed-exitcode", env=via(proxy))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in planned.stdout
    assert call_stats(planned.stderr)[0].retries == proxy.outcomes()["throttled"] > 0

    after_faults = account_snapshot(aws, REGIONS)
    assert differences(after_faults, clean_run_snapshot(cli, aws)) == []


def test_apply_converges_when_every_change_lands_but_its_first_answer_is_lost(
        cli, aws, proxy, write_spec):
    """Every mutating call takes effect and its client hears a 500 or a reset connection
    instead of the answer: the retry meets "already exists" on our own resource, or finds
    its work done. Plus a 500 on a tenth of the reads, before they reach AWS."""
    write_spec()
    lose_first_answers(proxy)
    proxy.server_error(0.10, match=lambda call: not call.mutating)

    applied = cli("-v", "apply", "--auto-approve", env=via(proxy))

    assert applied.returncode == 0, applied.stdout + applied.stderr
    outcomes = proxy.outcomes()
    mutating = [c for c in proxy.snapshot() if c.mutating]
    lost = outcomes["error-500-after"] + outcomes["dropped-after"]
    assert lost == len({identity(c) for c in mutating}), outcomes
    assert outcomes["error-500-after"] > 0 and outcomes["dropped-after"] > 0, outcomes
    assert outcomes["error-500"] > 0, outcomes
    assert sum(s.retries for s in call_stats(applied.stderr)) == sum(
        n for outcome, n in outcomes.items() if outcome != "forwarded") - throttled_writes(proxy)

    planned = cli("plan", "--detailed-exitcode")
    assert planned.returncode == 0, planned.stdout + planned.stderr

    after_faults = account_snapshot(aws, REGIONS)
    assert differences(after_faults, clean_run_snapshot(cli, aws)) == []
