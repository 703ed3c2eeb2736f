from ecrrep.replication.routing import (
    REPOSITORY_TYPE,
    RULE_TYPE,
    added_destinations,
    destinations_of,
    removed_destinations,
    routes,
    rule_matches,
)
from ecrrep.resources.replication import EcrReplicationRuleKind
from ecrrep.resources.repositories import EcrRepositoryKind

ACCOUNT = "123456789012"


def rule(filters, *regions, plan_form=False):
    key = "repository_filters" if plan_form else "repositoryFilters"
    out = {"destinations": [{"region": r, "registryId": ACCOUNT} for r in regions]}
    if filters:
        out[key] = [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]
    return out


def test_a_rule_without_filters_replicates_every_repository():
    assert rule_matches(rule([], "eu-west-1"), "anything/at-all")


def test_a_prefix_filter_matches_names_it_starts_and_nothing_else():
    r = rule(["apps/"], "eu-west-1")
    assert rule_matches(r, "apps/web")
    assert not rule_matches(r, "apps-legacy/web")
    assert not rule_matches(r, "other/apps/web")


def test_a_repository_matched_by_several_rules_goes_to_the_union():
    rules = [rule(["apps/"], "eu-west-1"), rule(["apps/web"], "us-west-2", plan_form=True)]
    assert destinations_of("apps/web", rules) == {("eu-west-1", ACCOUNT), ("us-west-2", ACCOUNT)}
    assert destinations_of("apps/api", rules) == {("eu-west-1", ACCOUNT)}
    assert destinations_of("tools/x", rules) == frozenset()


def test_routes_and_the_destinations_gained_and_lost():
    names = ["apps/web", "apps/api"]
    before = [rule(["apps/"], "eu-west-1")]
    after = [rule(["apps/web"], "eu-west-1", "us-west-2")]
    assert routes(names, after)["apps/api"] == frozenset()
    assert added_destinations(names, before, after) == {("us-west-2", ACCOUNT): ["apps/web"]}
    assert removed_destinations(names, before, after) == {("eu-west-1", ACCOUNT): ["apps/api"]}


def test_the_plan_types_routing_reads_are_the_kinds_types():
    assert (EcrReplicationRuleKind.type, EcrRepositoryKind.type) == (RULE_TYPE, REPOSITORY_TYPE)
