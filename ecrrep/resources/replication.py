"""Our rules in the source registry's replication configuration.

The registry holds one configuration shared by everyone, and a rule carries no tags. Which rules
the spec needs (each repository's replicate_to) is `ecrrep.replication.strategy`'s to say. The
whole-prefix rule filters (PREFIX_MATCH) on `<prefix>/`, with the slash, so `<prefix>-legacy` is
not replicated with ours; it is ours only when this project claims the prefix
(`ecrrep.engine.claims`). A rule on the bare prefix, as older versions wrote it, is ours under the
same claim and is replaced. A rule naming repositories is ours when every filter lies under a
prefix we claim (`<prefix>/...`) and every destination is in this account or a registry of
another account we claim (`destination` claims), as we write them. Every other rule is someone
else's and is written back exactly as read. Each of our rules is one change, written on its own
(one PutReplicationConfiguration per changed rule, at most 10): apply reports and retries per
change. Each write re-reads the configuration first and verifies afterwards, by meaning
(`ecrrep.resources.shared.document_writes`), so a concurrent writer's rule is not lost; our own
rules' changes take turns (`AwsContext.turn`), since each stops once its own rule holds and
would not notice having dropped another of ours. Filter syntax:
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RepositoryFilter.html
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action
from ecrrep.aws.actions import CLAIMS_READ, KindActions, grants
from ecrrep.engine import claims, ownership
from ecrrep.engine.diff import DiffOptions, DiffRules, diff_resources
from ecrrep.engine.plan import Change, Resource
from ecrrep.replication import strategy
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.document_writes import SharedDocument, rewrite_until_held
from ecrrep.resources.shared.other_accounts import DroppedDestinations, dropped_destinations

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

# ECR's limit on rules in a registry's replication configuration (botocore's model allows 25 in
# ReplicationRuleList; the API reference and the service quota say 10):
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ReplicationConfiguration.html,
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html
MAX_RULES = 10


def prefix_filter(prefix: str) -> list[dict[str, str]]:
    """Our filter: the prefix and its slash, matching `<prefix>/...` and nothing else."""
    return [{"filter": f"{prefix}/", "filterType": "PREFIX_MATCH"}]


def rule_prefix(rule: dict[str, Any]) -> str | None:
    """The prefix a rule's one PREFIX_MATCH filter names, with or without its slash; None for
    a rule with no filter or several."""
    filters = rule.get("repositoryFilters") or []
    if len(filters) != 1 or filters[0].get("filterType") != "PREFIX_MATCH":
        return None
    value = filters[0].get("filter", "")
    return value[:-1] if value.endswith("/") else value


def _meaning(value: Any) -> Any:
    """A rule (or part) with what AWS may add at its default dropped (`deleteReplication:
    false`, empty lists), and lists of filters or destinations in a stable order."""
    if isinstance(value, dict):
        # Defaults dropped after their own defaults are: `{"enabled": false}` is a default too.
        meant = {k: _meaning(v) for k, v in sorted(value.items())}
        return {k: v for k, v in meant.items() if v not in (None, False, [], {})}
    if isinstance(value, list):
        return sorted((_meaning(v) for v in value), key=repr)
    return value


def rules_differ(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """Whether two configurations differ in meaning (order of rules counts, of a rule's
    destinations or filters not)."""
    return [_meaning(r) for r in a] != [_meaning(r) for r in b]


def rule_attrs(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule in comparable form: destinations sorted, defaults AWS adds dropped. Deletion
    replication shows only when on: a rule without `deleteReplication` replicates no
    deletions, as one with `enabled: false` (API_DeleteReplication.html, below)."""
    attrs = {
        "destinations": sorted(
            (_meaning(d) for d in rule.get("destinations", [])),
            key=lambda d: (d.get("region", ""), d.get("registryId", "")),
        ),
        "repository_filters": rule.get("repositoryFilters", []),
    }
    if replicates_deletions(rule):
        attrs["delete_replication"] = True
    return attrs


def replicates_deletions(rule: dict[str, Any]) -> bool:
    """Whether the rule replicates image deletions and tag removals to its destinations:
    https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteReplication.html,
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-delete.html"""
    return (rule.get("deleteReplication") or {}).get("enabled") is True


