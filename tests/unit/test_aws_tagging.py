"""Tags and ownership with plain values (`ecrrep.aws.tagging`), and the base kind's dispatch of
apply to create / update / delete."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ecrrep.aws import AwsError
from ecrrep.aws.tagging import (
    OWNERSHIP_TAG,
    appeared_unowned,
    claim_if_ours,
    desired_tags,
    dict_to_tags,
    is_owned,
    project_of,
    sync_tags,
    tags_to_dict,
)
from ecrrep.engine.plan import Change, Resource
from ecrrep.engine.planner import with_deletion_facts
from ecrrep.resources.base import ApplyOptions, ResourceKind
from ecrrep.spec.loader import load_spec_text
from tests.support.specs import EXAMPLE_SPEC

PROJECT = "container-registry-replication"


def test_key_value_lists_and_mappings_convert_both_ways():
    listed = [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]
    assert tags_to_dict(listed) == {"a": "1", "b": "2"}
    assert tags_to_dict(None) == {}
    assert dict_to_tags({"b": "2", "a": "1"}) == sorted(listed, key=lambda t: t["Key"])


def test_desired_tags_are_the_environment_the_spec_tags_and_the_ownership_tag():
    spec = load_spec_text(EXAMPLE_SPEC.read_text(), str(EXAMPLE_SPEC)).spec
    assert desired_tags(spec) == {"Environment": "production", "Team": "DevOps",
                                  "CostCenter": "Engineering", OWNERSHIP_TAG: PROJECT}


def test_ownership_is_the_ownership_tag_naming_the_project():
    assert is_owned({OWNERSHIP_TAG: PROJECT}, PROJECT)
    assert not is_owned({OWNERSHIP_TAG: "other"}, PROJECT)
    assert not is_owned({}, PROJECT) and not is_owned(None, PROJECT)
    assert project_of({OWNERSHIP_TAG: "other"}) == "other" and project_of({}) is None


def test_sync_tags_sets_changed_tags_and_removes_dropped_ones_but_never_aws_tags():
    calls: list[tuple[str, object]] = []
    sync_tags({"keep": "1", "old": "x", "aws:cloudformation:stack-name": "s", "Team": "a"},
              {"keep": "1", "Team": "b", "new": "n"},
              tag=lambda tags: calls.append(("tag", tags)),
              untag=lambda keys: calls.append(("untag", keys)))
    assert calls == [("tag", {"Team": "b", "new": "n"}), ("untag", ["old"])]


def test_sync_tags_makes_no_call_when_nothing_changes():
    calls: list[str] = []
    sync_tags({"a": "1"}, {"a": "1"}, tag=lambda t: calls.append("tag"),
              untag=lambda k: calls.append("untag"))
    sync_tags(None, {}, tag=lambda t: calls.append("tag"), untag=lambda k: calls.append("untag"))
    assert calls == []


def test_a_retried_create_that_landed_is_ours_and_converges_from_its_tags():
    found = {OWNERSHIP_TAG: PROJECT, "Team": "old"}
    refusal = appeared_unowned("PutRule", "rule r", "a rule")
    assert claim_if_ours(found, {OWNERSHIP_TAG: PROJECT, "Team": "new"}, refusal) == found


@pytest.mark.parametrize("found", [{}, {OWNERSHIP_TAG: "other"}], ids=["untagged", "other"])
def test_a_same_named_resource_not_ours_is_refused_with_the_kinds_own_error(found):
    refusal = appeared_unowned("PutMetricAlarm", "alarm a", "an alarm")
    with pytest.raises(AwsError) as raised:
        claim_if_ours(found, {OWNERSHIP_TAG: PROJECT}, refusal)
    assert raised.value is refusal
    assert raised.value.code == "AlreadyExists"
    assert raised.value.message == ("an alarm of this name appeared since the plan was made, "
                                    "without our ownership tag; left untouched")


class RecordingKind(ResourceKind):
    type = "recording"
    title = "Recording"
    label_format = "thing {name} ({region})"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def desired(self, spec, target):
        return []

    def read(self, ctx, spec):
        return []

    def create(self, ctx, change, options):
        self.calls.append("create")

    def update(self, ctx, change, options):
        self.calls.append("update")

    def delete(self, ctx, change, options):
        self.calls.append("delete")
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteThing")

    def forget_cached(self, ctx, change):
        self.calls.append("forget")


def change(action: str) -> Change:
    return Change("recording", "us-east-1", "t", action, None, None)


def test_apply_dispatches_on_the_action_and_forgets_what_it_cached():
    kind = RecordingKind()
    kind.apply(None, change("create"), ApplyOptions())
    kind.apply(None, change("update"), ApplyOptions())
    assert kind.calls == ["create", "forget", "update", "forget"]


def test_an_aws_failure_in_apply_names_the_resource_and_forgets_nothing():
    kind = RecordingKind()
    with pytest.raises(AwsError) as raised:
        kind.apply(None, change("delete"), ApplyOptions())
    assert raised.value.code == "AccessDenied"
    assert "thing t (us-east-1)" in str(raised.value)
    assert kind.calls == ["delete"]


def test_deletion_facts_are_added_to_copies_of_the_read_resources():
    class Counting(RecordingKind):
        def read_deletion_facts(self, ctx, doomed):
            return {r.address: {"image_count": 3} for r in doomed}

    kept = Resource("recording", "us-east-1", "kept", {}, facts={"arn": "a"})
    doomed = Resource("recording", "us-east-1", "doomed", {}, facts={"arn": "b"})
    current = with_deletion_facts(None, [kept, doomed], {doomed.address}, [Counting()])
    assert current[0] is kept
    assert current[1].facts == {"arn": "b", "image_count": 3}
    assert doomed.facts == {"arn": "b"}  # what was read stays as read
