"""`ecrrep backfill`: copy the images the source already holds to the project's destinations."""

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

DEFAULT_WAIT_SECONDS = 1800.0


@click.command("backfill", cls=EnvironmentAwareCommand)
@click.option("--region", metavar="REGION",
              help="Only this destination region (default: every destination).")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=0,
              is_flag=False, flag_value=DEFAULT_WAIT_SECONDS, metavar="[SECONDS]",
              help="Wait until the backfills have ended, for at most SECONDS "
                   f"(--wait alone: {DEFAULT_WAIT_SECONDS:.0f}).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@global_options
@click.pass_obj
def backfill(app: App, region: str | None, wait_seconds: float, as_json: bool) -> None:
    """Start ECR's replication backfill: the images pushed before a rule sent them somewhere
    are copied to each destination (apply starts one by itself when it adds a destination).

    Exit 0 when every backfill started (or one was already running) and, with --wait, ended
    having copied everything; 1 otherwise, listing what was not copied.
    """
    from ecrrep.render.backfill import render_starts, render_states, wait_line
    from ecrrep.workflows.backfill import start_for_project, wait_for_backfills

    loaded = load_spec_or_exit(app)
    err = app.console(stderr=True)
    states = []
    with aws_session(app, loaded.spec) as aws:
        starts = start_for_project(aws, loaded.spec, region)
        ids = [s.id for s in starts if s.id]
        if wait_seconds > 0 and ids:
            states = wait_for_backfills(
                aws, loaded.spec.source_region, ids, wait_seconds,
                on_poll=lambda found, left: err.print(wait_line(found, left), markup=False))
    if as_json:
        emit_json({"started": [s.to_json() for s in starts],
                   **({"backfills": [s.to_json() for s in states]} if states else {})})
    else:
        render_starts(app.console(), starts)
        render_states(app.console(), states)
    failed = any(s.failed for s in starts) or any(
        s.running or not s.healthy for s in states)
    if failed:
        sys.exit(EXIT_ERROR)
