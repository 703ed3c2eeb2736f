"""The fewest ECR replication rules that send each repository of a spec to its own regions.

Pure: plain names and regions in, rules (in the API's form) and problems out.

ECR replicates a repository under every rule with a PREFIX_MATCH filter starting its name, to
the union of those rules' destinations
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RepositoryFilter.html). So:

- when every repository goes at least to the default regions (the top-level
  `destination_regions`), one rule on `<prefix>/` sends everything under the prefix there,
  repositories absent from the spec included (a CI pipeline's new service), and one rule per
  set of extra regions names the repositories that go further;
- otherwise one rule per distinct set of destinations names its repositories in full.

A filter naming a repository in full also matches every longer name (`p/app` matches
`p/app-v2`): `routing_problems` finds a rule that would send another repository of the spec
somewhere it does not go, and the plan is blocked with its message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecrrep.replication.routing import destinations_of
from ecrrep.spec import naming

# botocore's model of PutReplicationConfiguration: RepositoryFilterList holds 1..100 filters
# (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ReplicationRule.html).
MAX_FILTERS_PER_RULE = 100


@dataclass(frozen=True)
class PlannedRule:
    """One rule we want: its destination regions, its PREFIX_MATCH filter values, and the
    repositories it is meant for (empty for the whole-prefix rule)."""

    regions: tuple[str, ...]
    filters: tuple[str, ...]
    repositories: tuple[str, ...]
    whole_prefix: bool = False

    def api_rule(self, account_id: str, replicate_deletions: bool,
                 other_accounts: Sequence[tuple[str, str]] = ()) -> dict:
        """The rule in the API's form; `other_accounts` ((region, account) pairs) are added to
        its destinations: every repository goes to each destination in another account."""
        rule: dict = {
            "destinations": [{"region": r, "registryId": account_id} for r in self.regions]
            + [{"region": r, "registryId": a} for r, a in other_accounts],
            "repositoryFilters": [{"filter": f, "filterType": "PREFIX_MATCH"}
                                  for f in self.filters],
        }
        if replicate_deletions:
            rule["deleteReplication"] = {"enabled": True}
        return rule


def planned_rules(prefix: str, default: Sequence[str],
                  destinations: Mapping[str, Sequence[str]],
                  other_accounts: bool = False) -> list[PlannedRule]:
    """The rules for `destinations` (full repository name → its regions), given the default
    regions: the whole-prefix rule first, then one per set of regions, in a stable order.
    With `other_accounts` (destinations in other accounts, added to every rule), a repository
    replicating to no region of this account still needs a rule: one with no region here."""
    wanted = set(default)
    if all(wanted <= set(regions) for regions in destinations.values()):
        extras = {name: sorted(set(regions) - wanted) for name, regions in destinations.items()}
        head = [PlannedRule(tuple(default), (f"{prefix}/",), (), whole_prefix=True)]
        return head + _grouped(extras)
    return _grouped({name: sorted(set(regions)) for name, regions in destinations.items()},
                    keep_empty=other_accounts)


def _grouped(destinations: Mapping[str, Sequence[str]],
             keep_empty: bool = False) -> list[PlannedRule]:
    """One rule per non-empty set of regions (the empty one too with `keep_empty`), naming its
    repositories (split in rules of at most MAX_FILTERS_PER_RULE filters)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in sorted(destinations):
        if destinations[name] or keep_empty:
            groups.setdefault(tuple(destinations[name]), []).append(name)
    rules = []
    for regions in sorted(groups):
        names = groups[regions]
        for start in range(0, len(names), MAX_FILTERS_PER_RULE):
            chunk = tuple(names[start:start + MAX_FILTERS_PER_RULE])
            rules.append(PlannedRule(regions, chunk, chunk))
    return rules


def routing_problems(rules: Sequence[PlannedRule],
                     destinations: Mapping[str, Sequence[str]]) -> list[str]:
    """Each repository the rules would send to a region it does not replicate to (a filter
    on a shorter name matching it), as a message; empty when every repository goes exactly
    where it should."""
    api = [rule.api_rule("", False) for rule in rules]
    problems = []
    for name in sorted(destinations):
        routed = {region for region, _ in destinations_of(name, api)}
        extra = sorted(routed - set(destinations[name]))
        if not extra:
            continue
        by = sorted({f for rule in rules if set(extra) & set(rule.regions)
                     for f in rule.filters if name.startswith(f) and f != name})
        problems.append(
            f"repository {name} would also be replicated to {', '.join(extra)}: ECR's "
            f"PREFIX_MATCH filter {', '.join(by)} (a repository going there) matches every "
            f"name starting so; rename one of them, or give them the same replicate_to")
    return problems


def names_our_repositories(rule: dict[str, Any], claimed: set[str], account_id: str,
                           other_accounts: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """Whether a rule is one of ours naming repositories: PREFIX_MATCH filters each under a
    prefix we claim (`<prefix>/...`, longer than the prefix rule's), destinations all in this
    account or among our destinations in other accounts ((region, account) pairs), as
    `strategy` writes them."""
    filters = rule.get("repositoryFilters") or []
    return bool(filters) and all(
        f.get("filterType") == "PREFIX_MATCH"
        and any(f.get("filter", "").startswith(f"{p}/") and f.get("filter") != f"{p}/"
                for p in claimed)
        for f in filters) and all(
        is_our_destination(d, account_id, other_accounts) for d in rule.get("destinations", []))


def is_our_destination(destination: dict[str, Any], account_id: str,
                       other_accounts: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """A destination in this account, or one of the spec's in another account."""
    registry = destination.get("registryId")
    return registry == account_id or (destination.get("region"), registry) in other_accounts


def regions_of(rule: dict[str, Any], account_id: str | None = None) -> tuple[str, ...]:
    """The rule's destination regions (in `account_id` only, when given)."""
    return tuple(sorted({d.get("region", "") for d in rule.get("destinations", [])
                         if account_id is None or d.get("registryId") == account_id}))


def other_accounts(spec: Any) -> tuple[tuple[str, str], ...]:
    """The spec's destinations in other accounts, as (region, account) pairs."""
    return tuple((d.region, d.account_id) for d in getattr(spec, "destinations", ()))


def rule_names(project: str, rules: list[tuple[bool, tuple[str, ...]]]) -> list[str]:
    """Our rules' names in the plan: the project for the whole-prefix rule (as ever), else
    the project and the rule's regions (`proj/eu-west-1+us-west-2`), `#2`... when a set of
    regions needs several rules."""
    names: list[str] = []
    for whole_prefix, regions in rules:
        base = project if whole_prefix else f"{project}/{'+'.join(regions)}"
        name, count = base, 1
        while name in names:
            count += 1
            name = f"{base}#{count}"
        names.append(name)
    return names


def spec_destinations(spec: Any) -> dict[str, list[str]]:
    """Each spec repository's full name → the regions it replicates to."""
    return {naming.repository_name(spec.repository_prefix, r.name): spec.destinations_for(r.name)
            for r in spec.repositories}
