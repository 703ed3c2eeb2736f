"""Each replication puts an `ECR Replication Action` event on the destination's default bus,
and an EventBridge rule delivers it: rule → SNS topic → subscribed SQS queue."""

from __future__ import annotations

import json
from typing import Any

from ecrrep.sandbox.images import put_image, sample_manifest
from tests.support.account import ACCOUNT_ID
from tests.support.sandbox_replication import DELAY, SOURCE, configure_rules, rule

DESTINATION = "us-west-2"
FAILED_PATTERN = {"source": ["aws.ecr"], "detail-type": ["ECR Replication Action"],
                  "detail": {"result": ["FAILED"]}}


def topic_with_queue(sandbox: Any, region: str) -> tuple[str, str]:
    """An SNS topic with an SQS queue subscribed to it; returns (topic ARN, queue URL)."""
    sns, sqs = sandbox.client("sns", region), sandbox.client("sqs", region)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="watch")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs",
                  Endpoint=queue_arn["Attributes"]["QueueArn"])
    return topic, queue


def rule_to(sandbox: Any, region: str, target: dict[str, str]) -> None:
    events = sandbox.client("events", region)
    events.put_rule(Name="replication-failed", EventPattern=json.dumps(FAILED_PATTERN))
    events.put_targets(Rule="replication-failed", Targets=[target])


def received_events(sandbox: Any, region: str, queue: str) -> list[dict[str, Any]]:
    answer = sandbox.client("sqs", region).receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in answer.get("Messages", [])]


def push_replicated(sandbox: Any, failure_rate: float) -> str:
    ecr = sandbox.client("ecr", SOURCE)
    ecr.create_repository(repositoryName="apps/web")
    configure_rules(sandbox, rule("apps", DESTINATION))
    sandbox.configure(replication_failure_rate=failure_rate)
    return put_image(ecr, "apps/web", sample_manifest("web"), ["v1"])


def test_a_failed_replication_reaches_a_queue_through_rule_and_topic(sandbox):
    topic, queue = topic_with_queue(sandbox, DESTINATION)
    rule_to(sandbox, DESTINATION, {"Id": "topic", "Arn": topic})
    digest = push_replicated(sandbox, failure_rate=1.0)
    assert received_events(sandbox, DESTINATION, queue) == []
    sandbox.advance(DELAY)
    [event] = received_events(sandbox, DESTINATION, queue)
    assert event["source"] == "aws.ecr"
    assert event["detail-type"] == "ECR Replication Action"
    assert event["region"] == DESTINATION
    assert event["resources"] == [
        f"arn:aws:ecr:{DESTINATION}:{ACCOUNT_ID}:repository/apps/web"]
    assert event["detail"] == {
        "result": "FAILED", "repository-name": "apps/web", "image-digest": digest,
        "source-account": ACCOUNT_ID, "action-type": "REPLICATE", "source-region": SOURCE,
        "image-tag": "v1"}


def test_a_successful_replication_does_not_match_the_failure_rule(sandbox):
    topic, queue = topic_with_queue(sandbox, DESTINATION)
    rule_to(sandbox, DESTINATION, {"Id": "topic", "Arn": topic})
    push_replicated(sandbox, failure_rate=0.0)
    sandbox.advance(DELAY)
    assert sandbox.client("ecr", DESTINATION).describe_images(
        repositoryName="apps/web")["imageDetails"]
    assert received_events(sandbox, DESTINATION, queue) == []


def test_a_failure_forwarded_to_the_source_bus_reaches_the_source_topic(sandbox):
    """ecrrep's design: destination rule → source region's default bus → rule → topic."""
    topic, queue = topic_with_queue(sandbox, SOURCE)
    rule_to(sandbox, SOURCE, {"Id": "topic", "Arn": topic})
    rule_to(sandbox, DESTINATION, {
        "Id": "bus", "Arn": f"arn:aws:events:{SOURCE}:{ACCOUNT_ID}:event-bus/default",
        "RoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/forward"})
    push_replicated(sandbox, failure_rate=1.0)
    sandbox.advance(DELAY)
    [event] = received_events(sandbox, SOURCE, queue)
    assert event["detail"]["result"] == "FAILED"
    assert event["detail"]["source-region"] == SOURCE


def test_a_scheduled_rule_with_a_lambda_target_does_not_stop_delivery(sandbox):
    """moto matches every event against a scheduled rule and cannot deliver to Lambda; AWS
    matches no event against a schedule, so the failure rule still delivers."""
    events = sandbox.client("events", DESTINATION)
    events.put_rule(Name="nightly", ScheduleExpression="cron(0 2 * * ? *)")
    events.put_targets(Rule="nightly", Targets=[{
        "Id": "fn", "Arn": f"arn:aws:lambda:{DESTINATION}:{ACCOUNT_ID}:function:cleanup"}])
    topic, queue = topic_with_queue(sandbox, DESTINATION)
    rule_to(sandbox, DESTINATION, {"Id": "topic", "Arn": topic})
    push_replicated(sandbox, failure_rate=1.0)
    sandbox.advance(DELAY)
    assert [e["detail"]["result"] for e in received_events(sandbox, DESTINATION, queue)] == [
        "FAILED"]


def test_a_disabled_rule_delivers_nothing(sandbox):
    topic, queue = topic_with_queue(sandbox, DESTINATION)
    rule_to(sandbox, DESTINATION, {"Id": "topic", "Arn": topic})
    sandbox.client("events", DESTINATION).disable_rule(Name="replication-failed")
    push_replicated(sandbox, failure_rate=1.0)
    sandbox.advance(DELAY)
    assert received_events(sandbox, DESTINATION, queue) == []
