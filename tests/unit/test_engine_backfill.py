"""Which destinations a plan backfills, for which repositories, and the note it shows: pure,
over plans built from plain values."""

from __future__ import annotations

import json

from ecrrep.engine.backfill import (
    PlannedBackfill,
    annotate,
    backfills_in,
    candidates,
    planned_backfills,
    without_backfills,
)
from ecrrep.engine.plan import Change, Plan

ACCOUNT = "123456789012"
SOURCE = "us-east-1"


def rule(*regions: str, prefix: str = "apps/") -> dict:
    return {"destinations": [{"region": r, "registryId": ACCOUNT} for r in regions],
            "repository_filters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}


def rule_change(before: dict | None, after: dict | None, name: str = "proj",
                kept: bool = False) -> Change:
    action = "create" if before is None else "delete" if after is None else (
        "no-op" if before == after else "update")
    return Change("ecr_replication_rule", SOURCE, name, action, before, after, kept=kept)


def repository(name: str, action: str = "no-op", region: str = SOURCE, **facts) -> Change:
    attrs = {"tag_mutability": "MUTABLE"}
    return Change("ecr_repository", region, name, action, None if action == "create" else attrs,
                  attrs, facts=dict(facts))


def test_an_added_region_is_backfilled_for_every_existing_repository_with_images():
    plan = Plan([repository("apps/prod"), repository("apps/test"),
                 repository("apps/prod", "create", "eu-central-1"),
                 rule_change(rule("us-west-2"), rule("us-west-2", "eu-central-1"))])

    assert candidates(plan) == {("eu-central-1", ACCOUNT): ["apps/prod", "apps/test"]}
    (planned,) = planned_backfills(plan, holding={"apps/prod", "apps/test"})
    assert planned == PlannedBackfill("eu-central-1", ACCOUNT, ("apps/prod", "apps/test"),
                                      "apps/*")
    assert planned.note() == "backfill: existing images of apps/* to eu-central-1"


def test_only_repositories_holding_images_are_named_and_an_empty_one_needs_nothing():
    plan = Plan([repository("apps/prod"), repository("apps/test"),
                 rule_change(rule("us-west-2"), rule("us-west-2", "eu-central-1"))])

    (planned,) = planned_backfills(plan, holding={"apps/test"})
    assert planned.repositories == ("apps/test",)
    assert planned.note() == "backfill: existing images of apps/* to eu-central-1"
    assert planned_backfills(plan, holding=set()) == []


def test_a_repository_the_plan_creates_needs_no_backfill_and_no_read():
    plan = Plan([repository("apps/new", "create"),
                 rule_change(None, rule("us-west-2"))])

    assert candidates(plan) == {}


def test_a_plan_changing_no_rule_and_adopting_nothing_has_no_candidates():
    plan = Plan([repository("apps/prod"), rule_change(rule("us-west-2"), rule("us-west-2"))])

    assert candidates(plan) == {}


def test_an_adopted_repository_is_backfilled_to_each_of_its_destinations():
    plan = Plan([repository("apps/prod", takeover=True), repository("apps/test"),
                 rule_change(rule("us-west-2"), rule("us-west-2"))])

    assert candidates(plan) == {("us-west-2", ACCOUNT): ["apps/prod"]}
    (planned,) = planned_backfills(plan, holding={"apps/prod"})
    assert planned.note() == "backfill: existing images of apps/prod to us-west-2"


def test_several_rules_are_read_together_and_names_shown_where_no_one_prefix_says_it():
    # Per-repository destinations: production gains eu-central-1 through a second rule.
    prod_only = rule("eu-central-1", prefix="apps/prod")
    plan = Plan([repository("apps/prod"), repository("apps/test"),
                 rule_change(rule("us-west-2"), rule("us-west-2")),
                 rule_change(None, prod_only, name="proj-2")])

    assert candidates(plan) == {("eu-central-1", ACCOUNT): ["apps/prod"]}
    (planned,) = planned_backfills(plan, holding={"apps/prod", "apps/test"})
    assert planned.shown == "apps/prod*"


def test_a_foreign_rule_already_sending_there_means_no_gain():
    foreign = rule("eu-central-1", prefix="apps/prod")
    plan = Plan([repository("apps/prod"), repository("apps/test"),
                 rule_change(foreign, foreign, name="kept-rule-1", kept=True),
                 rule_change(rule("us-west-2"), rule("us-west-2", "eu-central-1"))])

    assert candidates(plan) == {("eu-central-1", ACCOUNT): ["apps/test"]}


def test_a_blocked_rule_change_plans_no_backfill():
    change = rule_change(rule("us-west-2"), rule("us-west-2", "eu-central-1"))
    change.blocked = "overlaps another project"

    assert candidates(Plan([repository("apps/prod"), change])) == {}


def test_the_note_and_entry_go_on_the_rule_change_and_come_back_out():
    change = rule_change(rule("us-west-2"), rule("us-west-2", "eu-central-1"))
    plan = annotate(Plan([repository("apps/prod"), change]),
                    planned_backfills(Plan([repository("apps/prod"), change]), {"apps/prod"}))

    assert change.notes == ["backfill: existing images of apps/* to eu-central-1"]
    entry = change.to_json()["facts"]["backfills"]
    assert entry == [{"region": "eu-central-1", "registry_id": ACCOUNT,
                      "repositories": ["apps/prod"], "shown": "apps/*"}]
    assert backfills_in(plan) == [PlannedBackfill("eu-central-1", ACCOUNT, ("apps/prod",),
                                                  "apps/*")]
    # Through a plan file's JSON and back, as `apply PLANFILE` reads it.
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert backfills_in(again) == backfills_in(plan)


def test_a_saved_plan_loses_only_its_backfill_notes_and_entries():
    change = rule_change(rule("us-west-2"), rule("us-west-2", "eu-central-1"))
    change.notes.append("warning: deletions will be replicated")
    change.facts["prefix"] = "apps"
    plain = json.loads(json.dumps(Plan([repository("apps/prod"), change]).to_json()))
    plan = Plan([repository("apps/prod"), change])
    annotate(plan, planned_backfills(plan, {"apps/prod"}))

    assert without_backfills(plan.to_json()) == plain
