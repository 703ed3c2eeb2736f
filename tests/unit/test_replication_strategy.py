"""The fewest replication rules for each repository's replicate_to, with plain values, checked
against ECR's reading of the rules (`routing`)."""

from __future__ import annotations

import pytest

from ecrrep.replication.routing import destinations_of
from ecrrep.replication.strategy import (
    MAX_FILTERS_PER_RULE,
    PlannedRule,
    names_our_repositories,
    planned_rules,
    routing_problems,
    rule_names,
)

DEFAULT = ["us-west-2", "eu-west-1"]


def _api(rules):
    return [rule.api_rule("1", False) for rule in rules]


def _assert_routes_exactly(rules, destinations):
    api = _api(rules)
    for name, regions in destinations.items():
        assert {r for r, _ in destinations_of(name, api)} == set(regions), name
    assert routing_problems(rules, destinations) == []


def test_no_repository_deviating_keeps_the_one_prefix_rule():
    destinations = {"apps/web": DEFAULT, "apps/api": DEFAULT}
    rules = planned_rules("apps", DEFAULT, destinations)
    assert rules == [PlannedRule(("us-west-2", "eu-west-1"), ("apps/",), (), whole_prefix=True)]
    _assert_routes_exactly(rules, destinations)
    # A repository the spec does not list (pushed by CI) still replicates by default.
    assert {r for r, _ in destinations_of("apps/new-service", _api(rules))} == set(DEFAULT)


def test_extra_regions_are_added_by_name_beside_the_prefix_rule():
    destinations = {"apps/web": [*DEFAULT, "ap-south-1"], "apps/api": DEFAULT,
                    "apps/db": ["eu-west-1", "us-west-2", "ap-south-1"]}
    rules = planned_rules("apps", DEFAULT, destinations)
    assert rules == [
        PlannedRule(("us-west-2", "eu-west-1"), ("apps/",), (), whole_prefix=True),
        PlannedRule(("ap-south-1",), ("apps/db", "apps/web"), ("apps/db", "apps/web")),
    ]
    _assert_routes_exactly(rules, destinations)


def test_a_repository_going_to_fewer_regions_names_every_repository():
    destinations = {"apps/web": DEFAULT, "apps/api": DEFAULT, "apps/testing": [],
                    "apps/eu": ["eu-west-1"]}
    rules = planned_rules("apps", DEFAULT, destinations)
    assert rules == [
        PlannedRule(("eu-west-1",), ("apps/eu",), ("apps/eu",)),
        PlannedRule(("eu-west-1", "us-west-2"), ("apps/api", "apps/web"),
                    ("apps/api", "apps/web")),
    ]
    _assert_routes_exactly(rules, destinations)
    assert destinations_of("apps/testing", _api(rules)) == frozenset()


def test_a_group_larger_than_a_rule_takes_several_rules():
    destinations = {f"apps/r{i:03}": ["eu-west-1"] for i in range(MAX_FILTERS_PER_RULE + 1)}
    rules = planned_rules("apps", DEFAULT, destinations)
    assert [len(r.filters) for r in rules] == [MAX_FILTERS_PER_RULE, 1]
    _assert_routes_exactly(rules, destinations)


def test_a_filter_matching_a_longer_name_elsewhere_is_a_problem():
    destinations = {"apps/app": ["eu-west-1"], "apps/app-v2": [], "apps/web": DEFAULT}
    rules = planned_rules("apps", DEFAULT, destinations)
    assert routing_problems(rules, destinations) == [
        "repository apps/app-v2 would also be replicated to eu-west-1: ECR's PREFIX_MATCH "
        "filter apps/app (a repository going there) matches every name starting so; rename "
        "one of them, or give them the same replicate_to"]


def test_a_longer_name_going_to_the_same_regions_is_no_problem():
    destinations = {"apps/app": ["eu-west-1"], "apps/app-v2": ["eu-west-1"], "apps/web": []}
    assert routing_problems(planned_rules("apps", DEFAULT, destinations), destinations) == []


@pytest.mark.parametrize(("rules", "names"), [
    ([(True, ("us-west-2",))], ["proj"]),
    ([(True, ("b",)), (False, ("a", "c")), (False, ("a", "c"))],
     ["proj", "proj/a+c", "proj/a+c#2"]),
])
def test_rule_names_are_stable_and_distinct(rules, names):
    assert rule_names("proj", rules) == names


def _rule(filters, account="1"):
    return {"destinations": [{"region": "eu-west-1", "registryId": account}],
            "repositoryFilters": [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]}


def test_a_rule_naming_repositories_is_ours_only_under_our_prefix_within_this_account():
    assert names_our_repositories(_rule(["apps/web", "apps/api"]), {"apps"}, "1")
    assert not names_our_repositories(_rule(["apps/web", "other/api"]), {"apps"}, "1")
    assert not names_our_repositories(_rule(["apps/web"], account="2"), {"apps"}, "1")
    assert not names_our_repositories(_rule(["apps/"]), {"apps"}, "1")  # the prefix rule
    assert not names_our_repositories(_rule(["apps-legacy/web"]), {"apps"}, "1")
    assert not names_our_repositories({"destinations": []}, {"apps"}, "1")
