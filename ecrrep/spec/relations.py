"""Rules that relate several values of a spec, checked on plain data.

The loader runs `spec_problems` on the raw YAML even when some values failed validation, and
`Spec` runs it on a dump of itself, so that a spec built in code obeys the same rules. A value of
the wrong type is skipped here: validation reports it, and a rule built on it would only add a
second, confusing error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecrrep.spec import naming
from ecrrep.spec.accounts import destinations_problems
from ecrrep.spec.kms_keys import kms_region_problems
from ecrrep.spec.limits import limit_problems
from ecrrep.spec.policy_rules import repository_policy_problems
from ecrrep.spec.rules import (
    ECR_REPOSITORY_LENGTH,
    ECR_REPOSITORY_PATTERN,
    Loc,
    Problem,
    did_you_mean,
    matches,
    repository_name_problem,
    repository_prefix_problem,
    shown,
)
from ecrrep.spec.scanning import scanning_problems


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _mappings(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def spec_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every rule that relates several values, checked on plain data (raw YAML or a dump).

    A value of the wrong type is skipped here: validation reports it, and a rule built on it
    would only add a second, confusing error.
    """
    repositories = _mappings(data.get("repositories"))
    regions = _regions(data)
    return [
        *_destination_problems(data),
        *destinations_problems(data),
        *_replicate_to_problems(data, repositories),
        *_repository_name_problems(data, repositories),
        *(
            problem
            for index, repository in repositories
            for problem in _repository_problems(("repositories", index), repository, regions)
        ),
        *_iam_problems(_mapping(data.get("iam")), repositories),
        *limit_problems(data, repositories),
        *_retention_problems(_mapping(data.get("cleanup")), repositories),
        *scanning_problems(data),
    ]


def _destination_problems(data: Mapping[str, Any]) -> list[Problem]:
    source = data.get("source_region")
    destinations = data.get("destination_regions")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, region in enumerate(destinations if isinstance(destinations, list) else []):
        if not isinstance(region, str):
            continue
        loc = ("destination_regions", index)
        if region == source:
            message = f"{shown(region)} is the source_region, not a destination"
            problems.append(Problem(loc, message))
        elif region in seen:
            problems.append(
                Problem(
                    loc,
                    f"duplicate region {shown(region)} (also destination_regions[{seen[region]}])",
                )
            )
        else:
            seen[region] = index
    return problems


