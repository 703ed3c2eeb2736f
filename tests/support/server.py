"""The test server: one emulator (moto with ecrrep's sandbox behaviours) per test process,
with AWS's limits and delays on, and every action ecrrep calls checked against the actions
it declares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support.action_recorder import record_actions


def allow_aws_replication_rule_count() -> None:
    """AWS's limits on replication rules (ten, not moto's one) for in-process moto tests; the
    sandbox's own behaviour, which the test server has already."""
    from ecrrep.sandbox import replication_rules

    replication_rules.install()


def server_settings() -> Any:
    """The test server's sandbox settings: AWS's limits and delays on, with delays short
    enough for a fast suite yet long enough to be met.

    - A new role stays unknown for 1 s: the call right after CreateRole is refused, so every
      apply that creates a role goes through ecrrep's propagation retry, whose first wait
      (1 s) is then always enough; a longer delay only adds backoff steps to each apply.
    - The tagging index lags 2 s: longer than starting `ecrrep`, so a plan or destroy run
      right after an apply reads a stale index, as on AWS; nothing waits for it (tests that
      need it current move the sandbox clock).
    - Replicas appear on the next request after a push: the replication tests are about
      what is replicated; the sandbox's own tests cover the delay.
    """
    from ecrrep.sandbox.settings import SandboxSettings

    return SandboxSettings(aws_like=True, iam_propagation_seconds=1, tagging_lag_seconds=2,
                           replication_delay_seconds=0)


def restore_server_settings() -> None:
    """Back to the server's settings (a sandbox test of the same process may have changed
    them)."""
    from dataclasses import asdict

    from ecrrep.sandbox import settings

    settings.configure(**asdict(server_settings()))


@contextmanager
def recorded_test_server() -> Iterator[str]:
    """The server's URL while it runs; when it stops, every action ecrrep called must have
    been declared."""
    from ecrrep.sandbox.server import emulator_server, server_url

    with emulator_server(sandbox_settings=server_settings()) as server:
        recorder = record_actions(server)  # every action ecrrep calls must be declared
        yield server_url(server)
    recorder.assert_all_declared()
