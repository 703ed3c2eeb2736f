"""Deletion replication on our replication rule, tag mutability exclusions on repositories and
in validate-replication's comparison: written, read back and diffed, with plain values."""

from __future__ import annotations

from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Resource
from ecrrep.replication.compare import settings_drift
from ecrrep.resources import repositories
from ecrrep.resources.base import Target
from ecrrep.resources.replication import (
    KIND,
    prefix_filter,
    rule_attrs,
    rule_from_attrs,
    rules_differ,
)
from tests.support.kind_inputs import make_spec
from tests.support.replication_states import settings

ACCOUNT = "123456789012"
RULE = {"destinations": [{"region": "us-west-2", "registryId": ACCOUNT},
                         {"region": "eu-west-1", "registryId": ACCOUNT}],
        "repositoryFilters": prefix_filter("my-company-apps")}
WARNING = ("warning: deletions will be replicated: deleting an image (or a tag) in us-east-1, "
           "by hand or by a lifecycle policy, then deletes it in eu-west-1, us-west-2")


def _current(rule: dict) -> list[Resource]:
    return [Resource("ecr_replication_rule", "us-east-1", "container-registry-replication",
                     rule_attrs(rule), owner="container-registry-replication",
                     facts={"prefix": "my-company-apps", "proof": "claim"})]


def _rule_change(replicate: bool, current: dict | None):
    spec = make_spec(lambda d: d.update(replicate_deletions=replicate))
    desired = KIND.desired(spec, Target(ACCOUNT, ()))
    changes = KIND.diff(desired, _current(current) if current else [],
                        DiffOptions("container-registry-replication"))
    (ours,) = changes
    return ours


# -- the replication rule --------------------------------------------------------------------


def test_an_unset_field_and_enabled_false_read_as_off_no_drift():
    for read in (RULE, {**RULE, "deleteReplication": {"enabled": False}}):
        assert "delete_replication" not in rule_attrs(read)
        change = _rule_change(False, read)
        assert change.action == "no-op" and change.notes == []
    assert not rules_differ([RULE], [{**RULE, "deleteReplication": {"enabled": False}}])


def test_turning_it_on_updates_the_rule_with_a_warning():
    change = _rule_change(True, RULE)
    assert change.action == "update"
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("delete_replication", None, True)]
    assert change.notes == [WARNING]
    assert rule_from_attrs(change.after)["deleteReplication"] == {"enabled": True}


def test_a_new_rule_replicating_deletions_warns_too():
    change = _rule_change(True, None)
    assert change.action == "create" and change.notes == [WARNING]


def test_on_and_already_on_is_no_change_and_no_warning():
    change = _rule_change(True, {**RULE, "deleteReplication": {"enabled": True}})
    assert change.action == "no-op" and change.notes == []


def test_turning_it_off_writes_the_rule_without_it_and_says_nothing():
    change = _rule_change(False, {**RULE, "deleteReplication": {"enabled": True}})
    assert change.action == "update" and change.notes == []
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("delete_replication", True, None)]
    assert "deleteReplication" not in rule_from_attrs(change.after)
    # The rule as read, used to find ours again in the configuration, carries the flag.
    assert rule_from_attrs(change.before)["deleteReplication"] == {"enabled": True}


# -- tag mutability exclusions on repositories -----------------------------------------------


def _with_exclusions(data: dict, wildcards: list[str]) -> None:
    data["repositories"][0]["tag_mutability"] = "IMMUTABLE_WITH_EXCLUSION"
    data["repositories"][0]["tag_mutability_exclusions"] = wildcards


def _read_repository(description: dict) -> Resource:
    record = type("Record", (), {"description": description, "region": "us-east-1",
                                 "name": "my-company-apps/production", "tags": {},
                                 "arn": "arn", "owner": None})()
    return repositories.KIND._resource(record, None, True)


def test_every_region_wants_the_exclusions_sorted():
    spec = make_spec(lambda d: _with_exclusions(d, ["latest", "dev-*"]))
    wanted = [r for r in repositories.KIND.desired(spec, Target(ACCOUNT, ()))
              if r.name.endswith("/production")]
    assert {r.region for r in wanted} == {"us-east-1", "us-west-2", "eu-west-1"}
    for resource in wanted:
        assert resource.attrs["tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
        assert resource.attrs["tag_mutability_exclusions"] == ["dev-*", "latest"]


def test_a_repository_without_exclusions_has_no_such_attribute():
    spec = make_spec()
    assert all("tag_mutability_exclusions" not in r.attrs
               for r in repositories.KIND.desired(spec, Target(ACCOUNT, ())))


def test_exclusions_read_in_another_order_are_not_drift():
    read = _read_repository({"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                             "imageTagMutabilityExclusionFilters": [
                                 {"filterType": "WILDCARD", "filter": "latest"},
                                 {"filterType": "WILDCARD", "filter": "dev-*"}]})
    assert read.attrs["tag_mutability_exclusions"] == ["dev-*", "latest"]
    assert repositories.exclusion_filters(read.attrs) == {
        "imageTagMutabilityExclusionFilters": [
            {"filterType": "WILDCARD", "filter": "dev-*"},
            {"filterType": "WILDCARD", "filter": "latest"}]}


def test_a_changed_filter_is_one_field_change():
    spec = make_spec(lambda d: _with_exclusions(d, ["latest", "dev-*"]))
    (want,) = [r for r in repositories.KIND.desired(spec, Target(ACCOUNT, ()))
               if r.region == "us-east-1" and r.name.endswith("/production")]
    have = _read_repository({"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                             "imageScanningConfiguration": {"scanOnPush": True},
                             "imageTagMutabilityExclusionFilters": [
                                 {"filterType": "WILDCARD", "filter": "latest"}]})
    have = Resource(have.type, have.region, have.name, {**have.attrs, "tags": want.attrs["tags"]},
                    owner=have.owner)
    (change,) = repositories.KIND.diff([want], [have],
                                       DiffOptions("container-registry-replication"))
    assert change.action == "update"
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("tag_mutability_exclusions", ["latest"], ["dev-*", "latest"])]


# -- validate-replication ---------------------------------------------------------------------


def _filters(*wildcards: str) -> list[dict[str, str]]:
    return [{"filterType": "WILDCARD", "filter": w} for w in wildcards]


def test_replica_exclusions_compare_with_the_source_order_insensitively():
    source = settings(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                      imageTagMutabilityExclusionFilters=_filters("latest", "dev-*"))
    same = settings(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                    imageTagMutabilityExclusionFilters=_filters("dev-*", "latest"))
    fewer = settings(imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                     imageTagMutabilityExclusionFilters=_filters("latest"))
    assert settings_drift(source, same) == []
    [drift] = settings_drift(source, fewer)
    assert (drift.field, drift.source, drift.replica) == (
        "tag_mutability_exclusions", ["dev-*", "latest"], ["latest"])


def test_a_repository_without_exclusions_has_none_to_compare():
    assert settings()["tag_mutability_exclusions"] is None
