"""The topic and subscription kinds with plain values: the policy, and pending and confirmed
subscriptions."""

from __future__ import annotations

from ecrrep.resources.subscription import (
    STATUS_CONFIRMED,
    STATUS_PENDING,
    subscription_resources,
)
from ecrrep.resources.topic import topic_policy
from tests.support.kind_inputs import (
    ACCOUNT,
    OPTIONS,
    PROJECT,
    SUBSCRIPTION_KIND,
    TARGET,
    TOPIC,
    TOPIC_ARN,
    make_spec,
    sub,
)


def test_topic_policy_lets_our_alarms_and_our_rule_publish():
    policy = topic_policy(make_spec(), ACCOUNT)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    alarms, events = by_sid["CloudWatchAlarmsPublish"], by_sid["EventBridgePublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    for statement in (alarms, events):
        assert statement["Action"] == "sns:Publish"
        assert statement["Resource"] == TOPIC_ARN
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert alarms["Condition"]["ArnLike"]["aws:SourceArn"] == \
        f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{PROJECT}-*"
    assert events["Condition"]["ArnEquals"]["aws:SourceArn"] == \
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{PROJECT}-ecr-replication-failed"


def test_notifications_off_wants_no_topic_and_no_subscription():
    spec = make_spec(lambda d: d["notifications"].update(enabled=False))
    assert TOPIC.desired(spec, TARGET) == [] and SUBSCRIPTION_KIND.desired(spec, TARGET) == []


def test_subscriptions_pending_and_confirmed():
    found = {r.name: r for r in subscription_resources("us-east-1", [
        sub("new@x.com", "PendingConfirmation"),
        sub("old@x.com", f"{TOPIC_ARN}:abc"),
        sub("stale@x.com", "PendingConfirmation"),
        sub("https://hook", f"{TOPIC_ARN}:def", protocol="https"),
    ], "new@x.com")}
    assert sorted(found) == ["new@x.com", "old@x.com", "stale@x.com"]
    assert found["new@x.com"].facts["status"] == STATUS_PENDING and found["new@x.com"].owned
    assert found["old@x.com"].facts == {"status": STATUS_CONFIRMED, "arn": f"{TOPIC_ARN}:abc"}
    assert not found["stale@x.com"].owned  # pending: nothing to unsubscribe with


def test_the_plan_says_a_subscription_is_pending_and_deletes_the_old_address():
    spec = make_spec(lambda d: d["notifications"].update(email="new@x.com"))
    desired = SUBSCRIPTION_KIND.desired(spec, TARGET)
    current = subscription_resources("us-east-1", [
        sub("new@x.com", "PendingConfirmation"), sub("old@x.com", f"{TOPIC_ARN}:abc"),
        sub("stale@x.com", "PendingConfirmation")], "new@x.com")
    changes = {c.name: c for c in SUBSCRIPTION_KIND.diff(desired, current, OPTIONS)}
    assert sorted(changes) == ["new@x.com", "old@x.com"]
    assert changes["new@x.com"].action == "no-op"
    assert any("pending confirmation" in n for n in changes["new@x.com"].notes)
    assert changes["old@x.com"].action == "delete"
    created = SUBSCRIPTION_KIND.diff(desired, [], OPTIONS)
    assert [c.action for c in created] == ["create"]
    assert "pending confirmation" in created[0].notes[0]
