"""`ecrrep import`: read an existing registry and write a spec for it."""

from __future__ import annotations

from ecrrep.aws.context import AwsContext
from ecrrep.importer import ImportError_, import_registry, spec_yaml
from ecrrep.importer.read import Imported
from ecrrep.workflows import WorkflowError


def import_spec(aws: AwsContext, prefix: str, source_region: str,
                project: str | None) -> tuple[Imported, str]:
    """What was read (the spec's data and the notes), and the spec's YAML text."""
    try:
        imported = import_registry(aws, prefix, source_region, project)
    except ImportError_ as exc:
        raise WorkflowError(str(exc)) from exc
    command = f"ecrrep import --prefix {prefix} --source-region {source_region}"
    return imported, spec_yaml(imported.spec, imported.notes, command)
