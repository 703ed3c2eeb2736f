"""Which connection failures botocore may retry: an endpoint that never answered gets
FIRST_CONTACT_ATTEMPTS, one that answered gets the full budget, an unsendable request none."""

from __future__ import annotations

from types import SimpleNamespace

import botocore.exceptions
import pytest

from ecrrep.aws.connection import FIRST_CONTACT_ATTEMPTS, FirstContactRetryLimit

REFUSED = botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:9/")
ENDPOINT = SimpleNamespace(host="http://127.0.0.1:9")


@pytest.fixture
def ctx() -> FirstContactRetryLimit:
    return FirstContactRetryLimit()


def decide(ctx: FirstContactRetryLimit, attempts: int, **kwargs) -> bool | None:
    return ctx.needs_retry(endpoint=ENDPOINT, attempts=attempts, **kwargs)


def test_an_endpoint_that_never_answered_gets_first_contact_attempts(ctx):
    assert decide(ctx, FIRST_CONTACT_ATTEMPTS - 1, caught_exception=REFUSED) is None
    assert decide(ctx, FIRST_CONTACT_ATTEMPTS, caught_exception=REFUSED) is False


def test_an_endpoint_that_answered_once_gets_botocores_budget(ctx):
    assert decide(ctx, 1, response=({}, {})) is None
    assert decide(ctx, 5, caught_exception=REFUSED) is None


def test_other_failures_are_left_to_botocore(ctx):
    dropped = botocore.exceptions.ConnectionClosedError(endpoint_url="http://x/")
    assert decide(ctx, 5, caught_exception=dropped) is None


def test_a_request_that_cannot_be_sent_is_not_retried(ctx):
    unsendable = botocore.exceptions.HTTPClientError(error=ValueError("Invalid header value"))
    assert decide(ctx, 1, caught_exception=unsendable) is False
