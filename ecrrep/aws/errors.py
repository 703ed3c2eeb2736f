"""The AWS error idiom: one exception type of ours, one line per failure, and `except` clauses
that catch only the AWS codes they name.

`aws_action` turns any botocore failure inside a block into an `AwsError` naming the resource;
`aws_error(codes)` is what an `except` catches when an answer like "not found" is expected;
`retry_on` waits out AWS's eventual consistency where botocore does not (throttling and 5xx are
botocore's retry modes).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import botocore.exceptions

from ecrrep.aws import interrupts

T = TypeVar("T")


class AwsError(Exception):
    """An AWS call that failed, as one readable line: action, resource, code and message."""

    def __init__(self, action: str, resource: str, code: str, message: str):
        self.action = action
        self.resource = resource
        self.code = code
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        where = f" {self.resource}" if self.resource else ""
        return f"{self.action}{where}: {self.code}: {self.message}"


def translate_error(exc: BaseException, resource: str = "", action: str = "") -> AwsError:
    """Turn a botocore exception into an AwsError naming what failed."""
    if isinstance(exc, AwsError):
        return exc
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or str(exc.response.get("ResponseMetadata", {}).get(
            "HTTPStatusCode", "Unknown"))
        message = error.get("Message") or str(exc)
        return AwsError(action or exc.operation_name, resource, code, one_line(message))
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return AwsError(action or "Authenticate", resource, "NoCredentials",
                        "no AWS credentials found (set AWS_PROFILE, --profile or the "
                        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables)")
    if isinstance(exc, botocore.exceptions.EndpointConnectionError
                  | botocore.exceptions.ConnectTimeoutError):
        return AwsError(action or "Connect", resource, "EndpointUnreachable", one_line(str(exc)))
    if isinstance(exc, botocore.exceptions.ReadTimeoutError):
        return AwsError(action or "Read", resource, "ReadTimeout", one_line(str(exc)))
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return AwsError(action or "Call", resource, type(exc).__name__, one_line(str(exc)))
    raise TypeError(f"not an AWS error: {exc!r}")


def one_line(text: str) -> str:
    return " ".join(str(text).split())


AWS_EXCEPTIONS = (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError)


@contextmanager
def aws_action(resource: str, action: str = "") -> Iterator[None]:
    """Translate any AWS failure inside the block into an AwsError about `resource`."""
    try:
        yield
    except AwsError:
        raise
    except AWS_EXCEPTIONS as exc:
        raise translate_error(exc, resource, action) from exc


class _NoError(Exception):
    """Never raised: what `aws_error` hands to `except` when the error is not one it names."""


def aws_error(*codes: str) -> type[BaseException]:
    """For `except aws_error("NoSuchEntity", ...):` — catches an AWS error (a botocore
    ClientError or our AwsError) with one of `codes`, and nothing else: any other exception,
    AWS or not, passes on. (amazon.aws's `is_boto3_error_code`: the except clause is
    evaluated while the exception is being handled, so it can look at it.)"""
    exc = sys.exc_info()[1]
    if exc is not None and isinstance(exc, botocore.exceptions.ClientError | AwsError) \
            and error_code(exc) in codes:
        return type(exc)
    return _NoError


def retry_on(
    codes: Iterable[str],
    call: Callable[[], T],
    *,
    what: str,
    timeout_seconds: float = 120.0,
    on_wait: Callable[[str], None] | None = None,
    message_contains: str = "",
    sleep: Callable[[float], None] = interrupts.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call `call`, retrying while AWS answers with one of `codes` (and, if given, a message
    containing `message_contains`), with exponential backoff (1, 2, 4 … 15 s) for at most
    `timeout_seconds`; then the last error is raised.

    For the waits botocore does not do: AWS's eventual consistency after a write (a new IAM
    role is unknown to ECR and Lambda for seconds; Terraform's AWS provider retries these for
    two minutes). Throttling and 5xx stay botocore's. `on_wait` is told once, before the first
    wait, so the user sees why nothing happens.
    """
    codes = frozenset(codes)
    deadline = clock() + timeout_seconds
    delay = 1.0
    told = False
    while True:
        try:
            return call()
        except (botocore.exceptions.ClientError, AwsError) as exc:
            if error_code(exc) not in codes or message_contains not in _message(exc):
                raise
            if clock() + delay > deadline:
                raise
            if on_wait is not None and not told:
                on_wait(f"waiting for {what} ({error_code(exc)}: AWS has not caught up yet; "
                        f"retrying for up to {timeout_seconds:g} s)")
                told = True
            sleep(delay)
            delay = min(delay * 2, 15.0)


def _message(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Message", ""))
    if isinstance(exc, AwsError):
        return exc.message
    return str(exc)


def error_code(exc: BaseException) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code", "")
    if isinstance(exc, AwsError):
        return exc.code
    return ""
