"""The one part of `ecrrep import` that talks to AWS.

It lists the repositories under the prefix and the registry's replication rules, makes a
provisional spec naming everything found, and lets every resource kind `read` what exists under
that spec's names, exactly as `plan` reads. `assemble` then decides the spec, and the plan from
that spec to the account (with --adopt) says what the spec could not express.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action
from ecrrep.importer import replication
from ecrrep.importer.assemble import Note, Registry, residual_notes, spec_dict
from ecrrep.importer.templates import KIND as TEMPLATES_KIND
from ecrrep.spec import naming
from ecrrep.spec.rules import (
    REPOSITORY_NAME_PATTERN,
    matches,
    project_problem,
    region_problem,
    repository_prefix_problem,
)

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext


class ImportError_(Exception):  # noqa: N801 - `ImportError` is Python's own
    """The registry cannot be imported as asked; the message says why, in one line."""


@dataclass
class Imported:
    spec: dict[str, Any]
    notes: list[Note]


def import_registry(ctx: AwsContext, prefix: str, source_region: str,
                    project: str | None = None) -> Imported:
    """Read the registry under `prefix` and return the spec for it, with its notes."""
    from ecrrep.engine.planner import read_state
    from ecrrep.resources import all_kinds
    from ecrrep.resources.shared.ecr_listing import records_under_prefix

    for option, problem in (("--prefix", repository_prefix_problem(prefix)),
                            ("--source-region", region_problem(source_region))):
        if problem is not None:
            raise ImportError_(f"{option}: {problem}; nothing was read")
    account_id = ctx.account_id(source_region)
    # DescribeRegistry: the registry's replication rules (errors: ServerException,
    # InvalidParameterException, ValidationException, all failures here).
    # https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRegistry.html
    with aws_action(f"registry ({source_region})", "DescribeRegistry"):
        registry = ctx.client("ecr", source_region).describe_registry()
    rules = registry.get("replicationConfiguration", {}).get("rules", [])
    regions, notes = replication.destinations(rules, prefix, account_id, source_region)
    if not regions:
        raise ImportError_(f"no replication rule in {source_region} replicates repositories "
                           f"under {prefix}/ to another region of this account; a spec needs "
                           "at least one destination region")
    records = records_under_prefix(ctx, prefix, source_region)
    names, skipped = spec_names(prefix, sorted(records))
    notes += [Note("repositories", f"{name} is not a name the spec can hold (one level under "
                   "the prefix, lowercase letters, digits and . _ -): left out, and left alone")
              for name in skipped]
    if not names:
        raise ImportError_(f"no repository under {prefix}/ in {source_region}")
    project = project or owning_project([r.tags for r in records.values()], prefix)
    provisional = provisional_spec(project, source_region, regions, prefix, names)
    kinds = all_kinds()
    target, current = read_state(ctx, provisional, kinds)
    found = Registry(account_id, project, source_region, regions, prefix, names, current, notes,
                     replicate_deletions=replication.replicates_deletions(rules, prefix,
                                                                          account_id),
                     replicate_to=replication.replicate_to(rules, prefix, account_id, names,
                                                           regions),
                     other_accounts=replication.other_accounts(rules, prefix, account_id))
    found.cleanup_settings, found.cleanup_problem = cleanup_settings(ctx, found)
    spec, notes = spec_dict(found)
    return Imported(spec, notes + still_changed(spec, target, current, project, kinds))


def still_changed(spec: dict[str, Any], target: Any, current: list[Any], project: str,
                  kinds: list[Any]) -> list[Note]:
    """The notes on what `plan --adopt` with the spec would still change in this account."""
    from ecrrep.engine.diff import DiffOptions
    from ecrrep.engine.plan import Plan
    from ecrrep.engine.planner import make_plan

    final = validated(with_stand_in_access(spec))
    if final.templates is None:  # plan then reads no template, and changes none
        current = [r for r in current if r.type != TEMPLATES_KIND]
    plan = make_plan(final, target, current, DiffOptions(project, adopt=True), kinds)
    # Other accounts were not read (the spec does not yet say how to reach them): what the
    # plan wants there is not a difference this import found.
    return residual_notes(Plan([c for c in plan.changes if not c.account]))


def with_stand_in_access(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with a stand-in profile for each destination the user must fill in, so that
    it validates and plans (it is never written, nor used to reach the account)."""
    if not spec.get("destinations"):
        return spec
    return {**spec, "destinations": [{**d, "profile": d["profile"] or "to-fill-in"}
                                     for d in spec["destinations"]]}


def cleanup_settings(ctx: AwsContext, registry: Registry) -> tuple[Any, str]:
    """The cleanup function's deployed settings and why they are missing, when it exists."""
    from ecrrep.importer.function_package import deployed_settings

    name = naming.cleanup_function_name(registry.project)
    if registry.find("lambda_function", name) is None:
        return None, ""
    found = deployed_settings(ctx, name, registry.source_region, registry.prefix)
    return found.config, found.problem


def spec_names(prefix: str, repositories: list[str]) -> tuple[list[str], list[str]]:
    """The names under the prefix a spec can hold, and the repositories it cannot."""
    names, skipped = [], []
    for full in repositories:
        name = full[len(prefix) + 1:]
        (names if matches(REPOSITORY_NAME_PATTERN, name) else skipped).append(
            name if matches(REPOSITORY_NAME_PATTERN, name) else full)
    return names, skipped


def owning_project(tag_sets: list[dict[str, str]], prefix: str) -> str:
    """The project named by the repositories' ownership tags, else one made from the prefix."""
    owners = Counter(tags[naming.OWNERSHIP_TAG] for tags in tag_sets
                     if naming.OWNERSHIP_TAG in tags)
    for owner, _ in owners.most_common():
        if project_problem(owner) is None:
            return owner
    return project_from_prefix(prefix)


def project_from_prefix(prefix: str) -> str:
    """A valid project name (3..32 of a-z 0-9 -) made from the repository prefix."""
    cleaned = "".join(c if c.isascii() and (c.isalnum()) else "-" for c in prefix.lower())
    cleaned = "-".join(part for part in cleaned.split("-") if part)[:32].strip("-")
    return cleaned if len(cleaned) >= 3 else f"{cleaned}-ecr".strip("-")


def provisional_spec(project: str, source_region: str, regions: list[str], prefix: str,
                     names: list[str]) -> Any:
    """A spec naming everything that may exist, so that every kind reads it."""
    from ecrrep.spec.models import Spec

    return Spec.model_validate({
        "project": project, "source_region": source_region, "destination_regions": regions,
        "repository_prefix": prefix, "repositories": [{"name": n} for n in names],
        "notifications": {"enabled": True}, "cleanup": {"enabled": True},
        # A latency threshold and a scanning block, so that the latency alarm and every
        # region's scanning configuration are read (the values themselves are not used).
        "monitoring": {"enabled": True, "replication_latency_seconds": 60},
        "scanning": {"type": "BASIC"},
        # So that the template kind reads the repository creation template on the prefix in
        # every region (DescribeRepositoryCreationTemplates with `prefixes`: only that one;
        # errors ServerException, ValidationException, InvalidParameterException, failures
        # here): https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositoryCreationTemplates.html
        "templates": {},
    })


def validated(spec: dict[str, Any]) -> Any:
    from pydantic import ValidationError

    from ecrrep.spec.models import Spec

    try:
        return Spec.model_validate(spec)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
                             for error in exc.errors())
        raise ImportError_(f"the spec made from this registry would not be valid: {problems}"
                           ) from exc
