"""AWS's limits and delays apply only to requests the sandbox's own server answers.

moto's classes are patched for the whole process, and a test process also runs moto in
other ways: the tests' plain moto server, `mock_aws` in-process. Those must keep moto's
behaviour whatever the sandbox's settings say, so each behaviour asks `serving_sandbox()`:
true only on a thread that is answering a request to a server marked by
`answer_as_sandbox(server)`.

The sandbox's server also answers a few paths of its own that are not AWS API calls but URLs
an AWS answer hands out (a function's code download, see `lambda_code_location`): a behaviour
registers them with `serve_path`, and `request_base_url()` tells it where the server is as the
caller reached it (the request's Host header).

`ecrrep.sandbox.server.emulator` calls `answer_as_sandbox(server)` right after
`server.start()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

_local = threading.local()

# Path prefix → handler(environ) returning (status line, headers, body).
PathHandler = Callable[[dict[str, Any]], tuple[str, list[tuple[str, str]], bytes]]
_paths: dict[str, PathHandler] = {}


def install() -> None:
    """Nothing to patch: servers are marked one by one with `answer_as_sandbox`."""


def serving_sandbox() -> bool:
    return getattr(_local, "sandbox", False)


def request_base_url() -> str:
    """`scheme://host:port` of the sandbox server as the request being answered reached it;
    "" outside a sandbox request."""
    return getattr(_local, "base_url", "")


def serve_path(prefix: str, handler: PathHandler) -> None:
    """Answer requests whose path starts with `prefix` with `handler`, on sandbox servers
    only (idempotent: a later registration of the same prefix replaces the earlier)."""
    _paths[prefix] = handler


def answer_as_sandbox(server: Any) -> None:
    """Mark a started ThreadedMotoServer: its requests get the sandbox's behaviours."""
    app = server._server.app
    if not getattr(app, "answers_as_sandbox", False):
        server._server.app = _SandboxApp(app)


def _base_url(environ: dict[str, Any]) -> str:
    host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"


class _SandboxApp:
    """The server's WSGI application, flagging its requests' threads as the sandbox's and
    answering the paths behaviours registered."""

    answers_as_sandbox = True

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        _local.sandbox = True
        _local.base_url = _base_url(environ)
        try:
            path = environ.get("PATH_INFO", "")
            for prefix, handler in list(_paths.items()):
                if path.startswith(prefix):
                    status, headers, body = handler(environ)
                    start_response(status, headers)
                    return [body]
            return self._app(environ, start_response)
        finally:
            _local.sandbox = False
            _local.base_url = ""
