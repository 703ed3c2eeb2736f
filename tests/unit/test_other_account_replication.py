"""Destinations in other accounts, pure parts: our statement in the destination registry's
policy and how it is merged, and the other accounts' destinations in our rules."""

from __future__ import annotations

from ecrrep.engine.plan import Change, Resource
from ecrrep.replication import registry_policy as doc
from ecrrep.replication import strategy

SID = "EcrrepReplicationdemoXproject"
FOREIGN = {"Sid": "TheirPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::9:root"},
           "Action": "ecr:ReplicateImage", "Resource": "*"}


def ours(source: str = "111111111111") -> dict:
    return doc.our_statement("demo-project", source, "eu-west-1", "222222222222")


def test_our_statement_is_the_one_aws_documents():
    assert doc.statement_id("demo-project") == SID
    assert ours() == {
        "Sid": SID, "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": ["arn:aws:ecr:eu-west-1:222222222222:repository/*"]}


def test_every_project_has_a_statement_of_its_own():
    names = ["a-1b", "a1b", "ab--c", "ab-c", "abc", "x-ray", "xxray"]
    assert len({doc.statement_id(n) for n in names}) == len(names)
    assert all(doc.statement_id(n).isalnum() for n in names)


def test_ours_is_added_to_a_registry_without_policy():
    assert doc.with_ours(None, SID, ours()) == {"Version": "2012-10-17", "Statement": [ours()]}


def test_ours_is_replaced_and_other_statements_kept_exactly():
    policy = {"Version": "2012-10-17", "Id": "theirs", "Statement": [FOREIGN, ours("3")]}
    merged = doc.with_ours(policy, SID, ours())
    assert merged == {"Version": "2012-10-17", "Id": "theirs", "Statement": [FOREIGN, ours()]}
    assert policy["Statement"][1] == ours("3")  # the input is not changed


def test_removing_ours_keeps_the_others_and_leaves_no_policy_when_it_was_alone():
    policy = {"Version": "2012-10-17", "Statement": [FOREIGN, ours()]}
    assert doc.with_ours(policy, SID, None) == {"Version": "2012-10-17", "Statement": [FOREIGN]}
    assert doc.with_ours({"Version": "2012-10-17", "Statement": [ours()]}, SID, None) is None
    assert doc.find_ours(policy, SID) == ours()
    assert doc.find_ours({"Statement": FOREIGN}, SID) is None


def test_statements_compare_by_meaning():
    read_back = {**ours(), "Action": ["ecr:ReplicateImage", "ecr:CreateRepository"],
                 "Resource": "arn:aws:ecr:eu-west-1:222222222222:repository/*"}
    assert doc.comparable(read_back) == doc.comparable(ours())


OTHERS = (("eu-central-1", "222222222222"),)


def test_other_account_destinations_are_added_to_every_rule():
    rules = strategy.planned_rules("apps", ["us-west-2"],
                                   {"apps/web": ["us-west-2"], "apps/api": []}, True)
    assert [(r.regions, r.filters) for r in rules] == [
        ((), ("apps/api",)), (("us-west-2",), ("apps/web",))]
    assert rules[0].api_rule("111111111111", False, OTHERS)["destinations"] == [
        {"region": "eu-central-1", "registryId": "222222222222"}]
    assert rules[1].api_rule("111111111111", False, OTHERS)["destinations"] == [
        {"region": "us-west-2", "registryId": "111111111111"},
        {"region": "eu-central-1", "registryId": "222222222222"}]


def test_only_the_whole_prefix_rule_when_destination_regions_is_empty():
    rules = strategy.planned_rules("apps", [], {"apps/web": [], "apps/api": []}, True)
    assert [(r.regions, r.filters, r.whole_prefix) for r in rules] == [((), ("apps/",), True)]


def test_our_rules_are_recognised_with_our_other_account_destinations_only():
    rule = {"repositoryFilters": [{"filter": "apps/web", "filterType": "PREFIX_MATCH"}],
            "destinations": [{"region": "us-west-2", "registryId": "1"},
                             {"region": "eu-central-1", "registryId": "222222222222"}]}
    others = frozenset(OTHERS)
    assert strategy.names_our_repositories(rule, {"apps"}, "1", others)
    assert not strategy.names_our_repositories(rule, {"apps"}, "1")
    elsewhere = {**rule, "destinations": [{"region": "eu-west-1", "registryId": "222222222222"}]}
    assert not strategy.names_our_repositories(elsewhere, {"apps"}, "1", others)
    assert strategy.regions_of(rule, "1") == ("us-west-2",)


def test_an_address_names_another_account_only_when_set():
    here = Resource("ecr_repository", "eu-west-1", "apps/web", {})
    there = Resource("ecr_repository", "eu-west-1", "apps/web", {}, account="222222222222")
    assert here.address == "ecr_repository.eu-west-1.apps/web"
    assert there.address == "ecr_repository.222222222222/eu-west-1.apps/web"
    change = Change("ecr_repository", "eu-west-1", "apps/web", "create", None, {},
                    account="222222222222")
    assert "account" not in Change("t", "r", "n", "create", None, {}).to_json()
    assert Change.from_json(change.to_json()).address == there.address
