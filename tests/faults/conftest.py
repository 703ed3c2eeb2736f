"""The fault-injecting proxy in front of the test's moto server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.account import Aws
from tests.support.fault_proxy import FaultProxy
from tests.support.lambda_statement_ids import refuse_duplicate_statement_ids


@pytest.fixture
def proxy(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A proxy to a clean account; point ecrrep at it with `env=via(proxy)`. The emulator
    answers a repeated call the way AWS does (see aws_like)."""
    refuse_duplicate_statement_ids(monkeypatch)
    with FaultProxy(aws.endpoint) as running:
        yield running
