"""The repository creation template on the prefix, as the template kind read it → the spec's
`templates:` block with only the keys that differ from its defaults, or why it is left out.
Pure.

The kind reads the template of every region in compared form
(`ecrrep.resources.creation_templates.attrs_from_answer`). The block is written from the
source region's template when there is one (only `CREATE_ON_PUSH` puts one there), else from
the first destination region's that has one; what differs in another region is said in the
residual plan. A template another ecrrep project owns, or one the spec cannot hold, is left out
with a note: without `templates:` a spec neither reads nor changes any template.
"""

from __future__ import annotations

from typing import Any

from ecrrep.engine.plan import Resource
from ecrrep.importer.lifecycle import import_lifecycle
from ecrrep.importer.policies import Roles, import_access
from ecrrep.spec.kms_keys import is_multi_region_arn, key_for_region

KIND = "ecr_repository_creation_template"
# What the spec's defaults write (`ecrrep.spec.templates.TemplatesSpec`): left unsaid.
DEFAULTS: dict[str, Any] = {
    "applied_for": ["REPLICATION"], "tag_mutability": "IMMUTABLE", "encryption": "AES256",
    "resource_tags": {}, "access": "restricted", "allow_public": False,
}
# The block's keys in the order the spec documents them.
ORDER = ("applied_for", "tag_mutability", "tag_mutability_exclusions", "encryption", "kms_key",
         "role_arn", "resource_tags", "access", "policy", "allow_public", "lifecycle",
         "lifecycle_policy")


def reference_template(found: dict[str, Resource], regions: list[str]) -> Resource | None:
    """The template the block is written from: the first of `regions` (source first) with
    one."""
    return next((found[region] for region in regions if region in found), None)


def template_kms_key(found: dict[str, Resource]) -> str | dict[str, str] | None:
    """One multi-Region key ARN when every region uses that key (ecrrep gives each region its
    own ARN of it), else each region's key ARN: a template takes key ARNs only."""
    keys = {region: r.attrs["kms_key"] for region, r in found.items() if r.attrs.get("kms_key")}
    if not keys:
        return None
    first = next(iter(keys.values()))
    if is_multi_region_arn(first) and all(key_for_region(first, region) == key
                                          for region, key in keys.items()):
        return first
    return dict(keys)


def template_entry(found: dict[str, Resource], regions: list[str], account_id: str,
                   roles: Roles) -> tuple[dict[str, Any], list[str]]:
    """The `templates:` block (defaults left out) for the templates found per region, and
    notes on what it says differently from the account."""
    reference = reference_template(found, regions)
    assert reference is not None
    attrs = reference.attrs
    mutability = attrs.get("tag_mutability") or "MUTABLE"
    entry: dict[str, Any] = {
        "applied_for": sorted(attrs.get("applied_for") or [], key=_applied_for_order),
        "tag_mutability": mutability,
        "encryption": attrs.get("encryption") or "AES256",
        "resource_tags": dict(sorted((attrs.get("resource_tags") or {}).items())),
    }
    if attrs.get("tag_mutability_exclusions"):
        entry["tag_mutability_exclusions"] = list(attrs["tag_mutability_exclusions"])
    if entry["encryption"] == "KMS" and (key := template_kms_key(found)) is not None:
        entry["kms_key"] = key
    if attrs.get("role_arn"):
        entry["role_arn"] = attrs["role_arn"]
    access, note = import_access(attrs.get("repository_policy"), account_id, roles)
    entry.update(access)
    notes = [f"the template: {note}"] if note else []
    imported = import_lifecycle(attrs.get("lifecycle_policy"))
    entry.update(imported.spec_values())
    notes += [f"the template: {n}" for n in imported.notes]
    return without_defaults(entry), notes


def _applied_for_order(value: str) -> int:
    return ("REPLICATION", "CREATE_ON_PUSH").index(value) if value in (
        "REPLICATION", "CREATE_ON_PUSH") else 2


def without_defaults(entry: dict[str, Any]) -> dict[str, Any]:
    """The keys the spec's defaults would not write, in the spec's order."""
    return {key: entry[key] for key in ORDER
            if key in entry and DEFAULTS.get(key) != entry[key]}


def templates_section(found: dict[str, Resource], regions: list[str], project: str,
                      account_id: str, roles: Roles,
                      ) -> tuple[dict[str, Any] | None, list[str]]:
    """The block for the templates on the prefix in `regions` (source first); None: leave
    it out. `found` maps a region to the template read there."""
    reference = reference_template(found, regions)
    if reference is None:
        return None, []
    if reference.owner is not None and reference.owner != project:
        return None, [f"the repository creation template on the prefix is ecrrep project "
                      f"{reference.owner!r}'s: left out, and left as it is"]
    entry, notes = template_entry(found, regions, account_id, roles)
    return entry, notes


def spec_problem(spec: dict[str, Any]) -> str | None:
    """Why the spec would not be valid, or None."""
    from pydantic import ValidationError

    from ecrrep.spec.models import Spec

    try:
        Spec.model_validate(spec)
    except ValidationError as exc:
        return "; ".join(error["msg"] for error in exc.errors())
    return None
