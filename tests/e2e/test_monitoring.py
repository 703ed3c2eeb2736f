"""Monitoring and automation end to end: the installed `ecrrep` against a moto server, the
account checked with plain boto3 (issue 3, first "Done when" item)."""

from __future__ import annotations

import json

import pytest

from tests.support.account import ACCOUNT_ID
from tests.support.e2e_steps import apply_ok, plan_json

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
SOURCE = "us-east-1"
DESTINATIONS = ["us-west-2", "eu-west-1"]
TOPIC_ARN = f"arn:aws:sns:{SOURCE}:{ACCOUNT_ID}:{PROJECT}-alerts"
FUNCTION = f"{PROJECT}-ecr-cleanup"
SCHEDULE = f"{PROJECT}-ecr-cleanup-schedule"
EVENT_RULE = f"{PROJECT}-ecr-replication-failed"
DASHBOARD = f"{PROJECT}-ecr"
ALLOWED_NAMESPACES = {"AWS/ECR", "ECRRep"}
FAILED_REPLICATIONS = {"source": ["aws.ecr"], "detail-type": ["ECR Replication Action"],
                       "detail": {"result": ["FAILED"]}}






def changing(doc: dict) -> dict[str, str]:
    """address → action, for every change the plan makes."""
    return {c["address"]: c["change"]["actions"][0] for c in doc["resource_changes"]
            if c["change"]["actions"] != ["no-op"]}


def alarm_namespaces(alarm: dict) -> set[str]:
    found = {alarm["Namespace"]} if alarm.get("Namespace") else set()
    for query in alarm.get("Metrics") or []:
        if "MetricStat" in query:
            found.add(query["MetricStat"]["Metric"]["Namespace"])
        else:
            # An expression may only combine the queries above (or an ECRRep schema).
            assert "SEARCH" not in query["Expression"]
            assert "SCHEMA" not in query["Expression"] or '"ECRRep"' in query["Expression"]
    return found


def test_apply_creates_topic_alarms_dashboard_function_schedule_and_event_rules(
        cli, aws, write_spec):
    write_spec()
    apply_ok(cli)

    sns = aws.client("sns", SOURCE)
    assert TOPIC_ARN in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    tags = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=TOPIC_ARN)["Tags"]}
    assert tags["ecrrep:project"] == PROJECT
    subs = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "devops@company.com")]
    policy = json.loads(sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]["Policy"])
    publishers = {s["Principal"]["Service"] for s in policy["Statement"]}
    assert publishers == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}

    cloudwatch = aws.client("cloudwatch", SOURCE)
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=PROJECT)["MetricAlarms"]
    assert len(alarms) >= 3
    assert f"{PROJECT}-replication-failure-rate" in {a["AlarmName"] for a in alarms}
    for alarm in alarms:
        assert alarm["AlarmActions"] == [TOPIC_ARN], alarm["AlarmName"]
        assert alarm["OKActions"] == [TOPIC_ARN], alarm["AlarmName"]
        namespaces = alarm_namespaces(alarm)
        assert namespaces and namespaces <= ALLOWED_NAMESPACES, (alarm["AlarmName"], namespaces)
        alarm_tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        assert {"Key": "ecrrep:project", "Value": PROJECT} in alarm_tags

    body = json.loads(cloudwatch.get_dashboard(DashboardName=DASHBOARD)["DashboardBody"])
    graphed = {(row[0], row[1]) for w in body["widgets"] for row in w["properties"]["metrics"]}
    assert graphed == {("AWS/ECR", "RepositoryPullCount"), ("ECRRep", "RepositorySizeBytes"),
                       ("ECRRep", "ReplicationFailureRate"), ("ECRRep", "ImagesExpired"),
                       ("ECRRep", "ReplicationLatencySeconds")}

    function = aws.client("lambda", SOURCE).get_function(FunctionName=FUNCTION)["Configuration"]
    assert function["Runtime"].startswith("python3.")
    cleanup_role = aws.client("iam").get_role(RoleName=f"{PROJECT}-ecr-cleanup")["Role"]
    assert function["Role"] == cleanup_role["Arn"]

    events = aws.client("events", SOURCE)
    assert events.describe_rule(Name=SCHEDULE)["ScheduleExpression"] == "cron(0 2 * * ? *)"
    (target,) = events.list_targets_by_rule(Rule=SCHEDULE)["Targets"]
    assert target["Arn"] == function["FunctionArn"]

    # Failed replications: destination rules forward to the source bus, whose rule publishes.
    source_bus = f"arn:aws:events:{SOURCE}:{ACCOUNT_ID}:event-bus/default"
    for region in [SOURCE, *DESTINATIONS]:
        regional = aws.client("events", region)
        rule = regional.describe_rule(Name=EVENT_RULE)
        assert json.loads(rule["EventPattern"]) == FAILED_REPLICATIONS
        (target,) = regional.list_targets_by_rule(Rule=EVENT_RULE)["Targets"]
        if region == SOURCE:
            assert target["Arn"] == TOPIC_ARN
        else:
            assert target["Arn"] == source_bus
            role = target["RoleArn"].rsplit("/", 1)[1]
            assert aws.client("iam").get_role(RoleName=role)["Role"]["Arn"] == target["RoleArn"]

    second = cli("plan", "--detailed-exitcode")
    assert second.returncode == 0, second.stdout + second.stderr


