"""Comparing a saved plan's changes with a fresh plan's, with plain values."""

from __future__ import annotations

import json

import pytest

from ecrrep.engine.plan import PLANFILE_KIND, Change, Plan
from ecrrep.engine.saved_plan import (
    SavedPlanError,
    differing_addresses,
    load_saved_plan,
    verify_saved_plan,
)


def fresh() -> Plan:
    return Plan([
        Change("ecr_repository", "us-east-1", "apps/a", "create", None, {"scan": True}),
        Change("iam_role", "global", "p-ci", "no-op", {"x": 1}, {"x": 1}),
    ], "fp")


def saved_doc(plan: Plan) -> dict:
    return json.loads(json.dumps(plan.to_json()))


def test_the_same_changes_differ_nowhere():
    assert differing_addresses(saved_doc(fresh()), fresh()) == []


def test_every_kind_of_difference_names_its_address():
    doc = saved_doc(fresh())
    doc["resource_changes"][0]["change"]["after"]["scan"] = False
    doc["resource_changes"][1]["blocked"] = "nope"
    doc["resource_changes"].append({"address": "ecr_repository.us-east-1.x/y", "change": {}})
    assert differing_addresses(doc, fresh()) == [
        "ecr_repository.us-east-1.apps/a", "ecr_repository.us-east-1.x/y", "iam_role.global.p-ci"]


def test_a_dropped_or_repeated_change_differs():
    doc = saved_doc(fresh())
    dropped = doc["resource_changes"].pop()
    assert differing_addresses(doc, fresh()) == [dropped["address"]]
    doc["resource_changes"] += [dropped, dropped]
    assert differing_addresses(doc, fresh()) == [dropped["address"]]


def write(tmp_path, doc) -> str:
    path = tmp_path / "p.plan"
    path.write_text(json.dumps(doc))
    return str(path)


def test_a_stale_state_is_refused_before_the_changes_are_compared(tmp_path):
    doc = {"kind": PLANFILE_KIND, "spec_path": "s.yaml", "spec_text": "", "options": {},
           "state_fingerprint": "old", "plan": saved_doc(fresh())}
    saved = load_saved_plan(write(tmp_path, doc))
    with pytest.raises(SavedPlanError, match="has since changed"):
        verify_saved_plan(saved, fresh())


@pytest.mark.parametrize("doc", [[], {"kind": "other"}, {"kind": PLANFILE_KIND},
                                 {"kind": PLANFILE_KIND, "spec_path": "s", "spec_text": "",
                                  "state_fingerprint": "f", "plan": {"resource_changes": 3}}])
def test_a_file_that_is_not_a_saved_plan_is_one_error(tmp_path, doc):
    with pytest.raises(SavedPlanError, match="not a saved plan"):
        load_saved_plan(write(tmp_path, doc))
