"""Shared fixtures: a moto server on loopback, the installed `ecrrep` command, plain boto3.

End-to-end tests run `ecrrep` as a user would, in a subprocess pointed at the server with
AWS_ENDPOINT_URL, and check the account with boto3 clients of their own.
"""

from __future__ import annotations

import logging
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
    """moto refuses a replication configuration of more than one rule ("This feature is
    disabled"); AWS allows ten. Tests of rules that other teams own need AWS's behaviour, so
    the server in this process gets AWS's limit."""
    from moto.ecr.exceptions import InvalidParameterException
    from moto.ecr.models import ECRBackend

    def put_replication_configuration(self, replication_config):
        rules = replication_config["rules"]
        if len(rules) > 10:
            raise InvalidParameterException("a replication configuration holds at most 10 rules")
        for rule in rules:
            for dest in rule["destinations"]:
                if dest["region"] == self.region_name and dest["registryId"] == self.account_id:
                    raise InvalidParameterException(
                        "Replication destination cannot be the same as the source registry")
        self.replication_config = replication_config
        return {"replicationConfiguration": replication_config}

    ECRBackend.put_replication_configuration = put_replication_configuration


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One moto server per test process; tests reset its state with `aws`."""
    from moto.server import ThreadedMotoServer

    # One log line per request would drown the report of a failing test.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    allow_aws_replication_rule_count()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    recorder = record_actions(server)  # every action ecrrep calls must be declared
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()
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
        urllib.request.urlopen(request, timeout=10).read()

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
    """A clean account on the shared server."""
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