def test_turning_monitoring_off_plans_the_alarms_and_dashboard_deletion(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    alarm_names = [a["AlarmName"] for a in aws.client("cloudwatch", SOURCE).describe_alarms(
        AlarmNamePrefix=PROJECT)["MetricAlarms"]]
    write_spec(lambda spec: spec["monitoring"].update(enabled=False))
    planned = changing(plan_json(cli))
    expected = {f"cloudwatch_alarm.{SOURCE}.{name}": "delete" for name in alarm_names}
    expected[f"cloudwatch_dashboard.{SOURCE}.{DASHBOARD}"] = "delete"
    # The claim that made the dashboard ours goes with it.
    claim = f"/ecrrep/{PROJECT}/dashboard/{DASHBOARD}"
    expected[f"ownership_claim.{SOURCE}.{claim}"] = "delete"
    assert planned == expected
    apply_ok(cli)
    cloudwatch = aws.client("cloudwatch", SOURCE)
    assert cloudwatch.describe_alarms(AlarmNamePrefix=PROJECT)["MetricAlarms"] == []
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    left = aws.client("ssm", SOURCE).get_parameters_by_path(
        Path=f"/ecrrep/{PROJECT}", Recursive=True)["Parameters"]
    assert claim not in {p["Name"] for p in left} and left
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_turning_notifications_off_removes_topic_rules_and_alarm_actions(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    write_spec(lambda spec: spec["notifications"].update(enabled=False))
    planned = changing(plan_json(cli))
    assert planned[f"sns_topic.{SOURCE}.{PROJECT}-alerts"] == "delete"
    assert planned[f"sns_subscription.{SOURCE}.devops@company.com"] == "delete"
    assert planned[f"iam_role.global.{PROJECT}-ecr-events"] == "delete"
    for region in [SOURCE, *DESTINATIONS]:
        assert planned[f"replication_event_rule.{region}.{EVENT_RULE}"] == "delete"
    assert {a for a, action in planned.items() if action == "update"} == {
        a for a in planned if a.startswith("cloudwatch_alarm.")}
    apply_ok(cli)
    assert aws.client("sns", SOURCE).list_topics()["Topics"] == []
    for alarm in aws.client("cloudwatch", SOURCE).describe_alarms()["MetricAlarms"]:
        assert alarm["AlarmActions"] == [] and alarm["OKActions"] == []
    for region in [SOURCE, *DESTINATIONS]:
        assert aws.client("events", region).list_rules(NamePrefix=EVENT_RULE)["Rules"] == []
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_destroy_removes_monitoring_and_automation(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    result = cli("destroy", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert aws.client("sns", SOURCE).list_topics()["Topics"] == []
    cloudwatch = aws.client("cloudwatch", SOURCE)
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert aws.client("lambda", SOURCE).list_functions()["Functions"] == []
    for region in [SOURCE, *DESTINATIONS]:
        assert aws.client("events", region).list_rules()["Rules"] == []
    assert aws.client("iam").list_roles()["Roles"] == []
