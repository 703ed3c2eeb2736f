"""Service tests run against moto in-process: one fresh account per test. Every test in this
folder carries the `services` marker (`pytest -m services`), new files included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from ecrrep.aws.context import AwsContext
from tests.support.cleanup_account import OURS, SOURCE

HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.services)


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


@pytest.fixture
def ecr(mock_account):
    """The cleanup function's source registry: apps/web and apps/api, tagged ours."""
    client = boto3.client("ecr", region_name=SOURCE)
    for name in ("apps/web", "apps/api"):
        client.create_repository(repositoryName=name, tags=OURS)
    return client