def _replicate_to_problems(
    data: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    """A repository's replicate_to names distinct regions of destination_regions: the
    top-level list stays the set of regions the project manages."""
    destinations = data.get("destination_regions")
    if not isinstance(destinations, list):
        return []
    problems: list[Problem] = []
    for index, repository in repositories:
        regions = repository.get("replicate_to")
        seen: dict[str, int] = {}
        for position, region in enumerate(regions if isinstance(regions, list) else []):
            if not isinstance(region, str):
                continue
            loc = ("repositories", index, "replicate_to", position)
            if region not in destinations:
                problems.append(Problem(loc, f"{shown(region)} is not one of destination_regions"
                                        " (add it there first)"))
            elif region in seen:
                problems.append(Problem(loc, f"duplicate region {shown(region)} (also "
                                        f"replicate_to[{seen[region]}])"))
            else:
                seen[region] = position
    return problems


def _repository_name_problems(
    data: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    prefix = data.get("repository_prefix")
    prefix_ok = isinstance(prefix, str) and repository_prefix_problem(prefix) is None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, repository in repositories:
        name = repository.get("name")
        if not isinstance(name, str):
            continue
        loc = ("repositories", index, "name")
        if name in seen:
            problems.append(
                Problem(
                    loc,
                    f"duplicate repository name {shown(name)} (also repositories[{seen[name]}])",
                )
            )
            continue
        seen[name] = index
        if prefix_ok and repository_name_problem(name) is None:
            full = naming.repository_name(prefix, name)
            low, high = ECR_REPOSITORY_LENGTH
            if not matches(ECR_REPOSITORY_PATTERN, full) or not low <= len(full) <= high:
                problems.append(
                    Problem(
                        loc,
                        f"the full repository name {shown(full)} ({len(full)} characters) is not a "
                        f"valid ECR name of {low}..{high} characters",
                    )
                )
    return problems


def _regions(data: Mapping[str, Any]) -> list[str]:
    """The source and destination regions, or none if either is not a list of names."""
    source, destinations = data.get("source_region"), data.get("destination_regions")
    if not isinstance(source, str) or not isinstance(destinations, list):
        return []
    if not all(isinstance(region, str) for region in destinations):
        return []
    return list(dict.fromkeys([source, *destinations]))


def _repository_problems(
    loc: Loc, repository: Mapping[str, Any], regions: list[str]
) -> list[Problem]:
    problems: list[Problem] = []
    encryption = repository.get("encryption", "AES256")
    if encryption == "KMS":
        problems += kms_region_problems((*loc, "kms_key"), repository.get("kms_key"), regions)
    if encryption == "KMS" and repository.get("kms_key") is None:
        problems.append(
            Problem((*loc, "encryption"), "KMS needs kms_key (a KMS key ARN or alias/NAME)")
        )
    if encryption == "AES256" and repository.get("kms_key") is not None:
        problems.append(Problem((*loc, "kms_key"), "only used with encryption: KMS"))
    problems += _tag_mutability_problems(loc, repository)
    access = repository.get("access", "restricted")
    if access == "custom" and repository.get("policy") is None:
        problems.append(
            Problem((*loc, "access"), "custom needs policy (the repository policy document)")
        )
    if access in ("restricted", "open") and repository.get("policy") is not None:
        problems.append(Problem((*loc, "policy"), "only used with access: custom"))
    if access in ("restricted", "open") and repository.get("allow_public") is True:
        problems.append(Problem((*loc, "allow_public"), "only used with access: custom"))
    problems += repository_policy_problems(loc, repository)
    if repository.get("lifecycle") is not None and repository.get("lifecycle_policy") is not None:
        problems.append(
            Problem(
                (*loc, "lifecycle_policy"), "use either lifecycle or lifecycle_policy, not both"
            )
        )
    rules = repository.get("lifecycle")
    if isinstance(rules, list):
        problems += _lifecycle_problems((*loc, "lifecycle"), rules)
    return problems


_WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")


def _tag_mutability_problems(loc: Loc, repository: Mapping[str, Any]) -> list[Problem]:
    """Exclusion filters go with a *_WITH_EXCLUSION mutability, and only with it: ECR takes
    them only there (CreateRepository, PutImageTagMutability), and a filter listed twice
    would read as drift against the set ECR keeps."""
    mutability = repository.get("tag_mutability", "IMMUTABLE")
    exclusions = repository.get("tag_mutability_exclusions")
    if mutability in _WITH_EXCLUSION and exclusions is None:
        return [Problem((*loc, "tag_mutability"), f"{mutability} needs "
                        "tag_mutability_exclusions (the tags it excludes, e.g. [latest, dev-*])")]
    if mutability not in _WITH_EXCLUSION and exclusions is not None:
        return [Problem((*loc, "tag_mutability_exclusions"), "only used with tag_mutability: "
                        "IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")]
    if not isinstance(exclusions, list):
        return []
    return [Problem((*loc, "tag_mutability_exclusions", index), f"{shown(value)} is listed twice")
            for index, value in enumerate(exclusions)
            if isinstance(value, str) and value in exclusions[:index]]


def _archived(rule: Any) -> bool:
    return rule.get("expire_archived_after_days") is not None


_AND_WARNING = (
    "ECR selects an image only if it has a tag matching every one of these {what} "
    "(AND, not OR); write one rule per {one} if you meant OR"
)


# A rule's one count setting: the first two expire, the archive ones are ECR's archive storage
# class (see spec.documents).
_LIFECYCLE_COUNTS = ("keep_last", "expire_after_days", "archive_after_days",
                     "archive_unpulled_days", "expire_archived_after_days")


def _lifecycle_problems(loc: Loc, rules: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    # `any` is last among the rules of its storage class: archived images are only seen by
    # expire_archived_after_days rules (spec.documents), standard ones by the others.
    last = {_archived(rule): index for index, rule in _mappings(rules)}
    for index, rule in _mappings(rules):
        at = (*loc, index)
        select = rule.get("select")
        given = [key for key in _LIFECYCLE_COUNTS if rule.get(key) is not None]
        if not given:
            problems.append(Problem(at, "needs keep_last or expire_after_days"))
        elif len(given) > 1:
            problems.append(
                Problem((*at, given[1]), f"use {given[0]} or {given[1]}, not both")
            )
        prefixes, patterns = rule.get("tag_prefixes"), rule.get("tag_patterns")
        if select in ("untagged", "any"):
            for key, value in (("tag_prefixes", prefixes), ("tag_patterns", patterns)):
                if value is not None:
                    problems.append(Problem((*at, key), "only used with select: tagged"))
        elif select == "tagged":
            if prefixes is None and patterns is None:
                problems.append(
                    Problem((*at, "select"), "tagged needs tag_prefixes or tag_patterns")
                )
            elif prefixes is not None and patterns is not None:
                problems.append(
                    Problem((*at, "tag_patterns"), "use tag_prefixes or tag_patterns, not both")
                )
            for key, what, one in (
                ("tag_prefixes", "prefixes", "prefix"),
                ("tag_patterns", "patterns", "pattern"),
            ):
                value = rule.get(key)
                if isinstance(value, list) and len(value) > 1:
                    message = _AND_WARNING.format(what=what, one=one)
                    problems.append(Problem((*at, key), message, "warning"))
        if select == "any" and index != last[_archived(rule)]:
            problems.append(
                Problem(
                    (*at, "select"),
                    "any must be the last rule (so only one rule may select any)",
                )
            )
    return problems


_ROLES_NEEDED = {
    "restricted": ("production_role_arn", "ci_role_arn"),
    "open": ("ci_role_arn",),
}


def _iam_problems(
    iam: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    create_roles = iam.get("create_roles", True)
    problems: list[Problem] = []
    if create_roles is True:
        for key in ("production_role_arn", "ci_role_arn"):
            if iam.get(key) is not None:
                problems.append(Problem(("iam", key), "only used with create_roles: false"))
    elif create_roles is False:
        for key in ("production_principals", "ci_principals"):
            if iam.get(key):
                problems.append(
                    Problem(
                        ("iam", key),
                        "only used with create_roles: true (these roles may assume the roles "
                        "ecrrep creates)",
                    )
                )
        for index, repository in repositories:
            access = repository.get("access", "restricted")
            missing = [key for key in _ROLES_NEEDED.get(access, ()) if iam.get(key) is None]
            if missing:
                needs = " and ".join(f"iam.{key}" for key in missing)
                problems.append(
                    Problem(
                        ("repositories", index, "access"),
                        f"{access} needs {needs} when iam.create_roles is false",
                    )
                )
    return problems


def _retention_problems(
    cleanup: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    retention = cleanup.get("retention_days")
    if not isinstance(retention, Mapping):
        return []
    names = [r["name"] for _, r in repositories if isinstance(r.get("name"), str)]
    return [
        Problem(
            ("cleanup", "retention_days", key),
            f"no repository named {shown(key)} in this spec{did_you_mean(key, names)}",
        )
        for key in retention
        if key not in names
    ]
