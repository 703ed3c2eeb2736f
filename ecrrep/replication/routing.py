"""Where ECR sends a repository's images, read from a replication configuration's rules.

ECR's semantics (https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html and
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RepositoryFilter.html): a rule
applies to a repository when it has no filter or when one of its PREFIX_MATCH filters starts
the repository's name; a repository matched by several rules replicates to the union of their
destinations. Rules are taken in either form: the API's (`repositoryFilters`) or the plan's
(`repository_filters`, as `resources.replication.rule_attrs` writes them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecrrep.engine.plan import Change

Destination = tuple[str, str]  # (region, registry id)
# The plan types whose changes say where repositories go: `resources.replication`'s rules and
# `resources.repositories`' repositories (named here: engine/ may not import resources/).
RULE_TYPE = "ecr_replication_rule"
REPOSITORY_TYPE = "ecr_repository"


def _filters(rule: Mapping[str, Any]) -> list[Mapping[str, str]]:
    return list(rule.get("repositoryFilters") or rule.get("repository_filters") or [])


def rule_matches(rule: Mapping[str, Any], repository: str) -> bool:
    """Whether ECR replicates `repository` under this rule."""
    filters = _filters(rule)
    if not filters:
        return True
    return any(f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH"
               and repository.startswith(f.get("filter", "")) for f in filters)


def destinations_of(repository: str, rules: Iterable[Mapping[str, Any]]) -> frozenset[Destination]:
    """Every (region, registry id) the repository's images go to under these rules."""
    return frozenset(
        (d.get("region", ""), d.get("registryId", ""))
        for rule in rules if rule_matches(rule, repository)
        for d in rule.get("destinations", []))


def routes(repositories: Iterable[str], rules: Iterable[Mapping[str, Any]],
           ) -> dict[str, frozenset[Destination]]:
    """Each repository's destinations under the same rules."""
    listed = list(rules)
    return {name: destinations_of(name, listed) for name in repositories}


def added_destinations(repositories: Iterable[str], before: Iterable[Mapping[str, Any]],
                       after: Iterable[Mapping[str, Any]]) -> dict[Destination, list[str]]:
    """The destinations each repository gains going from `before` to `after`, by destination:
    (region, registry id) → the repositories newly sent there, sorted."""
    names = list(repositories)
    old, new = routes(names, before), routes(names, after)
    gained: dict[Destination, list[str]] = {}
    for name in sorted(names):
        for destination in sorted(new[name] - old[name]):
            gained.setdefault(destination, []).append(name)
    return gained


def removed_destinations(repositories: Iterable[str], before: Iterable[Mapping[str, Any]],
                         after: Iterable[Mapping[str, Any]]) -> dict[Destination, list[str]]:
    """The destinations each repository loses going from `before` to `after`, by destination."""
    return added_destinations(repositories, after, before)


def plan_rules(changes: Sequence[Change], side: str) -> list[dict[str, Any]]:
    """The replication rules of a plan's rule changes (every one: a registry holds several,
    ours and others') as they are `before` or `after` it."""
    found = [c.before if side == "before" else c.after for c in changes if c.type == RULE_TYPE]
    return [r for r in found if r is not None]
