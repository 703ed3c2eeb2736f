"""The emulator's server: moto on 127.0.0.1 with the sandbox's AWS behaviours installed."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

    from ecrrep.sandbox.settings import SandboxSettings

# Dummy credentials: the emulator accepts any, and these can never reach real AWS because
# every call goes to the loopback endpoint.
EMULATOR_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def emulator_server(port: int = 0, sandbox_settings: SandboxSettings | None = None
                    ) -> Iterator[ThreadedMotoServer]:
    """A started moto server on 127.0.0.1 with the sandbox's behaviours; stopped on exit.
    `sandbox_settings` replaces the current settings for the process."""
    import logging
    from dataclasses import asdict

    from moto.server import ThreadedMotoServer

    from ecrrep.sandbox import behaviours, request_scope, settings

    behaviours.install()
    if sandbox_settings is not None:
        settings.configure(**asdict(sandbox_settings))

    # The server logs every request; the demo's and the sandbox's own output is what matters.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    request_scope.answer_as_sandbox(server)
    try:
        yield server
    finally:
        server.stop()


def server_url(server: ThreadedMotoServer) -> str:
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


@contextmanager
def emulator(port: int = 0, sandbox_settings: SandboxSettings | None = None) -> Iterator[str]:
    """The emulator's URL, for the duration (see `emulator_server`)."""
    with emulator_server(port, sandbox_settings) as server:
        yield server_url(server)


@contextmanager
def emulator_environment(url: str) -> Iterator[None]:
    """Point boto3 at the emulator for the duration, whatever the user's environment says."""
    wanted = {**EMULATOR_ENVIRONMENT, "AWS_ENDPOINT_URL": url}
    cleared = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
    saved = {k: os.environ.get(k) for k in [*wanted, *cleared]}
    os.environ.update(wanted)
    for key in cleared:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def serve_sandbox(port: int, sandbox_settings: SandboxSettings) -> None:
    with emulator(port, sandbox_settings) as url:
        print("AWS emulator (moto, with ecrrep's sandbox behaviours) listening.")
        for line in sandbox_settings.describe():
            print(f"  {line}")
        print("\nIn another shell:\n")
        print(f"  export AWS_ENDPOINT_URL={url}")
        for key, value in EMULATOR_ENVIRONMENT.items():
            print(f"  export {key}={value}")
        print("\nthen run `ecrrep plan` / `ecrrep apply`. Ctrl-C stops the emulator "
              "(its state is lost).", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nEmulator stopped.")
