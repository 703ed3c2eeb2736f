"""The replication latency alarm end to end: the installed `ecrrep` against a moto server, the
account checked with plain boto3."""

from __future__ import annotations

import pytest

from tests.support.account import ACCOUNT_ID
from tests.support.e2e_steps import apply_ok

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
SOURCE = "us-east-1"
ALARM = f"{PROJECT}-replication-latency"
TOPIC_ARN = f"arn:aws:sns:{SOURCE}:{ACCOUNT_ID}:{PROJECT}-alerts"


def with_threshold(seconds):
    def edit(spec):
        spec["monitoring"]["replication_latency_seconds"] = seconds
    return edit


def latency_alarms(aws) -> list[dict]:
    return aws.client("cloudwatch", SOURCE).describe_alarms(AlarmNames=[ALARM])["MetricAlarms"]


def test_a_threshold_creates_the_alarm_a_second_plan_keeps_and_destroy_removes(
        cli, aws, write_spec):
    write_spec(with_threshold(900))
    apply_ok(cli)

    (alarm,) = latency_alarms(aws)
    assert alarm["Threshold"] == 900.0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["TreatMissingData"] == "ignore"
    assert alarm["AlarmActions"] == [TOPIC_ARN]
    assert alarm["OKActions"] == [TOPIC_ARN]
    queries = {q["Id"]: q for q in alarm["Metrics"]}
    assert queries["latency"]["Expression"] == "MAX([r_us_west_2, r_eu_west_1])"
    assert queries["latency"]["ReturnData"] is True
    watched = {
        (q["MetricStat"]["Metric"]["Namespace"], q["MetricStat"]["Metric"]["MetricName"],
         q["MetricStat"]["Stat"],
         tuple(sorted((d["Name"], d["Value"]) for d in q["MetricStat"]["Metric"]["Dimensions"])))
        for q in queries.values() if "MetricStat" in q
    }
    assert watched == {
        ("ECRRep", "ReplicationLatencySeconds", "Maximum",
         (("DestinationRegion", region), ("Project", PROJECT)))
        for region in ["us-west-2", "eu-west-1"]
    }

    assert cli("plan", "--detailed-exitcode").returncode == 0

    result = cli("destroy", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert latency_alarms(aws) == []


def test_removing_the_threshold_deletes_the_alarm(cli, aws, write_spec):
    write_spec(with_threshold(900))
    apply_ok(cli)
    write_spec()
    apply_ok(cli)
    assert latency_alarms(aws) == []
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_a_bad_threshold_is_refused_before_any_change(cli, aws, write_spec):
    write_spec(with_threshold(0))
    result = cli("apply", "--auto-approve")
    assert result.returncode == 1
    assert "monitoring.replication_latency_seconds: must be greater than 0" in result.stderr
    cloudwatch = aws.client("cloudwatch", SOURCE)
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert aws.client("ecr", SOURCE).describe_repositories()["repositories"] == []
