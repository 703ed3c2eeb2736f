"""What every command shares: the global options (App), the one-line error, the options
accepted after the command name, loading the spec, the command's AWS session, JSON output.

Imports only click at module level: `ecrrep --help` loads every command module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from ecrrep.aws.context import AwsContext, CallStats
    from ecrrep.spec.loader import LoadedSpec
    from ecrrep.spec.models import Spec

DEFAULT_CONFIG_FILES = ("ecrrep.yaml", "config.yaml")

EXIT_ERROR = 1
EXIT_CHANGES = 2

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class App:
    """Global options, shared by every command."""

    config: str | None
    profile: str | None
    endpoint_url: str | None
    no_color: bool
    verbose: int
    parallelism: int

    def console(self, stderr: bool = False) -> Console:
        from ecrrep.render.console import make_console

        return make_console(stderr=stderr, no_color=self.no_color)

    def config_path(self) -> str:
        if self.config:
            return self.config
        for name in DEFAULT_CONFIG_FILES:
            if Path(name).exists():
                return name
        fail(f"no spec file: neither {' nor '.join(DEFAULT_CONFIG_FILES)} is here "
             "(pass -c FILE or set ECRREP_CONFIG)")


class CommandError(click.ClickException):
    """A failure already explained in one line; exits 1 without a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def fail(message: str) -> NoReturn:
    raise CommandError(message)


def _onto_app(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback that stores a command-level copy of a global option on the App."""

    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        app = ctx.find_object(App)
        if app is not None and value:
            setattr(app, name, app.verbose + value if name == "verbose" else value)
        return value

    return store


def global_options(command: F) -> F:
    """Accept the most used global options after the command name too (`ecrrep plan -v`)."""
    for decorator in (
        click.option("-v", "--verbose", count=True, expose_value=False,
                     callback=_onto_app("verbose"), help="Same as the global -v."),
        click.option("-c", "--config", metavar="FILE", expose_value=False,
                     callback=_onto_app("config"), help="Same as the global -c."),
        click.option("--no-color", is_flag=True, expose_value=False,
                     callback=_onto_app("no_color"), help="Same as the global --no-color."),
    ):
        command = decorator(command)
    return command


def load_spec_or_exit(app: App, path: str | None = None, text: str | None = None) -> LoadedSpec:
    """Load and validate the spec; on errors print every diagnostic and exit 1."""
    from ecrrep.spec.loader import SpecError, load_spec, load_spec_text

    try:
        loaded = load_spec_text(text, path or "spec") if text is not None else load_spec(
            path or app.config_path())
    except SpecError as exc:
        err = app.console(stderr=True)
        for diagnostic in exc.diagnostics:
            err.print(str(diagnostic), markup=False, style="red")
        count = len(exc.diagnostics)
        raise CommandError(f"the spec has {count} error{'s' if count != 1 else ''}; "
                           "nothing was sent to AWS") from exc
    err = app.console(stderr=True)
    for warning in loaded.warnings:
        err.print(str(warning), markup=False, style="yellow")
    return loaded


@contextmanager
def aws_session(app: App, spec: Spec | None = None) -> Iterator[AwsContext]:
    """The command's one AwsContext; with -v its call counts go to stderr at the end. With a
    spec, its destinations in other accounts are reached (and checked) first."""
    from ecrrep.workflows.session import AwsSettings, aws_session, call_stats_line

    def print_stats(stats: CallStats) -> None:
        app.console(stderr=True).print(call_stats_line(stats), markup=False, style="dim")

    settings = AwsSettings(app.profile, app.endpoint_url, app.parallelism)
    with aws_session(settings, on_stats=print_stats if app.verbose else None,
                     show_traceback=app.verbose > 0, spec=spec) as aws:
        yield aws


# Indented JSON is encoded in Python, chunk by chunk; joined into one string, a 5,000-repository
# plan's 50 MB document took 300 MB more at its peak. It is written in pieces of about this
# many characters instead, each cut after a newline, so no value (and no secret the output
# scrubber masks) is ever split between two writes.
JSON_WRITE_CHARS = 1 << 16


def emit_json(document: Any) -> None:
    """The document as indented JSON on stdout, written as it is encoded."""
    out = click.get_text_stream("stdout")
    pending: list[str] = []
    size = 0
    for chunk in json.JSONEncoder(indent=2, default=str).iterencode(document):
        pending.append(chunk)
        size += len(chunk)
        if size >= JSON_WRITE_CHARS and "\n" in chunk:
            text = "".join(pending)
            cut = text.rindex("\n") + 1
            out.write(text[:cut])
            pending, size = [text[cut:]], len(text) - cut
    out.write("".join(pending) + "\n")
    out.flush()
