"""The cleanup schedule kind with plain values: its target and the function's permission for it."""

from __future__ import annotations

import json

from ecrrep.resources.schedule import permission_from_policy
from ecrrep.spec import naming
from tests.support.kind_inputs import (
    ACCOUNT,
    PROJECT,
    SCHEDULE,
    TARGET,
    make_spec,
)


def test_schedule_targets_the_function_with_a_permission_for_this_rule():
    (rule,) = SCHEDULE.desired(make_spec(), TARGET)
    assert rule.attrs["schedule"] == "cron(0 2 * * ? *)"
    function_arn = naming.function_arn("us-east-1", ACCOUNT, f"{PROJECT}-ecr-cleanup")
    assert rule.attrs["targets"] == [{"Id": "cleanup-function", "Arn": function_arn}]
    assert rule.attrs["invoke_permission"] == {
        "principal": "events.amazonaws.com",
        "source_arn": naming.rule_arn("us-east-1", ACCOUNT, f"{PROJECT}-ecr-cleanup-schedule"),
    }


def test_the_permission_is_found_in_the_function_policy():
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "someone-else", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
         "Action": "lambda:InvokeFunction", "Resource": "f"},
        {"Sid": "p-ecr-cleanup-schedule", "Effect": "Allow",
         "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction",
         "Resource": "f", "Condition": {"ArnLike": {"AWS:SourceArn": "arn:rule"}}},
    ]})
    assert permission_from_policy(policy, "p-ecr-cleanup-schedule") == {
        "principal": "events.amazonaws.com", "source_arn": "arn:rule"}
    assert permission_from_policy(policy, "missing") is None
    assert permission_from_policy(None, "p-ecr-cleanup-schedule") is None
