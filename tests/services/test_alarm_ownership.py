"""Alarm ownership from the tags read from each alarm, the tagging index only a shortcut: our
alarms right after an apply (missing from the index or with old tags there), alarms of removed
repositories, and a delete of an alarm already gone."""

from __future__ import annotations

import boto3
from botocore.exceptions import ClientError

from ecrrep.engine.plan import Change
from ecrrep.engine.planner import plan_for
from ecrrep.resources import alarms
from ecrrep.resources.base import ApplyOptions
from tests.support.in_process_plans import (
    OPTIONS,
    PROJECT,
    converge,
    fresh_ctx,
    make_spec,
    pending,
)

# -- alarm ownership from the alarms' own tags -----------------------------------------------


def lagging_index(monkeypatch, index: dict) -> None:
    """The tagging API as it is right after an apply: missing alarms or showing old tags."""
    monkeypatch.setattr(alarms, "_indexed_alarm_tags", lambda ctx, region, project: index)


def test_our_alarms_missing_from_a_lagging_index_are_still_ours(ctx, monkeypatch):
    spec = make_spec()
    converge(spec)
    lagging_index(monkeypatch, {})
    assert pending(spec) == {}  # not conflicts, not re-creates
    doomed = plan_for(fresh_ctx(), spec, OPTIONS, destroy=True)
    deleted = {c.name for c in doomed.changes
               if c.type == "cloudwatch_alarm" and c.action == "delete"}
    assert deleted == {f"{PROJECT}-replication-failure-rate", f"{PROJECT}-production-size",
                       f"{PROJECT}-production-pull-count"}


def test_an_index_with_old_tags_is_checked_against_the_alarm(ctx, monkeypatch):
    spec = make_spec()
    converge(spec)
    cloudwatch = boto3.client("cloudwatch", "us-east-1")
    arn = cloudwatch.describe_alarms(AlarmNames=[f"{PROJECT}-production-size"])[
        "MetricAlarms"][0]["AlarmArn"]
    lagging_index(monkeypatch, {arn: {"ecrrep:project": PROJECT, "Team": "old"}})
    assert pending(spec) == {}


def test_alarms_of_a_removed_repository_are_found_and_deleted(ctx, monkeypatch):
    def two(d):
        d["repositories"].append({**d["repositories"][0], "name": "extra"})

    converge(make_spec(two))
    lagging_index(monkeypatch, {})
    changes = pending(make_spec())
    assert {a for a, c in changes.items()
            if c.action == "delete" and c.type == "cloudwatch_alarm"} == {
        f"cloudwatch_alarm.us-east-1.{PROJECT}-extra-size",
        f"cloudwatch_alarm.us-east-1.{PROJECT}-extra-pull-count"}
    converge(make_spec())
    names = {a["AlarmName"] for a in boto3.client("cloudwatch", "us-east-1").describe_alarms()[
        "MetricAlarms"]}
    assert not any("extra" in name for name in names)


def test_an_untagged_alarm_the_index_calls_ours_is_not_deleted(ctx, monkeypatch):
    spec = make_spec()
    converge(spec)
    cloudwatch = boto3.client("cloudwatch", "us-east-1")
    cloudwatch.put_metric_alarm(AlarmName=f"{PROJECT}-handmade-size", MetricName="M",
                                Namespace="N", Statistic="Sum", Period=60, EvaluationPeriods=1,
                                Threshold=1, ComparisonOperator="GreaterThanThreshold")
    arn = cloudwatch.describe_alarms(AlarmNames=[f"{PROJECT}-handmade-size"])[
        "MetricAlarms"][0]["AlarmArn"]
    lagging_index(monkeypatch, {arn: {"ecrrep:project": PROJECT}})  # stale: says ours
    assert pending(spec) == {}
    converge(spec)
    assert cloudwatch.describe_alarms(AlarmNames=[f"{PROJECT}-handmade-size"])["MetricAlarms"]


def test_deleting_an_alarm_already_gone_is_done():
    class GoneAlarms:
        def delete_alarms(self, AlarmNames):
            raise ClientError({"Error": {"Code": "ResourceNotFound",
                                         "Message": "alarm not found"}}, "DeleteAlarms")

    class Ctx:
        def client(self, service, region):
            return GoneAlarms()

    change = Change("cloudwatch_alarm", "us-east-1", f"{PROJECT}-web-size", "delete",
                    {"tags": {}}, None)
    alarms.KIND.apply(Ctx(), change, ApplyOptions())  # no error
