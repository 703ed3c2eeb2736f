"""The one place that builds boto3 clients and counts their calls.

Resource modules receive an `AwsContext` and ask it for clients and for its work pool; nothing
else creates a session. Retries, timeouts and the connection pool are botocore's, configured
here; the AWS error idiom is `ecrrep.aws.errors`, the pool `ecrrep.aws.pool`.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import botocore.exceptions
import botocore.session
from botocore.config import Config

from ecrrep import __version__
from ecrrep.aws import interrupts
from ecrrep.aws.connection import FirstContactRetryLimit
from ecrrep.aws.errors import AwsError, aws_action, one_line
from ecrrep.aws.inflight import CallsInFlight, lane_of
from ecrrep.aws.pool import WorkPool

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
    """Clients per (service, region), shared by threads, at most `parallelism` calls in flight
    per region (`ecrrep.aws.inflight`), and a work pool with room for all regions at once."""

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
        self._turns: dict[Any, threading.Lock] = {}
        self._inflight = CallsInFlight(self.parallelism)
        self._pool = WorkPool(self.parallelism)
        self._account_id: str | None = None
        # Contexts of other accounts (`for_account`): they count their calls here and share
        # this one's pool and in-flight bounds.
        self._root = self
        self._others: dict[str, AwsContext] = {}

    # -- other accounts ----------------------------------------------------------------------

    def add_account(self, account_id: str, session: botocore.session.Session) -> AwsContext:
        """A context acting in another account through `session` (see `ecrrep.aws.accounts`),
        sharing this one's work pool, in-flight bounds and call counts."""
        other = copy.copy(self)
        other._session = session
        other._clients = {}
        other._lock = threading.Lock()
        other._cache, other._cache_locks = {}, {}
        other._account_id = account_id
        other._others = self._others
        with self._lock:
            self._others[account_id] = other
        return other

    def for_account(self, account_id: str) -> AwsContext:
        """The context acting in `account_id`; this one for "" (this account)."""
        if not account_id:
            return self
        with self._lock:
            other = self._others.get(account_id)
        if other is None:
            raise KeyError(f"no session was opened for account {account_id}")
        return other

    @property
    def session(self) -> botocore.session.Session:
        return self._session

    # -- clients -----------------------------------------------------------------------------

    def client_config(self, retries: bool = True) -> Config:
        """Retries are botocore's: the retry mode (standard unless AWS_RETRY_MODE or the
        profile's `retry_mode` says otherwise, e.g. adaptive) and the attempts are the user's
        where they set them; ecrrep only raises the default attempts."""
        if retries:
            # Leaving out "mode" lets botocore read AWS_RETRY_MODE / retry_mode (default
            # standard); https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
            retry: dict[str, Any] = {}
            if self._configured_max_attempts() is None:
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
            # Each client is one region's (or the global services'): its own connections, as
            # many as the calls that region may have in flight.
            max_pool_connections=self.parallelism + 2,
        )

    def _configured_max_attempts(self) -> int | None:
        """AWS_MAX_ATTEMPTS or the profile's max_attempts, if set."""
        try:
            return self._session.get_config_variable("max_attempts")
        except botocore.exceptions.BotoCoreError:  # a missing profile: create_client says so
            return None

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
                # A Ctrl-C noted while this thread held nothing is raised here, before the
                # call takes an in-flight slot (`ecrrep.aws.interrupts`).
                events.register_first("before-call.*.*", lambda **_: interrupts.check())
                self._bound_calls(events, lane_of(service, region))
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
                           one_line(str(exc))) from exc

    def _bound_calls(self, events: Any, lane: str) -> None:
        """Hold each call of this client to its region's bound, and give the pool workers
        for a region it has not seen yet."""
        events.register("before-call.*.*", lambda **_: self._inflight.enter(lane))
        events.register("after-call.*.*", lambda **_: self._inflight.leave(lane))
        events.register("after-call-error.*.*", lambda **_: self._inflight.leave(lane))
        # Parallelism 1 stays one call at a time in all: a serial run, call by call the same.
        if self._inflight.add_lane(lane) and self.parallelism > 1:
            self._pool.grow(self.parallelism * len(self._inflight.lanes()))

    def _count_call(self, model: Any, **_: Any) -> None:
        root = self._root
        with root._stats_lock:
            root._calls[(model.service_model.service_name, model.name)] += 1

    def _count_attempt(self, **_: Any) -> None:
        root = self._root
        with root._stats_lock:
            root._attempts += 1

    def stats(self) -> CallStats:
        root = self._root
        with root._stats_lock:
            return CallStats(Counter(root._calls), root._attempts)

    def resolved_secrets(self) -> list[str]:
        """The secret parts of the credentials in use, so output can be checked against them,
        if a client already resolved them (else none: resolving here could wait on the
        instance metadata service)."""
        with self._lock:
            if not self._clients:
                return []
        try:
            creds = self._session.get_credentials()
            frozen = creds.get_frozen_credentials() if creds is not None else None
        except Exception:  # a broken credential chain is reported by the call that used it
            return []
        own = [s for s in (frozen.secret_key, frozen.token) if s] if frozen else []
        others = list(self._others.values()) if self._root is self else []
        return own + [s for other in others for s in other.resolved_secrets()]

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
        """Run fn over items on the shared work pool (see `WorkPool.map`). An item's region,
        by which the pool spreads items over regions, is its `region` attribute (changes,
        resources, records), a tuple's first element, or a string item itself."""
        return self._pool.map(fn, items, lane=_item_region)

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

    def turn(self, key: Any) -> threading.Lock:
        """The lock this run's threads take turns with on `key`: held around a read, change and
        write of one document several of our changes rewrite (the registry's replication
        configuration, which AWS writes whole, with no version to write against), so that
        one change's write is never made from a read older than another's."""
        root = self._root
        with root._stats_lock:
            return root._turns.setdefault(key, threading.Lock())

    def has_cached(self, key: Any) -> bool:
        with self._lock:
            return key in self._cache

    def forget(self, key: Any) -> None:
        with self._lock:
            self._cache.pop(key, None)

    def close(self) -> None:
        if self._root is self:
            self._pool.close()


def _item_region(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, tuple):
        return item[0] if item and isinstance(item[0], str) else None
    region = getattr(item, "region", None)
    return region if isinstance(region, str) else None
