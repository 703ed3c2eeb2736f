"""AWS's limits and delays apply only to requests the sandbox's own server answers.

moto's classes are patched for the whole process, and a test process also runs moto in
other ways: the tests' plain moto server, `mock_aws` in-process. Those must keep moto's
behaviour whatever the sandbox's settings say, so each behaviour asks `serving_sandbox()`:
true only on a thread that is answering a request to a server marked by
`answer_as_sandbox(server)`.

`ecrrep.sandbox.server.emulator` should call `answer_as_sandbox(server)` right after
`server.start()`. Until it does, `install()` marks every ThreadedMotoServer started from
within that module (found by looking up the call stack), which is what `emulator` does.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable
from typing import Any

from ecrrep.sandbox.patching import wrap_method

SERVER_MODULE = "ecrrep.sandbox.server"
_local = threading.local()


def install() -> None:
    from moto.server import ThreadedMotoServer

    wrap_method(ThreadedMotoServer, "start", _mark_sandbox_servers)


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


def _mark_sandbox_servers(original: Any, server: Any) -> None:
    original(server)
    if _called_from(SERVER_MODULE):
        answer_as_sandbox(server)


def _called_from(module: str) -> bool:
    frame = inspect.currentframe()
    while frame is not None:
        if frame.f_globals.get("__name__") == module:
            return True
        frame = frame.f_back
    return False
