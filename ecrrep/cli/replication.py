"""`ecrrep validate-replication`: is every image everywhere, with the same settings?"""

from __future__ import annotations

import sys

import click

from ecrrep.cli.app import (
    EXIT_CHANGES,
    App,
    aws_session,
    emit_json,
    global_options,
    load_spec_or_exit,
)
from ecrrep.cli.environment import EnvironmentAwareCommand


@click.command("validate-replication", cls=EnvironmentAwareCommand)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.option("--format", "output_format", default="table", show_default=True,
              type=click.Choice(["table", "json", "markdown", "junit"]),
              help="markdown: for a pull-request comment; junit: a test report for CI.")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Check again until every image has arrived everywhere, for at most SECONDS.")
@click.option("--grace", "grace_minutes", type=click.FloatRange(min=0), default=30,
              show_default=True, metavar="MINUTES",
              help="Missing images pushed more recently than this count as in flight.")
@click.option("--publish-metrics", is_flag=True,
              help="Publish ReplicationFailureRate and ReplicationLatencySeconds (p95) per "
                   "destination region (namespace ECRRep).")
@global_options
@click.pass_obj
def validate_replication(app: App, as_json: bool, output_format: str, wait_seconds: float,
                         grace_minutes: float, publish_metrics: bool) -> None:
    """Check that every destination region holds the source's images and settings.

    Exit 0 when healthy (images still in flight alone are healthy), 2 on gaps or settings
    drift, 1 on errors.
    """
    from ecrrep.render.validation import render_validation
    from ecrrep.workflows.validate import validate_replication

    loaded = load_spec_or_exit(app)
    with aws_session(app, loaded.spec) as aws:
        report = validate_replication(aws, loaded.spec, grace_minutes, app.console(stderr=True),
                                      wait_seconds, publish_metrics)
    if as_json or output_format == "json":
        emit_json(report.to_json())
    elif output_format in ("markdown", "junit"):
        from ecrrep.render.junit import validation_junit
        from ecrrep.render.markdown import validation_markdown

        render = validation_markdown if output_format == "markdown" else validation_junit
        click.echo(render(report), nl=False)
    else:
        from ecrrep.render.lag import replication_bars

        app.console().print(replication_bars(report))
        render_validation(app.console(), report)
    if not report.healthy:
        sys.exit(EXIT_CHANGES)
