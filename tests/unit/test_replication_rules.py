"""Our replication rule among others, with plain values."""

from __future__ import annotations

from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Resource
from ecrrep.resources.base import Target
from ecrrep.resources.replication import (
    KIND,
    MAX_RULES,
    prefix_filter,
    rule_attrs,
    rule_prefix,
    rules_differ,
    with_our_rule,
)

OURS = {"destinations": [{"region": "us-west-2", "registryId": "1"}],
        "repositoryFilters": prefix_filter("apps")}
LEGACY = {"destinations": [{"region": "us-west-2", "registryId": "1"}],
          "repositoryFilters": [{"filter": "apps", "filterType": "PREFIX_MATCH"}]}
THEIRS = {"destinations": [{"region": "eu-west-1", "registryId": "1"}],
          "repositoryFilters": [{"filter": "other", "filterType": "PREFIX_MATCH"}]}
WIDER = {"destinations": [{"region": "eu-west-1", "registryId": "1"}],
         "repositoryFilters": [*prefix_filter("apps"),
                               {"filter": "more", "filterType": "PREFIX_MATCH"}]}


def test_our_filter_carries_the_slash_so_a_longer_name_is_not_replicated():
    assert prefix_filter("my-company-apps") == [
        {"filter": "my-company-apps/", "filterType": "PREFIX_MATCH"}]
    assert not "my-company-apps-legacy/x".startswith(prefix_filter("my-company-apps")[0]["filter"])


def test_a_rule_names_a_prefix_only_with_exactly_one_prefix_filter():
    assert rule_prefix(OURS) == "apps"
    assert rule_prefix(LEGACY) == "apps"
    assert rule_prefix(WIDER) is None
    assert rule_prefix({"destinations": []}) is None


def test_adding_our_rule_keeps_others_in_place():
    assert with_our_rule([THEIRS, WIDER], OURS, [prefix_filter("apps")]) == [THEIRS, WIDER, OURS]


def test_replacing_our_rule_keeps_its_position():
    changed = {**OURS, "destinations": [{"region": "ap-south-1", "registryId": "1"}]}
    assert with_our_rule([THEIRS, OURS, WIDER], changed, [prefix_filter("apps")]) == [
        THEIRS, changed, WIDER]


def test_the_old_bare_prefix_rule_is_replaced_by_ours():
    replaced = [LEGACY["repositoryFilters"], prefix_filter("apps")]
    assert with_our_rule([THEIRS, LEGACY], OURS, replaced) == [THEIRS, OURS]


def test_removing_our_rule_keeps_the_others_exactly():
    assert with_our_rule([THEIRS, OURS, WIDER], None, [prefix_filter("apps")]) == [THEIRS, WIDER]


def test_a_default_aws_adds_is_not_a_difference():
    read_back = [{**OURS, "destinations": [{"region": "us-west-2", "registryId": "1",
                                            "deleteReplication": False}]}]
    assert not rules_differ(read_back, [OURS])
    assert rule_attrs(read_back[0]) == rule_attrs(OURS)
    moved = [{**OURS, "destinations": [{"region": "eu-west-1", "registryId": "1"}]}]
    assert rules_differ(moved, [OURS])


def _rule(name, rule, owned=True, owner=None):
    return Resource("ecr_replication_rule", "us-east-1", name, rule_attrs(rule), owned=owned,
                    owner=owner, facts={"prefix": rule_prefix(rule), "proof": "claim"})


def _desired(overlaps=()):
    spec_like = type("S", (), {})()
    spec_like.destination_regions = ["us-west-2"]
    spec_like.repository_prefix = "apps"
    spec_like.source_region = "us-east-1"
    spec_like.project = "proj"
    spec_like.replicate_deletions = False
    spec_like.repositories = []
    return KIND.desired(spec_like, Target("1", overlaps))


