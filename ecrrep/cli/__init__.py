"""The `ecrrep` command line: parse, call one workflow (ecrrep.workflows), render, exit code.

One module per command group, imported only when its command is asked for (`--help` lists
them all, which imports those modules and nothing heavy: boto3, moto, rich, the resource
kinds load inside the commands that use them).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import click

from ecrrep.cli.app import App, CommandError
from ecrrep.cli.environment import EnvironmentAwareCommand

# Command name → (module, the command's name in it).
COMMAND_MODULES: dict[str, tuple[str, str]] = {
    "plan": ("ecrrep.cli.plan", "plan"),
    "apply": ("ecrrep.cli.plan", "apply"),
    "destroy": ("ecrrep.cli.plan", "destroy"),
    "validate-replication": ("ecrrep.cli.replication", "validate_replication"),
    "backfill": ("ecrrep.cli.backfill", "backfill"),
    "cleanup": ("ecrrep.cli.cleanup", "cleanup"),
    "demo": ("ecrrep.cli.sandbox", "demo"),
    "sandbox": ("ecrrep.cli.sandbox", "sandbox"),
    "schema": ("ecrrep.cli.info", "schema"),
    "permissions": ("ecrrep.cli.info", "permissions"),
    "output": ("ecrrep.cli.info", "output"),
    "import": ("ecrrep.cli.importing", "import_command"),
}


class LazyCommands(MutableMapping[str, click.Command]):
    """The group's commands by name, each imported from its module when first looked up."""

    def __init__(self, table: dict[str, tuple[str, str]]):
        self._table = table
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attribute = self._table[name]
            self._loaded[name] = getattr(importlib.import_module(module), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._table.pop(name, None)
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._table.pop(name, None)
        self._loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._table.keys() | self._loaded.keys()))

    def __len__(self) -> int:
        return len(self._table.keys() | self._loaded.keys())


class EcrrepGroup(click.Group):
    command_class = EnvironmentAwareCommand

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("commands", LazyCommands(dict(COMMAND_MODULES)))
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        from ecrrep.workflows import WorkflowError

        try:
            return super().invoke(ctx)
        except WorkflowError as exc:
            raise CommandError(str(exc)) from exc


@click.group(cls=EcrrepGroup, context_settings={"help_option_names": ["-h", "--help"],
                                                "auto_envvar_prefix": "ECRREP"})
@click.option("-c", "--config", metavar="FILE",
              help="Spec file. Default: ecrrep.yaml, then config.yaml.")
@click.option("--profile", metavar="NAME", help="AWS profile to use (else the standard chain).")
@click.option("--endpoint-url", metavar="URL",
              help="Send every AWS call here, e.g. a local emulator. Else AWS_ENDPOINT_URL.")
@click.option("--no-color", is_flag=True, default=lambda: bool(os.environ.get("NO_COLOR")),
              help="Plain output without colours (also NO_COLOR).")
@click.option("-v", "--verbose", count=True,
              help="Tracebacks on errors, API call counts, images a lifecycle change expires.")
@click.option("--parallelism", type=click.IntRange(1, 64), default=10, show_default=True,
              help="AWS calls in flight at once in each region (IAM counts as one more "
                   "region); 1 runs one call at a time in all.")
@click.version_option(package_name="ecrrep", prog_name="ecrrep")
@click.pass_context
def cli(ctx: click.Context, config: str | None, profile: str | None,
        endpoint_url: str | None, no_color: bool, verbose: int, parallelism: int) -> None:
    """Keep an Amazon ECR registry set up for cross-region replication, from one YAML spec.

    \b
    Typical use:
      ecrrep plan                 show how the account differs from the spec
      ecrrep apply                converge it (asks for "yes" first)
      ecrrep plan --detailed-exitcode   0 in sync, 2 changes pending, 1 error
      ecrrep demo                 the whole life cycle against a local emulator

    Credentials come from the standard AWS chain (--profile, AWS_PROFILE, environment).
    Every global option can also be set as ECRREP_<OPTION>, e.g. ECRREP_CONFIG; a command's
    options as ECRREP_<COMMAND>_<OPTION> (listed in each command's --help, and named on stderr
    when used), except --auto-approve, --force-delete-images, --adopt and --adopt-from, which
    are never read from the environment.
    """
    ctx.obj = App(config, profile, endpoint_url, no_color, verbose, parallelism)


def main() -> None:
    from ecrrep.aws import scrub

    # Before anything is printed: every byte written to stdout and stderr is scrubbed.
    scrub.register_environment_secrets()
    scrub.install(sys)
    cli(prog_name="ecrrep")


if __name__ == "__main__":
    main()
