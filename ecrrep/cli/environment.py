"""Command options read from the environment: said in --help and on stderr when used.

click's `auto_envvar_prefix` lets every option of every command come from
ECRREP_<COMMAND>_<OPTION>. That is handy for `--json` in CI and dangerous for a destructive
flag, so those opt out (`allow_from_autoenv=False`, in ecrrep.cli) and the rest are made
visible here.
"""

from __future__ import annotations

from typing import Any

import click


class EnvironmentAwareCommand(click.Command):
    """A command whose options read from the environment (ECRREP_<COMMAND>_<OPTION>, click's
    automatic variables) say so: in --help, and on stderr when a run uses one. Destructive
    flags opt out of the environment altogether (`allow_from_autoenv=False`)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, click.Option) and param.allow_from_autoenv:
                param.show_envvar = True

    def invoke(self, ctx: click.Context) -> Any:
        announce_environment_options(ctx)
        return super().invoke(ctx)


def announce_environment_options(ctx: click.Context) -> None:
    """`using --json from ECRREP_PLAN_AS_JSON` for each option the environment set, and a note
    for each variable that names a flag never read from it (so it is not thought obeyed)."""
    import os

    from click.core import ParameterSource

    for param in ctx.command.params:
        if not isinstance(param, click.Option) or not param.name or not ctx.auto_envvar_prefix:
            continue
        # click's own naming of the automatic variable (click.core.Option.resolve_envvar_value).
        envvar = param.envvar or f"{ctx.auto_envvar_prefix}_{param.name.upper()}"
        if ctx.get_parameter_source(param.name) is ParameterSource.ENVIRONMENT:
            click.echo(f"using {param.opts[-1]} from {envvar}", err=True)
        elif not param.allow_from_autoenv and os.environ.get(envvar):
            click.echo(f"ignoring {envvar}: {param.opts[-1]} is never read from the "
                       "environment", err=True)
