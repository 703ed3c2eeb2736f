"""`ecrrep cleanup`: the cleanup function's own code, run here."""

from __future__ import annotations

import sys

import click

from ecrrep.cli.app import (
    EXIT_ERROR,
    App,
    aws_session,
    emit_json,
    global_options,
    load_spec_or_exit,
)
from ecrrep.cli.environment import EnvironmentAwareCommand


@click.command(cls=EnvironmentAwareCommand)
@click.option("--dry-run", is_flag=True,
              help="List what would be deleted; delete nothing (also the spec's cleanup.dry_run).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@global_options
@click.pass_obj
def cleanup(app: App, dry_run: bool, as_json: bool) -> None:
    """Run the cleanup function's own code here, against the account.

    Deletes, in the source region, the images older than their repository's retention
    (cleanup.retention_days, default 30) unless a tag starts with a protected prefix; never a
    repository's newest image. Publishes the function's metrics (namespace ECRRep) too.
    Exit 1 when an image could not be deleted.
    """
    from ecrrep.render.cleanup import render_cleanup
    from ecrrep.workflows.cleanup import clean_up

    loaded = load_spec_or_exit(app)
    with aws_session(app, loaded.spec) as aws:
        result = clean_up(aws, loaded.spec, dry_run, log_to=sys.stderr if app.verbose else None)
    for skipped in result["skipped"]:
        app.console(stderr=True).print(skipped["message"], markup=False, style="yellow")
    if as_json:
        emit_json(result)
    else:
        render_cleanup(app.console(), result)
    if result["failed"]:
        sys.exit(EXIT_ERROR)
