"""The replication failure events kind with plain values: rules forwarding to the source
region, and the roles they and the cleanup function use."""

from __future__ import annotations

from ecrrep.resources.replication_events import FAILED_REPLICATION_PATTERN, forwarding_role_policy
from ecrrep.resources.roles import role_designs
from ecrrep.resources.shared.event_rules import normalise_targets
from ecrrep.spec import naming
from tests.support.kind_inputs import (
    ACCOUNT,
    EVENT_RULES,
    FUNCTION,
    PROJECT,
    TARGET,
    TOPIC_ARN,
    make_spec,
)


def test_event_rules_forward_from_destinations_and_publish_in_the_source():
    rules = {r.region: r for r in EVENT_RULES.desired(make_spec(), TARGET)}
    assert sorted(rules) == ["eu-west-1", "us-east-1", "us-west-2"]
    for rule in rules.values():
        assert rule.attrs["event_pattern"] == FAILED_REPLICATION_PATTERN
        assert rule.name == f"{PROJECT}-ecr-replication-failed"
    assert rules["us-east-1"].attrs["targets"] == [{"Id": "alert-topic", "Arn": TOPIC_ARN}]
    for region in ("us-west-2", "eu-west-1"):
        assert rules[region].attrs["targets"] == [{
            "Id": "source-region-bus",
            "Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
            "RoleArn": naming.role_arn(ACCOUNT, f"{PROJECT}-ecr-events"),
        }]


def test_the_events_role_may_only_put_events_on_the_source_bus():
    designs = {d.name: d for d in role_designs(make_spec(), ACCOUNT)}
    events = designs[f"{PROJECT}-ecr-events"]
    assert events.services == ["events"]
    assert events.policy == forwarding_role_policy(ACCOUNT, "us-east-1")
    (statement,) = events.policy["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    off = make_spec(lambda d: d["notifications"].update(enabled=False))
    assert f"{PROJECT}-ecr-events" not in {d.name for d in role_designs(off, ACCOUNT)}
    assert EVENT_RULES.desired(off, TARGET) == []


def test_without_create_roles_the_tools_own_roles_are_still_created():
    def existing_roles(d):
        d["iam"] = {"create_roles": False,
                    "production_role_arn": f"arn:aws:iam::{ACCOUNT}:role/pull",
                    "ci_role_arn": f"arn:aws:iam::{ACCOUNT}:role/push"}

    spec = make_spec(existing_roles)
    names = {d.name for d in role_designs(spec, ACCOUNT)}
    assert names == {f"{PROJECT}-ecr-cleanup", f"{PROJECT}-ecr-events"}
    (function,) = FUNCTION.desired(spec, TARGET)
    assert function.attrs["role"].endswith(f":role/{PROJECT}-ecr-cleanup")


def test_the_cleanup_role_deletes_only_from_repositories_tagged_ours():
    designs = {d.name: d for d in role_designs(make_spec(), ACCOUNT)}
    statements = designs[f"{PROJECT}-ecr-cleanup"].policy["Statement"]
    (delete,) = [s for s in statements if "ecr:BatchDeleteImage" in s["Action"]]
    assert delete["Condition"] == {
        "StringEquals": {"aws:ResourceTag/ecrrep:project": PROJECT}}
    assert delete["Resource"] == (
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/my-company-apps/*")
    (read,) = [s for s in statements if "ecr:ListTagsForResource" in s["Action"]]
    assert "ecr:BatchGetImage" in read["Action"] and "Condition" not in read


def test_targets_compare_without_the_fields_we_do_not_set():
    read = [{"Id": "b", "Arn": "arn:b", "InputPath": None}, {"Id": "a", "Arn": "arn:a"}]
    assert normalise_targets(read) == [{"Id": "a", "Arn": "arn:a"}, {"Id": "b", "Arn": "arn:b"}]
