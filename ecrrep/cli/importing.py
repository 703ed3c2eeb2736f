"""`ecrrep import`: a spec for an existing registry."""

from __future__ import annotations

from pathlib import Path

import click

from ecrrep.cli.app import App, aws_session
from ecrrep.cli.environment import EnvironmentAwareCommand


@click.command("import", cls=EnvironmentAwareCommand)
@click.option("--prefix", required=True, metavar="PREFIX",
              help="The repositories to import: those named PREFIX/<name>.")
@click.option("--source-region", required=True, metavar="REGION",
              help="Where images are pushed; the replication rules are read there.")
@click.option("--project", metavar="NAME",
              help="The spec's project. Default: the repositories' ecrrep:project tag, else "
                   "made from the prefix.")
@click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False, writable=True),
              help="Write the spec to FILE instead of standard output.")
@click.pass_obj
def import_command(app: App, prefix: str, source_region: str, project: str | None,
                   output_file: str | None) -> None:
    """Read an existing registry and write a spec for it.

    Repositories with their settings, lifecycle policies as rules where they can be (else as
    lifecycle_policy), repository policies as restricted / open when they are exactly those
    presets (else custom), the replication rule's destinations, and ecrrep's roles, topic,
    alarms and function when they exist under the project's names. What the spec cannot
    express is said in comments. Check the result with `ecrrep plan -c FILE --adopt`.
    """
    from ecrrep.workflows.importing import import_spec

    with aws_session(app) as aws:
        imported, text = import_spec(aws, prefix, source_region, project)
    if output_file:
        Path(output_file).write_text(text)
        app.console(stderr=True).print(
            f"Wrote {output_file}: {len(imported.spec['repositories'])} repositories, "
            f"{len(imported.notes)} note(s). Check it with `ecrrep plan -c {output_file} "
            "--adopt`.", markup=False)
    else:
        click.echo(text, nl=False)