def rule_from_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"destinations": copy.deepcopy(attrs["destinations"])}
    if attrs.get("repository_filters"):
        rule["repositoryFilters"] = copy.deepcopy(attrs["repository_filters"])
    if attrs.get("delete_replication"):
        rule["deleteReplication"] = {"enabled": True}
    return rule


DELETION_WARNING = ("warning: deletions will be replicated: deleting an image (or a tag) in "
                    "{source}, by hand or by a lifecycle policy, then deletes it in {regions}")


def deletion_warning(change: Change) -> str | None:
    """The warning a change turning deletion replication on carries, else None."""
    if not (change.after or {}).get("delete_replication"):
        return None
    if (change.before or {}).get("delete_replication"):
        return None
    regions = sorted({d.get("region", "") for d in change.after["destinations"]})
    return DELETION_WARNING.format(source=change.region, regions=", ".join(regions))


LEFT_BEHIND_NOTE = (
    "no longer replicating to {where}: the replicas and the registry policy statement ecrrep "
    "made there stay, since the spec no longer says how to reach that account and ecrrep "
    "could not reach it as its claim says ({why}); remove them there (or list the "
    "destination again and run destroy)")


def _dropped_other_accounts(rule: dict[str, Any], account_id: str,
                            listed: frozenset[tuple[str, str]],
                            dropped: DroppedDestinations) -> list[list[str]]:
    """Our rule's destinations in other accounts that the spec no longer lists and whose
    accounts this run cannot reach to clean up (the others' cleanup is planned), as
    [`region (account N)`, why]."""
    left = {(d.get("region"), d.get("registryId")) for d in rule.get("destinations", [])
            if d.get("registryId") not in (None, account_id)} - listed - set(dropped.reachable)
    return sorted([f"{region} (account {registry})",
                   dropped.unreachable.get((region, registry), "no claim records it")]
                  for region, registry in left)


