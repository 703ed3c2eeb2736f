"""The registry's scanning configuration, as the scanning kind read it → the spec's `scanning:`
block, or why it is left out. Pure.

The kind reads it in compared form (`ecrrep.resources.registry_scanning`: a scan type, and
rules as `FREQUENCY: filter, filter`); a rule whose filters are `<prefix>/*` alone is written
without `filters`, the spec's default. A configuration another ecrrep project claims, or one
the spec cannot hold (ECR allows filters the spec's pattern refuses), is left out with a note:
without `scanning:` a spec leaves the registry's configuration as it is.
"""

from __future__ import annotations

from typing import Any

from ecrrep.engine.plan import Resource
from ecrrep.spec.scanning import ScanningSpec, scanning_problems

KIND = "ecr_registry_scanning"


def scanning_entry(attrs: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The `scanning:` block for a configuration in compared form."""
    rules = []
    for text in attrs.get("rules", []):
        frequency, _, listed = text.partition(": ")
        filters = [f for f in listed.split(", ") if f]
        rule: dict[str, Any] = {"frequency": frequency}
        if filters != [f"{prefix}/*"]:
            rule["filters"] = filters
        rules.append(rule)
    return {"type": attrs.get("scan_type", "BASIC"), "rules": rules}


def scanning_section(found: Resource | None, project: str, prefix: str,
                     ) -> tuple[dict[str, Any] | None, list[str]]:
    """The block for the source region's configuration (None: leave it out), and notes."""
    if found is None:
        return None, []
    if found.owner is not None and found.owner != project:
        return None, [f"the registry's scanning configuration is ecrrep project "
                      f"{found.owner!r}'s: left out, and left as it is"]
    entry = scanning_entry(found.attrs, prefix)
    problem = _problem(entry, prefix)
    if problem is not None:
        return None, [f"the registry's scanning configuration has no spec form ({problem}): "
                      "left out, and left as it is"]
    return entry, []


def _problem(entry: dict[str, Any], prefix: str) -> str | None:
    from pydantic import ValidationError

    try:
        ScanningSpec.model_validate(entry)
    except ValidationError as exc:
        return "; ".join(error["msg"] for error in exc.errors())
    errors = [p.message for p in scanning_problems({"scanning": entry,
                                                    "repository_prefix": prefix})
              if p.severity == "error"]
    return "; ".join(errors) or None
