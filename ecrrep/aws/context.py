"""The one place that builds boto3 clients, counts calls and turns AWS errors into one line.

Resource modules receive an `AwsContext` and ask it for clients; nothing else creates a
session. Retries, timeouts and the connection pool are botocore's, configured here.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.exceptions
import botocore.session
from botocore.config import Config

from ecrrep import __version__
from ecrrep.aws.connection import FirstContactRetryLimit

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_ATTEMPTS = 10
CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
DEFAULT_PARALLELISM = 10
USER_AGENT = f"ecrrep/{__version__}"

# Operations that change the account; used to tell reads from writes in call counts.
_MUTATING_PREFIXES = (
    "Create", "Put", "Delete", "Update", "Tag", "Untag", "Set", "Attach", "Detach",
    "Add", "Remove", "Subscribe", "Unsubscribe", "BatchDelete", "Publish",
    "Start", "Stop", "Enable", "Disable", "Invoke", "Replace",
)


def is_mutating(operation: str) -> bool:
    return operation.startswith(_MUTATING_PREFIXES)


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
        return AwsError(action or exc.operation_name, resource, code, _one_line(message))
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return AwsError(action or "Authenticate", resource, "NoCredentials",
                        "no AWS credentials found (set AWS_PROFILE, --profile or the "
                        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables)")
    if isinstance(exc, botocore.exceptions.EndpointConnectionError
                  | botocore.exceptions.ConnectTimeoutError):
        return AwsError(action or "Connect", resource, "EndpointUnreachable", _one_line(str(exc)))
    if isinstance(exc, botocore.exceptions.ReadTimeoutError):
        return AwsError(action or "Read", resource, "ReadTimeout", _one_line(str(exc)))
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return AwsError(action or "Call", resource, type(exc).__name__, _one_line(str(exc)))
    raise TypeError(f"not an AWS error: {exc!r}")


def _one_line(text: str) -> str:
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
    sleep: Callable[[float], None] = time.sleep,
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


@dataclass
class CallStats:
    """API calls made, by service and operation, and the attempts botocore retried."""

    calls: Counter
    attempts: int = 0

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def mutating(self) -> int:
        return sum(n for (_, op), n in self.calls.items() if is_mutating(op))

    @property
    def retries(self) -> int:
        return max(0, self.attempts - self.total)

    def by_service(self) -> dict[str, int]:
        out: Counter = Counter()
        for (service, _), n in self.calls.items():
            out[service] += n
        return dict(sorted(out.items()))


class AwsContext:
    """Clients per (service, region), shared by threads, plus a bounded worker pool."""

    def __init__(
        self,
        profile: str | None = None,
        endpoint_url: str | None = None,
        parallelism: int = DEFAULT_PARALLELISM,
    ):
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.parallelism = max(1, parallelism)
        # botocore's own session: boto3 would add only its resource layer, and ~0.1 s of
        # imports to every run.
        self._session = botocore.session.Session(profile=profile)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        # Counting has its own lock: a call finishing must not wait for a client being built.
        self._stats_lock = threading.Lock()
        self._calls: Counter = Counter()
        self._attempts = 0
        self._retry_limit = FirstContactRetryLimit()
        self._cache: dict[Any, Any] = {}
        self._cache_locks: dict[Any, threading.Lock] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._account_id: str | None = None

    # -- clients -----------------------------------------------------------------------------

    def client_config(self, retries: bool = True) -> Config:
        if retries:
            retry: dict[str, Any] = {"mode": os.environ.get("AWS_RETRY_MODE", "standard")}
            if not os.environ.get("AWS_MAX_ATTEMPTS"):
                # total_max_attempts counts the first attempt, as AWS_MAX_ATTEMPTS does;
                # botocore's max_attempts would count retries only (11 attempts in all).
                retry["total_max_attempts"] = DEFAULT_MAX_ATTEMPTS
        else:
            # One attempt, whatever AWS_MAX_ATTEMPTS says: for probing an API that may not
            # exist at this endpoint without paying for the full retry budget.
            retry = {"mode": "standard", "total_max_attempts": 1}
        return Config(
            # Names ecrrep in AWS's records of each call (CloudTrail's userAgent), and lets the
            # test suite tell ecrrep's calls from its own.
            user_agent_extra=USER_AGENT,
            retries=retry,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            max_pool_connections=self.parallelism + 2,
        )

    def client(self, service: str, region: str, retries: bool = True) -> Any:
        """The shared client for (service, region); `retries=False` gives a separate one
        that tries each call once."""
        key = (service, region) if retries else (service, region, "no-retries")
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._create_client(service, region, retries)
                events = client.meta.events
                # On the event botocore's retry handler listens to, and before it: handlers
                # of a more specific event name run first, and the first answer wins.
                service_event = client.meta.service_model.service_id.hyphenize()
                events.register_first(f"needs-retry.{service_event}",
                                      self._retry_limit.needs_retry)
                events.register("before-call.*.*", self._count_call)
                events.register("before-send.*.*", self._count_attempt)
                self._clients[key] = client
            return client

    def _create_client(self, service: str, region: str, retries: bool) -> Any:
        try:
            return self._session.create_client(
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                config=self.client_config(retries),
            )
        except ValueError as exc:
            # botocore's "Invalid endpoint: URL" (from --endpoint-url or AWS_ENDPOINT_URL*).
            raise AwsError("Connect", f"{service} ({region})", "InvalidEndpoint",
                           _one_line(str(exc))) from exc

    def _count_call(self, model: Any, **_: Any) -> None:
        with self._stats_lock:
            self._calls[(model.service_model.service_name, model.name)] += 1

    def _count_attempt(self, **_: Any) -> None:
        with self._stats_lock:
            self._attempts += 1

    def stats(self) -> CallStats:
        with self._stats_lock:
            return CallStats(Counter(self._calls), self._attempts)

    def credentials_secrets(self) -> list[str]:
        """The secret parts of the credentials in use, so output can be checked against them."""
        creds = self._session.get_credentials()
        if creds is None:
            return []
        frozen = creds.get_frozen_credentials()
        return [s for s in (frozen.secret_key, frozen.token) if s]

    def resolved_secrets(self) -> list[str]:
        """The credentials' secrets if a client already resolved them (else none: resolving
        here could wait on the instance metadata service)."""
        with self._lock:
            if not self._clients:
                return []
        try:
            return self.credentials_secrets()
        except Exception:  # a broken credential chain is reported by the call that used it
            return []

    # -- account ----------------------------------------------------------------------------

    def account_id(self, region: str) -> str:
        with self._lock:
            if self._account_id is not None:
                return self._account_id
        with aws_action("caller identity", "GetCallerIdentity"):
            identity = self.client("sts", region).get_caller_identity()
        with self._lock:
            self._account_id = identity["Account"]
            return self._account_id

    # -- concurrency and shared reads --------------------------------------------------------

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Run fn over items on the shared pool of `parallelism` workers; results in input
        order, first error raised (after an error no new item starts).

        A map called from inside a pool worker (a kind reading its repositories while the
        engine reads every kind at once) is run by that worker itself, helped by whichever
        workers are idle: no worker ever waits for an item that no thread is running, so the
        bounded pool cannot deadlock on itself, and at most `parallelism` items run at once.
        """
        items = list(items)
        if len(items) <= 1 or self.parallelism == 1:
            return [fn(item) for item in items]
        batch = _Batch(fn, items)
        pool = self._worker_pool()
        inside = _in_pool_worker()
        for _ in range(min(len(items), self.parallelism) - (1 if inside else 0)):
            pool.submit(batch.drain)
        if inside:
            batch.drain()
        return batch.results()

    def _worker_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.parallelism, thread_name_prefix=_POOL_THREAD_PREFIX
                )
            return self._pool

    def cached(self, key: Any, compute: Callable[[], T]) -> T:
        """Compute a shared read once per run, even when several threads ask at once."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            lock = self._cache_locks.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            value = compute()
            with self._lock:
                self._cache[key] = value
            return value

    def has_cached(self, key: Any) -> bool:
        with self._lock:
            return key in self._cache

    def forget(self, key: Any) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


_POOL_THREAD_PREFIX = "ecrrep-pool"


def _in_pool_worker() -> bool:
    return threading.current_thread().name.startswith(_POOL_THREAD_PREFIX)


class _Batch:
    """The items of one `AwsContext.map`: each thread that calls `drain` takes the next item
    not yet started, until none is left; `results` waits for the items being run."""

    def __init__(self, fn: Callable[[Any], Any], items: list[Any]):
        self._fn = fn
        self._items = items
        self._results: list[Any] = [None] * len(items)
        self._errors: dict[int, BaseException] = {}
        self._next = 0
        self._running = 0
        self._cancelled = False
        self._cond = threading.Condition()

    def _take(self) -> int | None:
        with self._cond:
            if self._errors or self._cancelled or self._next >= len(self._items):
                return None
            index = self._next
            self._next += 1
            self._running += 1
            return index

    def _settle(self, index: int, result: Any = None, error: BaseException | None = None) -> None:
        with self._cond:
            if error is not None:
                self._errors[index] = error
            else:
                self._results[index] = result
            self._running -= 1
            self._cond.notify_all()

    def drain(self) -> None:
        while (index := self._take()) is not None:
            try:
                result = self._fn(self._items[index])
            except BaseException as exc:  # handed to the thread waiting in results()
                self._settle(index, error=exc)
                return
            self._settle(index, result)

    def _settled(self) -> bool:
        nothing_left = self._errors or self._cancelled or self._next >= len(self._items)
        return bool(nothing_left) and self._running == 0

    def results(self) -> list[Any]:
        try:
            with self._cond:
                self._cond.wait_for(self._settled)
        except BaseException:
            # Interrupted (Ctrl-C): start nothing more; the items in flight finish on their own.
            with self._cond:
                self._cancelled = True
            raise
        if self._errors:
            raise self._errors[min(self._errors)]
        return self._results


def paginate(client: Any, operation: str, result_key: str, **params: Any) -> list[Any]:
    """Every item of a paginated listing, using botocore's paginator for the operation."""
    paginator = client.get_paginator(operation)
    items: list[Any] = []
    for page in paginator.paginate(**params):
        items.extend(page.get(result_key, []))
    return items
