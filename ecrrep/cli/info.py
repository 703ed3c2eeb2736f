"""`ecrrep schema`, `permissions` and `output`: what the spec implies, printed for others."""

from __future__ import annotations

import os

import click

from ecrrep.cli.app import (
    DEFAULT_CONFIG_FILES,
    App,
    aws_session,
    emit_json,
    fail,
    global_options,
    load_spec_or_exit,
)
from ecrrep.cli.environment import EnvironmentAwareCommand


@click.command(cls=EnvironmentAwareCommand)
def schema() -> None:
    """Print the JSON Schema of the spec, for editors."""
    from ecrrep.spec.loader import json_schema

    emit_json(json_schema())


def _account_id(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not (len(value) == 12 and value.isdigit()):
        raise click.BadParameter("an AWS account id is 12 digits")
    return value


@click.command(cls=EnvironmentAwareCommand)
@click.option("--command", "commands", multiple=True, metavar="COMMAND",
              # ecrrep.aws.permissions.COMMANDS, written out so `--help` imports nothing heavy
              # (tests/unit/test_permissions.py keeps the two the same).
              type=click.Choice(["plan", "apply", "destroy", "validate-replication",
                                 "backfill", "cleanup", "import", "output"]),
              help="Only what COMMAND needs (repeatable). Default: every command.")
@click.option("--json", "as_json", is_flag=True, help="Print the IAM policy document as JSON.")
@click.option("--account-id", metavar="ID", callback=_account_id,
              help="Put this account id in the ARNs. Default: * (any account).")
@global_options
@click.pass_obj
def permissions(app: App, commands: tuple[str, ...], as_json: bool,
                account_id: str | None) -> None:
    """Print the least-privilege IAM policy for the identity running ecrrep on this spec.

    Resources are scoped to the spec's repositories, roles, topic, alarms, dashboard, function
    and rules wherever AWS allows it; "*" only for actions that have no resource type.
    """
    from ecrrep.aws.permissions import COMMANDS, policy_document, policy_listing

    loaded = load_spec_or_exit(app)
    document = policy_document(loaded.spec, list(commands or COMMANDS), account_id or "*")
    if as_json:
        emit_json(document)
    else:
        click.echo(policy_listing(document))


def complete_output_names(ctx: click.Context, _param: click.Parameter,
                          incomplete: str) -> list[str]:
    """Output names of the spec (`-c`, ECRREP_CONFIG or the default file) for shell completion:
    `<repo>_repository_uri` and the rest. Silent on any problem: completion must not fail."""
    from ecrrep.cli.completion import output_name_candidates

    root = ctx.find_root()
    return output_name_candidates(root.params.get("config") or os.environ.get("ECRREP_CONFIG"),
                                  DEFAULT_CONFIG_FILES, incomplete)


@click.command(cls=EnvironmentAwareCommand)
@click.argument("name", required=False, shell_complete=complete_output_names)
@click.option("--json", "as_json", is_flag=True,
              help="Print one flat JSON object {name: value} (or NAME's value as JSON).")
@global_options
@click.pass_obj
def output(app: App, name: str | None, as_json: bool) -> None:
    """Print the values the Terraform recipe's `terraform output` gave, read from the account.

    With NAME, print that value alone, as `terraform output -raw NAME` does (structured values
    as JSON), for scripts: PROD_REPO=$(ecrrep output production_repository_uri).
    """
    from ecrrep.engine.outputs import output_names, raw_value, read_outputs

    loaded = load_spec_or_exit(app)
    known = output_names(loaded.spec)
    if name is not None and name not in known:
        fail(f"no output named {name!r}; the outputs are: {', '.join(known)}")
    with aws_session(app, loaded.spec) as aws:
        values = read_outputs(aws, loaded.spec)
    if name is None:
        show_outputs(app, values, known, as_json)
        return
    if name not in values:
        fail(f"output {name!r} has no value: what it names does not exist in the account, or "
             "is not owned by this project (run `ecrrep apply`)")
    if as_json:
        emit_json(values[name])
    else:
        click.echo(raw_value(values[name]), nl=False)


def show_outputs(app: App, values: dict[str, object], known: list[str], as_json: bool) -> None:
    from ecrrep.engine.outputs import format_value

    if as_json:
        emit_json(values)
        return
    out = app.console()
    for key, value in values.items():
        out.print(f"{key} = {format_value(value)}", markup=False, highlight=False)
    missing = [k for k in known if k not in values]
    if missing:
        app.console(stderr=True).print(
            f"No value yet (not created, or not owned by this project): "
            f"{', '.join(missing)}", markup=False, style="yellow")
