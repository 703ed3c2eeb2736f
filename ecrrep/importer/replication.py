"""The registry's replication rules → the spec's destination regions, and notes on the rules
the spec does not own. Pure.

ECR's rules: https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html — a
registry holds at most 10 rules; a rule with no filter replicates every repository, a
PREFIX_MATCH filter the repositories whose names start with it.
"""

from __future__ import annotations

from typing import Any

from ecrrep.importer.assemble import Note
from ecrrep.replication.routing import destinations_of
from ecrrep.replication.strategy import names_our_repositories


def is_prefix_rule(rule: dict[str, Any], prefix: str) -> bool:
    """The rule ecrrep writes for this prefix: PREFIX_MATCH on the prefix, with or without the
    trailing slash (older versions wrote it bare)."""
    filters = rule.get("repositoryFilters") or []
    return len(filters) == 1 and filters[0].get("filterType") == "PREFIX_MATCH" and \
        filters[0].get("filter") in (prefix, prefix + "/")


def covers_prefix(rule: dict[str, Any], prefix: str) -> bool:
    """Whether the rule replicates repositories named `<prefix>/...`."""
    filters = rule.get("repositoryFilters") or []
    if not filters:
        return True
    return any(f.get("filterType") == "PREFIX_MATCH"
               and ((prefix + "/").startswith(f.get("filter", ""))
                    or f.get("filter", "").startswith(prefix + "/"))
               for f in filters)


def describe_rule(rule: dict[str, Any]) -> str:
    filters = ", ".join(f"{f.get('filterType')} {f.get('filter')!r}"
                        for f in rule.get("repositoryFilters") or []) or "no filter"
    targets = ", ".join(f"{d.get('region')} ({d.get('registryId')})"
                        for d in rule.get("destinations", []))
    return f"{filters} → {targets}"


def is_ours(rule: dict[str, Any], prefix: str, account_id: str,
            others: frozenset[tuple[str, str]] = frozenset()) -> bool:
    """A rule ecrrep writes for this prefix: on the prefix itself, or naming repositories
    under it (a `replicate_to` makes ecrrep name them: `replication.strategy`), sending them
    only to this account or to `others`, the spec's destinations in other accounts."""
    return is_prefix_rule(rule, prefix) or names_our_repositories(rule, {prefix}, account_id,
                                                                  others)


def _elsewhere(rule: dict[str, Any], account_id: str) -> frozenset[tuple[str, str]]:
    return frozenset((d.get("region"), d.get("registryId")) for d in rule.get("destinations", [])
                     if d.get("registryId") != account_id)


def our_rules(rules: list[dict[str, Any]], prefix: str, account_id: str) -> list[dict[str, Any]]:
    """The rules the spec owns, with its destinations in other accounts (`other_accounts`)."""
    others = frozenset(other_accounts(rules, prefix, account_id))
    return [r for r in rules if is_ours(r, prefix, account_id, others)]


def destinations(rules: list[dict[str, Any]], prefix: str, account_id: str,
                 source_region: str) -> tuple[list[str], list[Note]]:
    """The destination regions in this account of the rules that replicate the prefix (ours
    first), and a note per rule the spec will not own."""
    ours = our_rules(rules, prefix, account_id)
    covering = ours or [r for r in rules if covers_prefix(r, prefix)]
    regions: list[str] = []
    notes: list[Note] = []
    taken = other_accounts(rules, prefix, account_id)
    notes += [fill_in_note(region, account) for region, account in taken]
    for rule in covering:
        for destination in rule.get("destinations", []):
            region = destination.get("region")
            if (region, destination.get("registryId")) in taken:
                continue
            if destination.get("registryId") != account_id:
                why = ("not every rule of the prefix sends there, and a spec's `destinations` "
                       "get every repository" if rule in ours else "a rule the spec does not own")
                notes.append(Note("destination_regions", f"replication to {region} in account "
                                  f"{destination.get('registryId')} has no spec form ({why})"))
            elif region not in regions and region != source_region:
                regions.append(region)
    for index, rule in enumerate(rules, start=1):
        if rule in ours:
            continue
        also = " — it also replicates these repositories" if covers_prefix(rule, prefix) else ""
        notes.append(Note("destination_regions", f"replication rule {index} "
                          f"({describe_rule(rule)}) is not this spec's: ecrrep keeps it exactly as "
                          f"it is{also}"))
    if not ours and covering:
        notes.append(Note("destination_regions", "no rule filters on exactly this prefix: "
                          "apply adds ecrrep's own rule, next to the rules above"))
    return regions, notes


def other_accounts(rules: list[dict[str, Any]], prefix: str,
                   account_id: str) -> list[tuple[str, str]]:
    """The (region, account) destinations in other accounts that a spec's `destinations` can
    say: ecrrep adds each to every rule it writes (`PlannedRule.api_rule`), so those of the
    rules the spec owns when they all have the same; else none (each is then noted as having
    no spec form)."""
    candidates = [r for r in rules if is_ours(r, prefix, account_id, _elsewhere(r, account_id))]
    found = [_elsewhere(rule, account_id) for rule in candidates]
    if not found or any(pairs != found[0] for pairs in found):
        return []
    return [(d.get("region"), d.get("registryId")) for d in candidates[0].get("destinations", [])
            if (d.get("region"), d.get("registryId")) in found[0]]


def fill_in_note(region: str, account: str) -> Note:
    """What the user must add to a destination in another account: how ecrrep reaches it,
    which the registry does not hold."""
    return Note("destinations", (
        f"replication to {region} in account {account} has no spec form until its entry "
        f"below says how ecrrep reaches that account: FILL IN a profile (a named profile "
        f"acting in {account}) or a role_arn (a role there that ecrrep assumes) in place of "
        "`profile: null` — `ecrrep plan` refuses this spec until then. Import read nothing "
        "in that account; once filled in, `ecrrep plan --adopt` reads it and shows what "
        "changes there"))


def replicates_deletions(rules: list[dict[str, Any]], prefix: str, account_id: str) -> bool:
    """Whether the rules the spec owns (on the prefix, or naming its repositories) replicate
    deletions: their `deleteReplication`
    (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteReplication.html).
    Another rule's setting is not the spec's to state: apply keeps that rule as it is."""
    return any((rule.get("deleteReplication") or {}).get("enabled") is True
               for rule in our_rules(rules, prefix, account_id))


def replicate_to(rules: list[dict[str, Any]], prefix: str, account_id: str,
                 names: list[str], regions: list[str]) -> dict[str, list[str]]:
    """The `replicate_to` of each repository (its name under the prefix) that the rules the
    spec owns send to other regions than `regions` (the destination regions), in their order;
    a repository going to every one of them needs none."""
    ours = our_rules(rules, prefix, account_id)
    found: dict[str, list[str]] = {}
    for name in names:
        going = {region for region, registry in destinations_of(f"{prefix}/{name}", ours)
                 if registry == account_id}
        if going != set(regions):
            found[name] = [region for region in regions if region in going]
    return found
