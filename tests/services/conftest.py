"""Service tests run against moto in-process: one fresh account per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from ecrrep.aws.context import AwsContext


@pytest.fixture
def mock_account(monkeypatch) -> Iterator[None]:
    """An empty in-process account, whatever the developer's environment points at."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def ctx(mock_account) -> Iterator[AwsContext]:
    context = AwsContext()
    yield context
    context.close()
