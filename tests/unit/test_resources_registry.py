"""The kinds' registry: kinds in dependency order."""

from __future__ import annotations

from ecrrep.resources import (
    all_kinds,
)


def test_kinds_are_registered_in_dependency_order():
    order = [k.type for k in all_kinds()]
    for before, after in [("iam_role", "lambda_function"), ("sns_topic", "sns_subscription"),
                          ("sns_topic", "cloudwatch_alarm"), ("lambda_function",
                                                               "cleanup_schedule"),
                          ("sns_topic", "replication_event_rule"),
                          ("iam_role", "replication_event_rule")]:
        assert order.index(before) < order.index(after), (before, after)
