"""The registry's replication rules → the spec's destination regions, and notes on the rules
the spec does not own. Pure.

ECR's rules: https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html — a
registry holds at most 10 rules; a rule with no filter replicates every repository, a
PREFIX_MATCH filter the repositories whose names start with it.
"""

from __future__ import annotations

from typing import Any

from ecrrep.importer.assemble import Note


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


def destinations(rules: list[dict[str, Any]], prefix: str, account_id: str,
                 source_region: str) -> tuple[list[str], list[Note]]:
    """The destination regions in this account of the rules that replicate the prefix (ours
    first), and a note per rule the spec will not own."""
    ours = [r for r in rules if is_prefix_rule(r, prefix)]
    covering = ours or [r for r in rules if covers_prefix(r, prefix)]
    regions: list[str] = []
    notes: list[Note] = []
    for rule in covering:
        for destination in rule.get("destinations", []):
            region = destination.get("region")
            if destination.get("registryId") != account_id:
                notes.append(Note("destination_regions", f"replication to {region} in account "
                                  f"{destination.get('registryId')} has no spec form "
                                  "(ecrrep replicates within this account)"))
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


def replicates_deletions(rules: list[dict[str, Any]], prefix: str) -> bool:
    """Whether the rule filtering on exactly this prefix (the one the spec owns) replicates
    deletions: its `deleteReplication`
    (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteReplication.html).
    Another rule's setting is not the spec's to state: apply keeps that rule as it is."""
    return any((rule.get("deleteReplication") or {}).get("enabled") is True
               for rule in rules if is_prefix_rule(rule, prefix))
