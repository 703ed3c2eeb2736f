"""Rewriting a document AWS writes whole and shared by several writers (a registry's
replication configuration): read it, put ours in, write, read back; again until ours holds.

AWS offers no version to write against, so another writer's change between our read and our
write is lost by our write, or ours by theirs. Reading back after each write finds either case,
and the next round puts ours in again on top of theirs. botocore's own retries would send the
same document again after a throttled or lost answer, undoing a change made in between, so
the write goes through a client that tries once (`AwsContext.client(retries=False)`), and a
transient failure starts a new round, with botocore's backoff.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import botocore.exceptions

from ecrrep.aws import AWS_EXCEPTIONS, AwsError, error_code, interrupts
from ecrrep.aws.context import DEFAULT_MAX_ATTEMPTS

D = TypeVar("D")

# Rounds of read, write, check when other writers keep changing the document.
WRITE_ATTEMPTS = 10
MAX_BACKOFF_SECONDS = 20


@dataclass(frozen=True)
class SharedDocument(Generic[D]):
    """How to read and write one shared document, and what it means for ours to be in it."""

    read: Callable[[], D]
    write: Callable[[D], None]  # raises AwsError, or botocore's error for the engine to name
    with_ours: Callable[[D], D]  # the document as read, with ours put in (or taken out)
    holds_ours: Callable[[D], bool]  # whether a document read back has ours as wanted
    differ: Callable[[D, D], bool]  # whether two documents differ in meaning
    operation: str  # the write's API operation, for the error after WRITE_ATTEMPTS rounds
    what: str  # e.g. "replication configuration (us-east-1)"


def rewrite_until_held(document: SharedDocument[D]) -> None:
    """Read, write ours in, read back; again until ours holds or WRITE_ATTEMPTS rounds have
    passed (then an AwsError asks to run apply again)."""
    failures = 0
    for _ in range(WRITE_ATTEMPTS):
        current = document.read()
        wanted = document.with_ours(current)
        if document.differ(wanted, current):
            try:
                document.write(wanted)
            except AWS_EXCEPTIONS + (AwsError,) as exc:
                failures += 1
                cause = exc.__cause__ if isinstance(exc, AwsError) else exc
                if failures >= _max_attempts() or not _transient(cause):
                    raise
                # botocore's backoff: a random wait of up to 1, 2, 4 ... 20 seconds.
                interrupts.sleep(random.random() * min(2 ** (failures - 1), MAX_BACKOFF_SECONDS))
                continue
        if document.holds_ours(document.read()):
            return
    raise AwsError(document.operation, document.what, "LostUpdate",
                   f"it kept changing under {WRITE_ATTEMPTS} attempts to write it; "
                   "run apply again")


def _max_attempts() -> int:
    """The attempts botocore gives any other call: AWS_MAX_ATTEMPTS, else ecrrep's default."""
    try:
        return max(1, int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS))
    except ValueError:
        return DEFAULT_MAX_ATTEMPTS


_THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "RequestTimeout",
    "RequestTimeoutException", "PriorRequestNotComplete",
})


def _transient(exc: BaseException | None) -> bool:
    """What botocore's standard mode would retry: throttling, 5xx, a lost connection."""
    if isinstance(exc, botocore.exceptions.ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in _THROTTLING_CODES or status >= 500
    return isinstance(exc, botocore.exceptions.ConnectionError
                      | botocore.exceptions.HTTPClientError)
