"""Shared fixtures: a moto server on loopback, the installed `ecrrep` command, plain boto3.

End-to-end tests run `ecrrep` as a user would, in a subprocess pointed at the server with
AWS_ENDPOINT_URL, and check the account with boto3 clients of their own. What the fixtures are
built from lives in tests/support.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.account import Aws
from tests.support.cli_runner import Cli
from tests.support.server import recorded_test_server, restore_server_settings
from tests.support.specs import example_spec


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One emulator server (moto with ecrrep's sandbox behaviours) per test process; tests
    reset its state with `aws`."""
    with recorded_test_server() as url:
        yield url


@pytest.fixture
def aws(moto_server: str) -> Aws:
    """A clean account on the shared server, with the server's settings (a sandbox test of
    the same process may have changed them)."""
    restore_server_settings()
    account = Aws(moto_server)
    account.reset()
    return account


@pytest.fixture
def cli(aws: Aws, tmp_path: Path) -> Cli:
    """Runs the installed `ecrrep` in tmp_path against the test server."""
    return Cli(aws, tmp_path)


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
