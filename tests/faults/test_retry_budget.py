"""The retry budget ecrrep's clients get: 10 attempts per call by default, as the product
contract says, or AWS_MAX_ATTEMPTS when set (which counts the first attempt too); each
retried attempt counted in the stats that `-v` prints.

ecrrep's own AwsContext in this process, through the proxy; botocore's backoff set to zero.
"""

from __future__ import annotations

import botocore.retries.standard
import pytest

from ecrrep.aws import AwsError, aws_action
from ecrrep.aws.context import AwsContext


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch) -> None:
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount",
                        lambda self, context: 0)


@pytest.mark.parametrize("setting, attempts", [(None, 10), ("3", 3), ("1", 1)])
def test_a_call_that_keeps_failing_is_tried_as_often_as_the_budget_says(
        proxy, monkeypatch, setting, attempts):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE0000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    if setting is None:
        monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    else:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", setting)
    proxy.throttle(1.0)
    context = AwsContext(endpoint_url=proxy.url)

    with pytest.raises(AwsError) as caught, aws_action("registry"):
        context.client("ecr", "us-east-1").describe_registry()

    assert caught.value.code == "ThrottlingException"
    assert proxy.count() == attempts
    stats = context.stats()
    assert (stats.total, stats.retries) == (1, attempts - 1)
