"""Our replication rule among others, with plain values."""

from __future__ import annotations

from ecrrep.resources.replication import is_our_rule, prefix_filter, with_our_rule

OURS = {"destinations": [{"region": "us-west-2", "registryId": "1"}],
        "repositoryFilters": prefix_filter("apps")}
THEIRS = {"destinations": [{"region": "eu-west-1", "registryId": "1"}],
          "repositoryFilters": [{"filter": "other", "filterType": "PREFIX_MATCH"}]}
WIDER = {"destinations": [{"region": "eu-west-1", "registryId": "1"}],
         "repositoryFilters": [*prefix_filter("apps"),
                               {"filter": "more", "filterType": "PREFIX_MATCH"}]}


def test_only_a_rule_filtering_exactly_our_prefix_is_ours():
    assert is_our_rule(OURS, "apps")
    assert not is_our_rule(THEIRS, "apps")
    assert not is_our_rule(WIDER, "apps")
    assert not is_our_rule({"destinations": []}, "apps")


def test_adding_our_rule_keeps_others_in_place():
    assert with_our_rule([THEIRS, WIDER], OURS, "apps") == [THEIRS, WIDER, OURS]


def test_replacing_our_rule_keeps_its_position():
    changed = {**OURS, "destinations": [{"region": "ap-south-1", "registryId": "1"}]}
    assert with_our_rule([THEIRS, OURS, WIDER], changed, "apps") == [THEIRS, changed, WIDER]


def test_removing_our_rule_keeps_the_others_exactly():
    assert with_our_rule([THEIRS, OURS, WIDER], None, "apps") == [THEIRS, WIDER]
