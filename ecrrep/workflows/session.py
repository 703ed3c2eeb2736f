"""One AWS context per command: the checks made before any call, AWS errors as one line,
secrets scrubbed from everything printed, and the call counts reported at the end."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecrrep.aws import interrupts
from ecrrep.aws.accounts import AccountAccessError, open_destination_accounts
from ecrrep.aws.connection import credential_variable_problems, endpoint_url_problem
from ecrrep.aws.context import AwsContext, CallStats
from ecrrep.aws.errors import AWS_EXCEPTIONS, AwsError, translate_error
from ecrrep.aws.scrub import register_secret
from ecrrep.resources.shared.other_accounts import dropped_destinations
from ecrrep.workflows import WorkflowError

if TYPE_CHECKING:
    from ecrrep.spec.models import Spec


@dataclass(frozen=True)
class AwsSettings:
    """Where and how to reach AWS: the global options --profile, --endpoint-url and
    --parallelism."""

    profile: str | None
    endpoint_url: str | None
    parallelism: int


def open_context(settings: AwsSettings) -> AwsContext:
    """An AwsContext, once the environment's credentials and endpoint are known to be usable
    (WorkflowError before any call otherwise)."""
    for problem in credential_variable_problems():
        raise WorkflowError(f"{problem}; remove it (nothing was sent to AWS)")
    for source, url in (("--endpoint-url", settings.endpoint_url),
                        ("AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL"))):
        if url and (problem := endpoint_url_problem(url)):
            raise WorkflowError(f"{source} {url}: {problem}")
        if url:
            break
    return AwsContext(settings.profile, settings.endpoint_url, settings.parallelism)


@contextmanager
def aws_session(settings: AwsSettings, on_stats: Callable[[CallStats], None] | None = None,
                show_traceback: bool = False, spec: Spec | None = None) -> Iterator[AwsContext]:
    """The command's AwsContext. An AWS error leaving the block becomes a WorkflowError of one
    line; on the way out the credentials are registered as secrets (so no output shows them),
    the pool is closed, and `on_stats` gets the run's call counts. With a spec, a context for
    each of its destinations' accounts is opened and checked first (`ecrrep.aws.accounts`), and
    of each destination it dropped that we still claim (`dropped_destinations`).
    Ctrl-C is raised only where no lock is held (`ecrrep.aws.interrupts`)."""
    with interrupts.deferred():
        yield from _aws_session(settings, on_stats, show_traceback, spec)


def _aws_session(settings: AwsSettings, on_stats: Callable[[CallStats], None] | None,
                 show_traceback: bool, spec: Spec | None) -> Iterator[AwsContext]:
    aws = open_context(settings)
    try:
        if spec is not None:
            try:
                open_destination_accounts(aws, spec.destinations, spec.source_region)
            except AccountAccessError as exc:
                raise WorkflowError(str(exc)) from exc
            # And those of destinations the spec dropped, as their claims say (planning reads
            # the same cached claims); one out of reach is left alone, never an error.
            dropped_destinations(aws, spec)
        yield aws
    except AWS_EXCEPTIONS + (AwsError,) as exc:
        _register_secrets(aws)
        if show_traceback:
            traceback.print_exc()
        raise WorkflowError(translate_error(exc).line()) from exc
    finally:
        _register_secrets(aws)
        aws.close()
        if on_stats is not None:
            on_stats(aws.stats())


def _register_secrets(aws: AwsContext) -> None:
    for secret in aws.resolved_secrets():
        register_secret(secret)


def call_stats_line(stats: CallStats) -> str:
    """`API calls: N (M mutating; retries R) — ecr 12, sts 1`, as `-v` prints it."""
    services = ", ".join(f"{s} {n}" for s, n in stats.by_service().items()) or "none"
    return (f"API calls: {stats.total} ({stats.mutating} mutating; retries {stats.retries}) "
            f"— {services}")
