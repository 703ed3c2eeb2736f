"""Ctrl-C (SIGINT) or SIGTERM during apply: no new change starts, the changes in flight
finish, what was done is printed, the exit code says the run was interrupted (128 + the
signal's number, as shells report it: 130 for SIGINT, 143 for SIGTERM), and the next apply
converges to the account a clean run makes.

The proxy holds every mutating call until the test has seen ecrrep acknowledge the signal,
so the signal always lands while a change is in flight, without any sleep.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

from tests.support.account_snapshot import account_snapshot, differences
from tests.support.fault_proxy import FaultProxy
from tests.support.fault_runs import (
    REGIONS,
    BackgroundRun,
    apply_report,
    clean_run_snapshot,
    planned_addresses,
)
from tests.support.lambda_statement_ids import refuse_duplicate_statement_ids

pytestmark = pytest.mark.e2e

WAIT = 60  # seconds; only reached when something is broken


@pytest.fixture
def proxy(aws, monkeypatch) -> Iterator[FaultProxy]:
    refuse_duplicate_statement_ids(monkeypatch)
    with FaultProxy(aws.endpoint) as running:
        yield running


@pytest.mark.parametrize("signum, parallelism", [
    (signal.SIGINT, "1"), (signal.SIGTERM, "10"), (signal.SIGINT, "10"),
], ids=["SIGINT-one-at-a-time", "SIGTERM-parallel", "SIGINT-parallel"])
def test_a_signal_during_apply_finishes_the_changes_in_flight_and_starts_no_other(
        cli, aws, proxy, write_spec, tmp_path, signum, parallelism):
    write_spec()
    addresses = planned_addresses(cli)
    arrived, release = threading.Event(), threading.Event()

    def hold(_call) -> None:
        arrived.set()
        release.wait(WAIT)

    # The ownership claims come first and pass; the signal lands while a role is in flight.
    proxy.hook(lambda call: call.mutating and call.service == "iam", before=hold)
    env = {**aws.env(), "AWS_ENDPOINT_URL": proxy.url, "ECRREP_PARALLELISM": parallelism}
    run = BackgroundRun(["apply", "--auto-approve"], env, str(tmp_path))

    assert arrived.wait(WAIT), "apply never sent a mutating call"
    os.kill(run.process.pid, signum)
    assert run.acknowledged.wait(WAIT), "".join(run.stderr)
    in_flight = {c.region + c.action + c.text for c in proxy.snapshot()
                 if c.mutating and c.service == "iam"}
    release.set()
    result = run.finish(WAIT)

    output = result.stdout + result.stderr
    assert result.returncode == 128 + signum, output
    assert "Traceback" not in output
    assert f"Received {signal.Signals(signum).name}: finishing the changes in flight" in output
    report = apply_report(result)
    assert report.failed == {}
    assert sorted(report.addresses) == sorted(addresses), output
    assert report.done and report.not_done, output
    # Only the first stages had started: the ownership claims (done before any role), then
    # the roles. Each role started finished whole (with its policy); nothing of any later
    # change reached AWS.
    claims = [a for a in addresses if a.startswith("ownership_claim.")]
    roles = [a for a in addresses if a.startswith("iam_role.")]
    assert claims and set(claims) <= set(report.done), report.done
    assert set(report.done) <= set(claims) | set(roles), report.done
    mutating = [c for c in proxy.snapshot() if c.mutating]
    assert {c.service for c in mutating} == {"ssm", "iam"}
    assert {c.action for c in mutating if c.service == "ssm"} == {"PutParameter"}
    created = {c.text for c in mutating if c.action == "CreateRole"}
    roles_done = [a for a in report.done if a in roles]
    assert len(created) == len(roles_done) >= len(in_flight)
    iam = aws.client("iam")
    for role in iam.list_roles()["Roles"]:
        assert f"iam_role.global.{role['RoleName']}" in report.done
        assert iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    if parallelism == "1":
        assert roles_done == [roles[0]]
    assert "Run `ecrrep apply` again to converge from here." in result.stdout

    proxy.reset()
    again = cli("apply", "--auto-approve")
    assert again.returncode == 0, again.stdout + again.stderr
    assert differences(account_snapshot(aws, REGIONS), clean_run_snapshot(cli, aws)) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_planning_stops_before_any_change(
        cli, aws, proxy, write_spec, tmp_path, signum):
    write_spec()
    arrived, release = threading.Event(), threading.Event()

    def hold(_call) -> None:
        arrived.set()
        release.wait(WAIT)

    proxy.hook(lambda call: call.action == "DescribeRegistry", before=hold)
    env = {**aws.env(), "AWS_ENDPOINT_URL": proxy.url}
    run = BackgroundRun(["apply", "--auto-approve"], env, str(tmp_path))

    assert arrived.wait(WAIT), "apply never read the registry"
    os.kill(run.process.pid, signum)
    release.set()
    result = run.finish(WAIT)

    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert not any(c.mutating for c in proxy.snapshot())
    assert aws.client("iam").list_roles()["Roles"] == []
