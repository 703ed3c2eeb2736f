"""AWS's limits and delays apply only to requests the sandbox's own server answers.

moto's classes are patched for the whole process, and a test process also runs moto in
other ways: the tests' plain moto server, `mock_aws` in-process. Those must keep moto's
behaviour whatever the sandbox's settings say, so each behaviour asks `serving_sandbox()`:
true only on a thread that is answering a request to a server marked by
`answer_as_sandbox(server)`.

`ecrrep.sandbox.server.emulator` calls `answer_as_sandbox(server)` right after
`server.start()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

_local = threading.local()


def install() -> None:
    """Nothing to patch: servers are marked one by one with `answer_as_sandbox`."""


def serving_sandbox() -> bool:
    return getattr(_local, "sandbox", False)


def answer_as_sandbox(server: Any) -> None:
    """Mark a started ThreadedMotoServer: its requests get the sandbox's behaviours."""
    app = server._server.app
    if not getattr(app, "answers_as_sandbox", False):
        server._server.app = _SandboxApp(app)


class _SandboxApp:
    """The server's WSGI application, flagging its requests' threads as the sandbox's."""

    answers_as_sandbox = True

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        _local.sandbox = True
        try:
            return self._app(environ, start_response)
        finally:
            _local.sandbox = False
