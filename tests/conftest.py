"""Shared fixtures: a moto server on loopback, the installed `ecrrep` command, plain boto3.

End-to-end tests run `ecrrep` as a user would, in a subprocess pointed at the server with
AWS_ENDPOINT_URL, and check the account with boto3 clients of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.support.action_recorder import record_actions

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SPEC = REPO_ROOT / "ecrrep" / "examples" / "config.example.yaml"
ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0000",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-never-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
}


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


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One emulator server (moto with ecrrep's sandbox behaviours) per test process; tests
    reset its state with `aws`."""
    from ecrrep.sandbox.server import emulator_server, server_url

    with emulator_server(sandbox_settings=server_settings()) as server:
        recorder = record_actions(server)  # every action ecrrep calls must be declared
        yield server_url(server)
    recorder.assert_all_declared()


@dataclass
class Aws:
    """Plain boto3 against the test server, to check the account independently of ecrrep."""

    endpoint: str

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        # A reset rebuilds every backend: on a loaded machine it can take longer than a call.
        urllib.request.urlopen(request, timeout=60).read()

    def env(self) -> dict[str, str]:
        """The environment a user would set to point ecrrep at this server."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "ECRREP_")) and k != "NO_COLOR"}
        env.update(FAKE_CREDENTIALS)
        env["AWS_ENDPOINT_URL"] = self.endpoint
        env["COLUMNS"] = "200"
        return env


@pytest.fixture
def aws(moto_server: str) -> Aws:
    """A clean account on the shared server, with the server's settings (a sandbox test of
    the same process may have changed them)."""
    from dataclasses import asdict

    from ecrrep.sandbox import settings

    settings.configure(**asdict(server_settings()))
    account = Aws(moto_server)
    account.reset()
    return account


def ecrrep_command() -> list[str]:
    """The installed console script, as a user runs it."""
    found = shutil.which("ecrrep")
    if found:
        return [found]
    return [sys.executable, "-m", "ecrrep"]


@dataclass
class Cli:
    aws: Aws
    workdir: Path

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = 180) -> subprocess.CompletedProcess[str]:
        full_env = self.aws.env()
        full_env.update(env or {})
        return subprocess.run(
            [*ecrrep_command(), *args],
            cwd=self.workdir,
            env=full_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture
def cli(aws: Aws, tmp_path: Path) -> Cli:
    """Runs the installed `ecrrep` in tmp_path against the test server."""
    return Cli(aws, tmp_path)


def example_spec() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE_SPEC.read_text())


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write a spec to tmp_path/ecrrep.yaml: the example, changed by `edit`, or given text."""

    def write(edit: Callable[[dict[str, Any]], None] | None = None, text: str | None = None,
              name: str = "ecrrep.yaml") -> Path:
        path = tmp_path / name
        if text is None:
            spec = example_spec()
            if edit:
                edit(spec)
            text = yaml.safe_dump(spec, sort_keys=False)
        path.write_text(text)
        return path

    return write
