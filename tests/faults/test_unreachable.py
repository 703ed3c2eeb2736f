"""An endpoint that cannot be reached, or answers nothing but failures: one readable line, exit
1, no traceback, within the configured retries and timeouts.

A connection that cannot be made to an endpoint that has not answered once in the run is tried
twice, whatever the retry budget (ecrrep.aws.context.FIRST_CONTACT_ATTEMPTS): with the default 10
attempts a closed port is reported in a few seconds, not after botocore's minute of backoff.
Throttling, 5xx and dropped connections keep the full budget (here AWS_MAX_ATTEMPTS=2, checked
call by call).
"""

from __future__ import annotations

import socket
import time
from collections import Counter

import pytest

from tests.support.fault_proxy import identity, via
from tests.support.fault_runs import one_line_error

pytestmark = pytest.mark.e2e

# Two attempts: at most one backoff of up to 1 s, plus connect timeouts that a refused or
# reset connection never reaches. Generous, for a loaded CI machine.
BOUND_SECONDS = 30
# With the default retries: two attempts at a closed port, about a second; was about a minute.
DEFAULT_RETRIES_BOUND_SECONDS = 10


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("command", [["plan"], ["apply", "--auto-approve"],
                                     ["destroy", "--auto-approve"]])
def test_a_closed_port_gives_one_line_and_exit_1_quickly(cli, aws, write_spec, command):
    write_spec()
    endpoint = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()

    result = cli(*command, env={"AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "2"},
                 timeout=BOUND_SECONDS * 2)

    assert time.monotonic() - started < BOUND_SECONDS
    assert result.returncode == 1, result.stdout + result.stderr
    line = one_line_error(result.stderr)
    assert "EndpointUnreachable" in line and endpoint in line, line
    assert result.stdout == ""


@pytest.mark.parametrize("command", [["plan"], ["destroy", "--auto-approve"]])
def test_a_closed_port_with_the_default_retries_is_reported_in_seconds(cli, aws, write_spec,
                                                                        command):
    write_spec()
    endpoint = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()

    result = cli(*command, env={"AWS_ENDPOINT_URL": endpoint}, timeout=BOUND_SECONDS * 4)

    assert time.monotonic() - started < DEFAULT_RETRIES_BOUND_SECONDS
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr == (
        f"Error: GetCallerIdentity caller identity: EndpointUnreachable: Could not connect to "
        f'the endpoint URL: "{endpoint}/"\n')
    assert result.stdout == ""


@pytest.mark.parametrize("fault", ["drop", "server_error", "throttle"])
def test_an_endpoint_failing_every_call_gives_one_line_after_the_retries(
        cli, aws, proxy, write_spec, fault):
    write_spec()
    getattr(proxy, fault)(1.0)

    result = cli("plan", env=via(proxy, AWS_MAX_ATTEMPTS="2"), timeout=BOUND_SECONDS * 2)

    assert result.returncode == 1, result.stdout + result.stderr
    line = one_line_error(result.stderr)
    expected = {"drop": "ConnectionClosedError", "server_error": "InternalFailure",
                "throttle": "Throttling"}[fault]
    assert expected in line, line
    # Each call was tried exactly twice: the retry budget is honoured, not exceeded.
    tries = Counter(identity(call) for call in proxy.snapshot())
    assert set(tries.values()) == {2}, tries
    assert aws.client("iam").list_roles()["Roles"] == []


def test_with_verbose_the_traceback_is_shown_and_the_error_line_still_ends_the_output(
        cli, aws, write_spec):
    write_spec()
    endpoint = f"http://127.0.0.1:{closed_port()}"

    result = cli("-v", "plan", env={"AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "2"},
                 timeout=BOUND_SECONDS * 2)

    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
