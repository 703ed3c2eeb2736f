"""Apply lets another account's registry accept our replicas before our rule sends any there:
on AWS an image pushed between the rule's write and the policy's would fail to replicate
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-create-replication.html)."""

from __future__ import annotations

from ecrrep.engine.plan import Change, Plan
from ecrrep.engine.planner import apply_stages
from ecrrep.resources import all_kinds

POLICY, RULE = "ecr_registry_policy", "ecr_replication_rule"


def change(kind: str, action: str) -> Change:
    attrs = {"any": True}
    return Change(kind, "eu-central-1", "x", action,  # type: ignore[arg-type]
                  None if action == "create" else attrs, None if action == "delete" else attrs,
                  account="222222222222" if kind == POLICY else "")


def order(*changes: Change) -> list[tuple[str, str]]:
    return [(c.type, c.action) for stage in apply_stages(Plan(list(changes)), all_kinds())
            for c in stage]


def test_our_statement_is_written_before_the_rule_that_replicates_into_it():
    assert order(change(RULE, "create"), change(POLICY, "create")) == [
        (POLICY, "create"), (RULE, "create")]
    assert order(change(RULE, "update"), change(POLICY, "create")) == [
        (POLICY, "create"), (RULE, "update")]


def test_our_statement_is_removed_only_after_the_rule_stops_replicating_into_it():
    assert order(change(POLICY, "delete"), change(RULE, "delete")) == [
        (RULE, "delete"), (POLICY, "delete")]
    # A destination dropped from the spec: the rule is rewritten without it first.
    assert order(change(POLICY, "delete"), change(RULE, "update")) == [
        (RULE, "update"), (POLICY, "delete")]
