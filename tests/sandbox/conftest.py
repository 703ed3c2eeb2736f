"""The sandbox's own tests: the emulator server of `ecrrep.sandbox`, checked with plain boto3.

Settings are per test: each test starts from the defaults below (aws-like on) on a reset
account with the clock at real time, and changes what it is about with `sandbox.configure`.
Delays pass by moving the sandbox's clock (`sandbox.advance`), never by sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.sandbox import Sandbox


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[str]:
    from ecrrep.sandbox.server import emulator

    with emulator() as url:
        yield url


@pytest.fixture
def sandbox(sandbox_server: str) -> Iterator[Sandbox]:
    """A reset account on the sandbox server, with default settings for this test."""
    from ecrrep.sandbox import settings

    settings.configure(**vars(settings.DEFAULTS))
    box = Sandbox(sandbox_server)
    box.reset()
    yield box
    settings.configure(**vars(settings.DEFAULTS))