def test_a_rule_on_our_filter_that_nobody_claims_blocks_ours_unless_adopted():
    hand_made = _rule("kept-rule-1", {**OURS, "destinations": [
        {"region": "eu-west-1", "registryId": "999999999999"}]}, owned=False)
    changes = KIND.diff(_desired(), [hand_made], DiffOptions("proj"))
    ours = next(c for c in changes if c.name == "proj")
    assert ours.action == "create"
    assert ours.blocked.startswith("a replication rule filtering on apps/ exists, and no "
                                   "ecrrep project claims it (unowned; ")
    assert ours.blocked.endswith("left untouched (use --adopt to take it over)")
    adopted = KIND.diff(_desired(), [hand_made], DiffOptions("proj", adopt=True))
    (taken,) = [c for c in adopted if c.name == "proj"]
    assert taken.action == "update" and not taken.blocked
    assert taken.notes == [
        "adopted: takes over a resource no ecrrep project claimed (ours claims it now)"]


def test_another_projects_rule_is_kept_and_named_and_only_adopt_from_takes_it():
    theirs = _rule("kept-rule-1", OURS, owned=False, owner="alpha")
    for options in (DiffOptions("proj"), DiffOptions("proj", adopt=True)):
        changes = KIND.diff(_desired(), [theirs], options)
        ours = next(c for c in changes if c.name == "proj")
        assert "owned by ecrrep project 'alpha'" in ours.blocked
        assert "--adopt-from alpha" in ours.blocked
        kept = next(c for c in changes if c.kept)
        assert kept.notes == ["owned by ecrrep project 'alpha'"]
    moved = KIND.diff(_desired(), [theirs], DiffOptions("proj", adopt_from="alpha"))
    (taken,) = moved
    assert taken.name == "proj" and not taken.blocked
    assert taken.notes == ["transferred from project alpha"]
    # Destroy never touches it.
    assert [c.action for c in KIND.diff([], [theirs], DiffOptions("proj"))] == ["no-op"]


def test_an_overlapping_project_blocks_the_plan_and_is_named():
    changes = KIND.diff(_desired((("alpha", "its prefix is apps/team"),)), [],
                        DiffOptions("proj"))
    (ours,) = changes
    assert "overlaps another project's in this registry: ecrrep project 'alpha' " \
           "(its prefix is apps/team)" in ours.blocked
    (moved,) = KIND.diff(_desired((("alpha", "x"),)), [], DiffOptions("proj", adopt_from="alpha"))
    assert moved.blocked is None


def test_the_rule_limit_counts_foreign_rules_before_any_change():
    foreign = [_rule(f"kept-rule-{i}", {**THEIRS, "repositoryFilters": [
        {"filter": f"team{i}/", "filterType": "PREFIX_MATCH"}]}, owned=False)
        for i in range(MAX_RULES)]
    changes = KIND.diff(_desired(), foreign, DiffOptions("proj"))
    ours = next(c for c in changes if c.name == "proj")
    assert ours.blocked == (
        "the registry's replication configuration already holds 10 rules that are not this "
        "project's; with ours it would hold 11, and ECR allows 10: remove a rule that is no "
        "longer needed, then plan again")
    fits = KIND.diff(_desired(), foreign[1:], DiffOptions("proj"))
    assert next(c for c in fits if c.name == "proj").blocked is None


def test_a_look_alike_on_our_filter_is_never_replaced_nor_removed_with_ours():
    look_alike = {"destinations": [{"region": "eu-west-1", "registryId": "999999999999"}],
                  "repositoryFilters": prefix_filter("apps")}
    changed = {**OURS, "destinations": [{"region": "ap-south-1", "registryId": "1"}]}
    replaced = [prefix_filter("apps")]
    assert with_our_rule([look_alike, OURS], changed, replaced, read_as=OURS) == [
        look_alike, changed]
    assert with_our_rule([look_alike, OURS], None, replaced, read_as=OURS) == [look_alike]
