"""How ecrrep reaches AWS, checked before and during the first calls: an endpoint URL botocore
would refuse with a traceback, credential variables that can never be sent, and an endpoint
that cannot be reached, reported in seconds rather than after a minute of retries."""

from __future__ import annotations

import os
import threading
from typing import Any

import botocore.exceptions

# Attempts at a call whose connection cannot even be made (refused, DNS, connect timeout), as
# long as its endpoint has never answered in this run: an unreachable endpoint is then reported
# in about a second, not after botocore's full budget (about a minute of backoff for 10
# attempts). Once an endpoint has answered, a connection failure is a blip and gets the full
# budget; throttling and 5xx always do.
FIRST_CONTACT_ATTEMPTS = 2


def endpoint_url_problem(url: str) -> str | None:
    """Why botocore would refuse `url` as an endpoint (with a traceback), or None."""
    from urllib.parse import urlsplit

    from botocore.utils import is_valid_endpoint_url

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not is_valid_endpoint_url(url):
        return "not an endpoint URL (expected http://HOST[:PORT] or https://HOST[:PORT])"
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number 0..65535
    except ValueError:
        return "not an endpoint URL (the port is not a number from 0 to 65535)"
    return None


def _unsendable(exc: BaseException | None) -> bool:
    """A request that can never be sent as built (http.client refuses a header value with a
    line break, e.g. a session token copied with its carriage return): trying it again ten
    times only adds a minute of backoff."""
    return isinstance(exc, botocore.exceptions.HTTPClientError) and isinstance(
        getattr(exc, "kwargs", {}).get("error"), ValueError)


def credential_variable_problems(environ: Any = None) -> list[str]:
    """Credential variables holding whitespace or control characters, which AWS never issues
    and which make every request fail (values are never named, only the variables)."""
    environ = os.environ if environ is None else environ
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    return [
        f"{name} holds whitespace or a control character"
        + (" (a carriage return: copied from a file with Windows line endings?)"
           if "\r" in environ[name] else "")
        for name in names
        if environ.get(name) and any(c.isspace() or not c.isprintable() for c in environ[name])
    ]


class FirstContactRetryLimit:
    """A `needs-retry` handler run before botocore's retry handler (on the same event, so
    first; the first non-None answer wins: botocore.endpoint.Endpoint._needs_retry).

    False (no retry, and no later handler's delay) for a request that can never be sent, and for
    a connection that could not be made to an endpoint that never answered in this run once
    FIRST_CONTACT_ATTEMPTS are spent; None (botocore decides) otherwise."""

    def __init__(self) -> None:
        self._answered_hosts: set[str] = set()
        self._lock = threading.Lock()

    def needs_retry(self, endpoint: Any, attempts: int,
                    caught_exception: BaseException | None = None, response: Any = None,
                    **_: Any) -> bool | None:
        host = getattr(endpoint, "host", "")
        if response is not None:
            with self._lock:
                self._answered_hosts.add(host)
            return None
        if _unsendable(caught_exception):
            return False
        unreachable = isinstance(caught_exception, botocore.exceptions.EndpointConnectionError
                                 | botocore.exceptions.ConnectTimeoutError)
        with self._lock:
            answered = host in self._answered_hosts
        if unreachable and not answered and attempts >= FIRST_CONTACT_ATTEMPTS:
            return False
        return None
