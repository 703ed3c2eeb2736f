"""Every AWS action ecrrep calls on the test server, checked against the IAM actions it declares
(ecrrep.aws.permissions): a call the declaration lacks would be an AccessDenied for a user who
attached the policy `ecrrep permissions` printed.

A WSGI middleware in front of moto's server app. It records only ecrrep's own requests (their
User-Agent carries ecrrep.aws.context.USER_AGENT; the tests' plain boto3 clients do not), and names
each request's action the way the fault proxy does: X-Amz-Target for JSON protocols, the
`Action=` of query protocols, the REST path matched against botocore's model for Lambda.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ecrrep.aws.context import USER_AGENT
from tests.support.fault_proxy import identify

# SigV4 signing names (as the proxy maps them) to IAM's service prefixes, where they differ.
IAM_PREFIX = {"tagging": "tag"}

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ActionRecorder:
    """Counts `service:Action` of every request ecrrep sends through the wrapped app."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def wrap(self, app: Wsgi) -> Wsgi:
        def recording(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            if USER_AGENT in environ.get("HTTP_USER_AGENT", ""):
                self._record(environ)
            return app(environ, start_response)

        return recording

    def _record(self, environ: dict[str, Any]) -> None:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
        headers = {key[5:].replace("_", "-"): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
        call = identify(environ["REQUEST_METHOD"], path, headers, body)
        with self._lock:
            self.calls[f"{IAM_PREFIX.get(call.service, call.service)}:{call.action}"] += 1

    def undeclared(self) -> list[str]:
        """Recorded actions that `ecrrep permissions` would not grant."""
        from ecrrep.aws.permissions import declared_actions

        with self._lock:
            return sorted(set(self.calls) - declared_actions())

    def assert_all_declared(self) -> None:
        missing = self.undeclared()
        assert not missing, (
            "ecrrep called AWS actions that ecrrep/permissions.py does not declare (a user "
            f"with the policy `ecrrep permissions` prints would be refused them): {missing}")


def record_actions(server: Any) -> ActionRecorder:
    """Put a recorder in front of a started moto ThreadedMotoServer's application."""
    recorder = ActionRecorder()
    server._server.app = recorder.wrap(server._server.app)
    return recorder
