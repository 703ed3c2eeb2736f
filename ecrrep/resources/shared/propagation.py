"""Waiting for IAM: a role created seconds ago is not yet known to the services that check it.

IAM answers at once, but a new role reaches ECR and Lambda only after a while, and AWS gives
no upper bound. The calls that check a principal are refused meanwhile:

- ECR SetRepositoryPolicy naming the role: InvalidParameterException "Invalid parameter at
  'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'" or, in
  recent answers, "... 'Principal not found'"
  (https://github.com/hashicorp/terraform-provider-aws/issues/1164,
  https://github.com/hashicorp/terraform-provider-aws/issues/39064);
- Lambda CreateFunction / UpdateFunctionConfiguration with the role: InvalidParameterValueException
  "The role defined for the function cannot be assumed by Lambda."

Terraform's AWS provider retries exactly these for its `propagationTimeout` of two minutes
(internal/service/ecr/repository_policy.go, `RetryWhenIsAErrorMessageContains`; and
internal/service/lambda/function.go, `retryFunctionOp`). We do the same through
`ecrrep.aws.retry_on`, and say on stderr that we wait, once, so a pause is never a mystery.

EventBridge PutTargets needs no such wait: it stores the target's RoleArn without assuming it;
a role not yet usable only delays delivery, which EventBridge retries for up to 24 hours
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from ecrrep.aws import interrupts, retry_on

T = TypeVar("T")

PROPAGATION_TIMEOUT_SECONDS = 120.0


def sleep(seconds: float) -> None:
    """The wait between attempts (tests replace it)."""
    interrupts.sleep(seconds)


def clock() -> float:
    return time.monotonic()


def note(message: str) -> None:
    """Tell the user why nothing happens for a while: one line on stderr."""
    print(f"note: {message}", file=sys.stderr, flush=True)


def after_iam_propagation(
    codes: Iterable[str], call: Callable[[], T], *, what: str, message_contains: str
) -> T:
    """`call`, retried for up to two minutes while AWS refuses it with one of `codes` and a
    message containing `message_contains`: the refusal of a role not yet propagated."""
    return retry_on(codes, call, what=what, message_contains=message_contains,
                    timeout_seconds=PROPAGATION_TIMEOUT_SECONDS, on_wait=note,
                    sleep=lambda seconds: sleep(seconds), clock=lambda: clock())
