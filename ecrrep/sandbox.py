"""The embedded AWS emulator (moto) behind `ecrrep demo` and `ecrrep sandbox`."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from typing import Any

# Dummy credentials: the emulator accepts any, and these can never reach real AWS because
# every call goes to the loopback endpoint.
EMULATOR_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def emulator(port: int = 0) -> Iterator[str]:
    """A moto server on 127.0.0.1, yielding its URL; stopped on exit."""
    import logging

    from moto.server import ThreadedMotoServer

    # The server logs every request; the demo's and the sandbox's own output is what matters.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.stop()


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


def example_spec_text() -> str:
    return files("ecrrep").joinpath("examples/config.example.yaml").read_text()


def run_demo(app: Any) -> None:
    """plan → apply → plan, against a fresh emulator, printing what each step shows."""
    from dataclasses import replace

    from ecrrep import cli

    out = app.console()
    with emulator() as url, emulator_environment(url):
        demo_app = replace(app, endpoint_url=url, profile=None)
        loaded = cli.load_spec_or_exit(demo_app, path="config.example.yaml",
                                       text=example_spec_text())
        _step(out, f"Emulator running at {url}; spec: the seed example (config.example.yaml)")
        from ecrrep.engine import plan_for

        options = cli.diff_options(loaded, False, False)

        def make_plan() -> Any:
            return cli.run_aws(demo_app, lambda aws: plan_for(aws, loaded.spec, options))

        _step(out, "1/3  ecrrep plan")
        first = make_plan()
        from ecrrep.render import render_plan

        render_plan(out, first, cli.kind_titles())
        _step(out, "2/3  ecrrep apply --auto-approve")
        cli.execute_plan(demo_app, first, True, False, False, verb="apply", show_plan=False)
        _step(out, "3/3  ecrrep plan   (a second run has nothing to do)")
        second = make_plan()
        render_plan(out, second, cli.kind_titles())
        if second.has_changes:
            cli.fail("the second plan still has changes: apply did not converge")
        _step(out, "Demo complete: the account matches the spec.")


def _step(out: Any, text: str) -> None:
    from rich.rule import Rule

    out.print()
    out.print(Rule(text, align="left", style="cyan"))


def serve_sandbox(port: int) -> None:
    with emulator(port) as url:
        print("AWS emulator (moto) listening. In another shell:\n")
        print(f"  export AWS_ENDPOINT_URL={url}")
        for key, value in EMULATOR_ENVIRONMENT.items():
            print(f"  export {key}={value}")
        print("\nthen run `ecrrep plan` / `ecrrep apply`. Ctrl-C stops the emulator "
              "(its state is lost).", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nEmulator stopped.")