def with_our_rule(rules: list[dict[str, Any]], ours: dict[str, Any] | None,
                  replaced: list[list[dict[str, str]]],
                  read_as: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The configuration with our rule replaced by `ours`, or removed (None), or added; every
    other rule untouched, a look-alike on our filter included.

    Our rule is the one equal in meaning to the rule we read as ours (`read_as`), else the
    first whose filters are one of `replaced` (ours as read and as wanted)."""
    index = _our_index(rules, replaced, read_as)
    out = list(rules)
    if index is None:
        return out + [ours] if ours is not None else out
    if ours is None:
        del out[index]
    else:
        out[index] = ours
    return out


def _our_index(rules: list[dict[str, Any]], replaced: list[list[dict[str, str]]],
               read_as: dict[str, Any] | None) -> int | None:
    if read_as is not None:
        for index, rule in enumerate(rules):
            if _meaning(rule) == _meaning(read_as):
                return index
    wanted = [_meaning(f) for f in replaced if f]
    for index, rule in enumerate(rules):
        if rule.get("repositoryFilters") and _meaning(rule["repositoryFilters"]) in wanted:
            return index
    return None


def _written(rules: list[dict[str, Any]], ours: dict[str, Any] | None,
             replaced: list[list[dict[str, str]]], read_as: dict[str, Any] | None) -> bool:
    """Whether the configuration read back holds our write: ours in place (by meaning: AWS
    may add defaults), or, for a deletion, the rule we read as ours gone."""
    if ours is None:
        return read_as is None or all(_meaning(r) != _meaning(read_as) for r in rules)
    return not rules_differ(rules, with_our_rule(rules, ours, replaced, read_as))


def _filters_of(attrs: dict[str, Any] | None) -> list[dict[str, str]]:
    return (attrs or {}).get("repository_filters") or []


class EcrReplicationRuleKind(ResourceKind):
    type = "ecr_replication_rule"
    title = "Replication rules"
    rules = DiffRules(reports_kept=True)
    # Ours by the prefix claim; and the repositories exist in every region first, or
    # replication would create them without our settings; and a registry of another account
    # lets us replicate into it first, or the images pushed in between fail to replicate.
    depends_on = ("ownership_claim", "ecr_repository", "ecr_registry_policy")
    iam = KindActions(
        read=(*CLAIMS_READ, grants("none", "ecr:DescribeRegistry")),
        write=(grants("none", "ecr:PutReplicationConfiguration"),
               grants("replication_role", "iam:CreateServiceLinkedRole")),
        delete=(grants("none", "ecr:PutReplicationConfiguration"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        destinations = strategy.spec_destinations(spec)
        others = strategy.other_accounts(spec)
        planned = strategy.planned_rules(spec.repository_prefix, spec.destination_regions,
                                         destinations, bool(others))
        problems = strategy.routing_problems(planned, destinations)
        names = strategy.rule_names(spec.project, [(p.whole_prefix, p.regions) for p in planned])
        return [
            Resource(self.type, spec.source_region, name,
                     rule_attrs(rule.api_rule(target.account_id, spec.replicate_deletions,
                                              others)),
                     facts={"prefix": spec.repository_prefix, "summary": [_summary(spec, rule)],
                            "overlaps": dict(target.overlaps),
                            **({"problems": problems} if problems else {})})
            for name, rule in zip(names, planned, strict=True)
        ]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        rules = _read_rules(ctx, spec.source_region)
        claimed = {c.value for c in claims.our_claims(ctx, spec, "prefix")}
        account = ctx.account_id(spec.source_region)
        listed = frozenset(strategy.other_accounts(spec))
        # Registries of other accounts the spec has dropped are still ours to stop
        # replicating to: the claims remember them.
        others = listed | claims.claimed_destinations(ctx, spec)
        mine = _claimed_rule(rules, claimed, account, others)
        named = [i for i, rule in enumerate(rules, start=1)
                 if i != mine and strategy.names_our_repositories(rule, claimed, account, others)]
        ours = sorted([i for i in [mine] if i is not None] + named)
        # Named by their regions in this account, as `desired` names them.
        names = dict(zip(ours, strategy.rule_names(spec.project, [
            (i == mine, strategy.regions_of(rules[i - 1], account if others else None))
            for i in ours]), strict=True))
        dropped = dropped_destinations(ctx, spec)
        found: list[Resource] = []
        for index, rule in enumerate(rules, start=1):
            prefix = rule_prefix(rule)
            if index in names:
                facts: dict[str, Any] = {"prefix": prefix, "proof": "claim"}
                if left_behind := _dropped_other_accounts(rule, account, listed, dropped):
                    facts["left_behind"] = left_behind
                found.append(Resource(self.type, spec.source_region, names[index],
                                      rule_attrs(rule), owner=spec.project, facts=facts))
                continue
            owner = claims.prefix_owner(ctx, spec, prefix) if prefix else None
            found.append(Resource(self.type, spec.source_region, f"kept-rule-{index}",
                                  rule_attrs(rule), owned=False,
                                  owner=None if owner == spec.project else owner,
                                  facts={"prefix": prefix, "proof": "claim"}))
        return found

    def diff(self, desired: list[Resource], current: list[Resource],
             options: DiffOptions) -> list[Change]:
        if not desired:
            return diff_resources(desired, current, options, self.rules)
        # The whole-prefix rule is named after the project; the others carry their regions.
        want = next((d for d in desired if "/" not in d.name), None)
        rival = _rival(want, current) if want is not None else None
        if rival is not None and ownership.may_take_over(rival, options):
            # Adopted (no claim) or transferred (--adopt-from): it becomes ours, in place.
            current = [replace(r, name=want.name) if r is rival else r for r in current]
            rival = None
        changes = diff_resources(desired, current, options, self.rules)
        foreign = sum(1 for c in changes if c.kept)
        wanted = {d.address: d for d in desired}
        for change in changes:
            if change.address not in wanted:
                continue
            rival_blocker = None
            if rival is not None and change.action == "create" and change.address == (
                    want.address if want is not None else None):
                rival_blocker = ownership.conflict_message(
                    rival, options, f"a replication rule filtering on {want.facts['prefix']}/")
            facts = wanted[change.address].facts
            # The root cause first: an overlapping project explains a rival rule too.
            change.blocked = (_overlap_blocker(desired[0], options) or rival_blocker
                              or change.blocked or "; ".join(facts.get("problems", []))
                              or _limit_blocker(foreign, len(desired)))
            if (warning := deletion_warning(change)) is not None:
                change.notes.append(warning)
        for change in changes:
            change.notes.extend(LEFT_BEHIND_NOTE.format(where=where, why=why)
                                for where, why in change.facts.get("left_behind", []))
        return changes

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        """Create, update and delete alike: a rewrite of the registry's one configuration,
        read afresh before each write (not one call inside one aws_action)."""
        ours = rule_from_attrs(change.after) if change.action != "delete" else None
        read_as = rule_from_attrs(change.before) if change.before else None
        replaced = [_filters_of(change.before), _filters_of(change.after)]
        region = change.region
        # Our other rules are other changes, applied at the same time: without turns, two
        # of them read the same configuration and the later write drops the earlier's rule
        # (each then finds its own rule in place and stops).
        writer = ctx.client("ecr", region, retries=False)

        def write(rules: list[dict[str, Any]]) -> None:
            with aws_action(f"replication configuration ({region})"):
                writer.put_replication_configuration(replicationConfiguration={"rules": rules})

        with ctx.turn(("ecr replication configuration", ctx.account_id(region), region)):
            rewrite_until_held(SharedDocument(
                read=lambda: _read_rules(ctx, region), write=write,
                with_ours=lambda rules: with_our_rule(rules, ours, replaced, read_as),
                holds_ours=lambda rules: _written(rules, ours, replaced, read_as),
                differ=rules_differ, operation="PutReplicationConfiguration",
                what=f"replication configuration ({region})"))


def _claimed_rule(rules: list[dict[str, Any]], prefixes: set[str], account_id: str,
                  others: frozenset[tuple[str, str]] = frozenset()) -> int | None:
    """The 1-based position of our rule: on a prefix we claim, preferring one that
    replicates within this account and our destinations in other accounts only (as ours
    does) over a look-alike."""
    candidates = [i for i, rule in enumerate(rules, start=1) if rule_prefix(rule) in prefixes]
    within = [i for i in candidates
              if all(strategy.is_our_destination(d, account_id, others)
                     for d in rules[i - 1]["destinations"])]
    return (within or candidates or [None])[0]


def _summary(spec: Spec, rule: strategy.PlannedRule) -> str:
    regions = ", ".join(rule.regions)
    where = f"{regions} (this account)" if rule.regions else ""
    others = ", ".join(f"{r} (account {a})" for r, a in strategy.other_accounts(spec))
    where = " and ".join(w for w in (where, others) if w)
    if rule.whole_prefix:
        return f"replicate repositories named {spec.repository_prefix}/* to {where}"
    return f"replicate {', '.join(rule.repositories)} to {where}"


def _rival(want: Resource, current: list[Resource]) -> Resource | None:
    """A rule we do not own filtering on our prefix (with or without the slash), when we have
    no rule of our own: creating ours beside it would replicate the same repositories twice."""
    if any(r.address == want.address for r in current):
        return None
    return next((r for r in current if r.facts.get("prefix") == want.facts["prefix"]), None)


def _overlap_blocker(want: Resource, options: DiffOptions) -> str | None:
    others = {p: why for p, why in want.facts.get("overlaps", {}).items()
              if p != options.adopt_from}
    if not others:
        return None
    named = "; ".join(f"ecrrep project '{p}' ({why})" for p, why in sorted(others.items()))
    return (f"repository_prefix {want.facts['prefix']} overlaps another project's in this "
            f"registry: {named}. Two projects cannot share a prefix, or one hold a prefix "
            "under the other's: choose another repository_prefix")


def _limit_blocker(foreign: int, ours: int = 1) -> str | None:
    if ours > MAX_RULES:
        return (f"the spec needs {ours} replication rules (one per set of replicate_to "
                f"regions, {strategy.MAX_FILTERS_PER_RULE} repositories per rule), and ECR "
                f"allows {MAX_RULES} in a registry: give more repositories the same replicate_to")
    if foreign + ours <= MAX_RULES:
        return None
    return (f"the registry's replication configuration already holds {foreign} rules that are "
            f"not this project's; with ours it would hold {foreign + ours}, and ECR allows "
            f"{MAX_RULES}: remove a rule that is no longer needed, then plan again")


def _read_rules(ctx: AwsContext, region: str) -> list[dict[str, Any]]:
    with aws_action(f"registry ({region})", "DescribeRegistry"):
        registry = ctx.client("ecr", region).describe_registry()
    return registry.get("replicationConfiguration", {}).get("rules", [])


KIND = EcrReplicationRuleKind()
