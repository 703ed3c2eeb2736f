"""A non-retryable failure at any point of an apply: exit 1, a report naming what failed and
what was not done, and a next apply that converges to the very account a clean run makes.

Every k is tried: the k-th mutating call of a full apply of the seed example fails. With
`--parallelism 1` the k-th call is the same call on every run. The k's are spread over a few
test cases so that pytest-xdist can share them out.
"""

from __future__ import annotations

import json

import pytest

from tests.support.account_snapshot import account_snapshot, differences
from tests.support.fault_proxy import via
from tests.support.fault_runs import (
    REGIONS,
    apply_report,
    call_stats,
)

pytestmark = pytest.mark.e2e

CHUNKS = 6


# One clean run per worker and setting is enough: every chunk applies the same example.
_REFERENCES: dict[str, tuple[dict, list[str], int]] = {}


def reference_run(cli, aws, proxy, env) -> tuple[dict, list[str], int]:
    """A clean apply through the proxy: the account it makes, the changes it plans and the
    number of mutating calls it sends; the account is left empty."""
    key = json.dumps(env, sort_keys=True).replace(proxy.url, "")
    if key not in _REFERENCES:
        _REFERENCES[key] = _reference_run(cli, aws, proxy, env)
    aws.reset()
    proxy.reset()
    return _REFERENCES[key]


def _reference_run(cli, aws, proxy, env) -> tuple[dict, list[str], int]:
    result = cli("-v", "apply", "--auto-approve", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    mutating = len(proxy.mutating_forwarded())
    # The proxy tells mutating calls from reads on its own; ecrrep's count must agree.
    assert call_stats(result.stderr)[-1].mutating == mutating
    addresses = apply_report(result).done
    assert len(addresses) == len(set(addresses)) > 0
    return account_snapshot(aws, REGIONS), addresses, mutating


def check_failed_run(result, proxy, addresses: list[str]) -> str:
    """The run stopped at the failed call and said what failed and what was not done."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    failing = [c for c in proxy.snapshot() if c.outcome.startswith("failed")]
    assert len(failing) >= 1, proxy.outcomes()
    report = apply_report(result)
    assert len(report.failed) == 1, output
    [(failed_address, error)] = report.failed.items()
    # Every planned change is accounted for exactly once: done, failed or not done.
    assert sorted(report.addresses) == sorted(addresses), output
    assert "Apply stopped." in result.stdout
    assert "Run `ecrrep apply` again to converge from here." in result.stdout
    return f"{failed_address}: {error}"


@pytest.mark.parametrize("chunk", range(CHUNKS), ids=lambda c: f"k%{CHUNKS}=={(c + 1) % CHUNKS}")
def test_a_hard_failure_at_the_kth_mutating_call_stops_cleanly_and_the_next_apply_converges(
        cli, aws, proxy, write_spec, chunk):
    write_spec()
    env = via(proxy, ECRREP_PARALLELISM="1")
    reference, addresses, count = reference_run(cli, aws, proxy, env)
    assert count >= CHUNKS

    for k in range(1 + chunk, count + 1, CHUNKS):
        aws.reset()
        proxy.reset()
        proxy.fail_mutating(k)
        failed = cli("apply", "--auto-approve", env=env)
        line = check_failed_run(failed, proxy, addresses)
        [call] = [c for c in proxy.snapshot() if c.outcome == "failed"]
        assert len(proxy.mutating_forwarded()) == k - 1
        # AWS's AccessDenied names the permission that is missing; ecrrep passes it on.
        assert "AccessDenied" in line and f"{call.service}:{call.action}" in line, (k, line)

        proxy.reset()
        again = cli("apply", "--auto-approve", env=env)
        assert again.returncode == 0, (k, again.stdout + again.stderr)
        assert differences(account_snapshot(aws, REGIONS), reference) == [], (k, line)


def test_a_connection_dropped_until_retries_run_out_fails_the_change_and_the_next_apply_converges(
        cli, aws, proxy, write_spec):
    write_spec()
    env = via(proxy, ECRREP_PARALLELISM="1", AWS_MAX_ATTEMPTS="2")
    reference, addresses, count = reference_run(cli, aws, proxy, env)
    proxy.fail_mutating(count // 2, how="drop")

    failed = cli("apply", "--auto-approve", env=env)

    line = check_failed_run(failed, proxy, addresses)
    # The request and its one retry were both cut off.
    assert proxy.outcomes()["failed-dropped"] == 2
    assert "ConnectionClosedError" in line
    proxy.reset()
    assert cli("apply", "--auto-approve", env=env).returncode == 0
    assert differences(account_snapshot(aws, REGIONS), reference) == []


def test_a_hard_failure_with_changes_running_in_parallel_finishes_those_in_flight(
        cli, aws, proxy, write_spec):
    write_spec()
    env = via(proxy)
    reference, addresses, count = reference_run(cli, aws, proxy, env)
    proxy.fail_mutating(count // 3)

    failed = cli("apply", "--auto-approve", env=env)

    check_failed_run(failed, proxy, addresses)
    proxy.reset()
    assert cli("apply", "--auto-approve", env=env).returncode == 0
    assert differences(account_snapshot(aws, REGIONS), reference) == []
