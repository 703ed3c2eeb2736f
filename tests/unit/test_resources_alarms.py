"""The alarms kind with plain values: what the spec asks for, the metrics each alarm watches,
and normalisation of what CloudWatch hands back."""

from __future__ import annotations

import copy
from typing import Any

from ecrrep.cleanup.function import metrics
from ecrrep.engine.diff import diff_resources
from ecrrep.engine.plan import Resource
from ecrrep.resources.shared.alarm_definitions import GIB, desired_alarms, is_our_alarm_name
from ecrrep.resources.shared.alarm_documents import ALARM_FIELDS, normalise_alarm
from ecrrep.spec import naming
from tests.support.kind_inputs import (
    ACCOUNT,
    ALARMS,
    ALLOWED_NAMESPACES,
    DASHBOARD,
    OPTIONS,
    PROJECT,
    TARGET,
    TOPIC_ARN,
    make_spec,
    namespaces_of,
    no_changes,
)


def described(alarm: dict[str, Any], name: str, tags_arn: str = "") -> dict[str, Any]:
    """An alarm as describe_alarms returns it: server fields and defaults filled in, lists in
    another order."""
    out = copy.deepcopy({k: v for k, v in alarm.items() if k != "tags"})
    out.update({
        "AlarmName": name,
        "AlarmArn": tags_arn or naming.alarm_arn("us-east-1", ACCOUNT, name),
        "AlarmConfigurationUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "ActionsEnabled": True,
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "StateUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "DatapointsToAlarm": out["EvaluationPeriods"],
        "Threshold": float(out["Threshold"]),
    })
    out.setdefault("Dimensions", [])
    if "Metrics" in out:
        out["Metrics"] = list(reversed(out["Metrics"]))
    else:
        out["Metrics"] = []
        out["Period"] = int(out["Period"])
    out.setdefault("TreatMissingData", "missing")
    return out


def test_the_example_asks_for_a_failure_rate_alarm_and_two_per_repository():
    alarms = desired_alarms(make_spec(), ACCOUNT)
    assert sorted(alarms) == sorted([
        f"{PROJECT}-replication-failure-rate",
        f"{PROJECT}-production-pull-count", f"{PROJECT}-production-size",
        f"{PROJECT}-testing-pull-count", f"{PROJECT}-testing-size",
    ])
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [TOPIC_ARN]
        assert alarm["OKActions"] == [TOPIC_ARN]
        assert namespaces_of(alarm) <= ALLOWED_NAMESPACES


def test_alarms_watch_the_published_metrics_with_the_spec_thresholds():
    spec = make_spec()
    alarms = desired_alarms(spec, ACCOUNT)
    pulls = alarms[f"{PROJECT}-production-pull-count"]
    assert (pulls["Namespace"], pulls["MetricName"], pulls["Statistic"], pulls["Period"]) == (
        "AWS/ECR", "RepositoryPullCount", "Sum", 300)
    assert pulls["Dimensions"] == [{"Name": "RepositoryName",
                                    "Value": "my-company-apps/production"}]
    assert pulls["Threshold"] == 1000.0
    assert pulls["TreatMissingData"] == "notBreaching"
    size = alarms[f"{PROJECT}-production-size"]
    assert (size["Namespace"], size["MetricName"]) == (metrics.NAMESPACE,
                                                       metrics.REPOSITORY_SIZE_BYTES)
    assert size["Threshold"] == 50 * GIB
    rate = alarms[f"{PROJECT}-replication-failure-rate"]
    assert rate["Threshold"] == 10.0
    queries = {q["Id"]: q for q in rate["Metrics"]}
    watched = [q for q in queries.values() if q["ReturnData"]]
    assert [q["Expression"] for q in watched] == ["MAX([r_us_west_2, r_eu_west_1])"]
    regions = sorted(q["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
                     for q in queries.values() if "MetricStat" in q)
    assert regions == ["eu-west-1", "us-west-2"]
    assert {q["MetricStat"]["Metric"]["MetricName"] for q in queries.values()
            if "MetricStat" in q} == {metrics.REPLICATION_FAILURE_RATE}
    for alarm in (size, rate):
        assert alarm["TreatMissingData"] == "ignore"


def test_every_ecrrep_alarm_watches_this_projects_series_only():
    alarms = desired_alarms(make_spec(), ACCOUNT)
    project = {"Name": "Project", "Value": PROJECT}
    size = alarms[f"{PROJECT}-production-size"]
    assert size["Dimensions"] == [project, {"Name": "RepositoryName",
                                            "Value": "my-company-apps/production"}]
    rate = alarms[f"{PROJECT}-replication-failure-rate"]
    for query in rate["Metrics"]:
        if "MetricStat" in query:
            assert project in query["MetricStat"]["Metric"]["Dimensions"]
    # What the cleanup function publishes carries the same dimensions.
    datum = metrics.repository_size_datum("my-company-apps/production", 1, project=PROJECT)
    assert sorted(datum["Dimensions"], key=lambda d: d["Name"]) == size["Dimensions"]


def test_an_alarm_read_back_with_server_defaults_is_unchanged():
    spec = make_spec()
    desired = ALARMS.desired(spec, TARGET)
    current = [
        Resource(r.type, r.region, r.name,
                 {**normalise_alarm(described(r.attrs, r.name)), "tags": dict(r.attrs["tags"])})
        for r in desired
    ]
    assert no_changes(desired, current)


def test_normalise_alarm_drops_defaults_and_orders_lists():
    alarm = {
        "AlarmName": "x", "ActionsEnabled": True, "AlarmDescription": "",
        "AlarmActions": ["b", "a"], "OKActions": [], "InsufficientDataActions": [],
        "Namespace": "AWS/ECR", "MetricName": "RepositoryPullCount", "Statistic": "Sum",
        "Dimensions": [{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}],
        "Period": 300, "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "Threshold": 5,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "missing",
        "Unit": None, "StateValue": "OK",
    }
    assert normalise_alarm(alarm) == {
        "AlarmActions": ["a", "b"],
        "Namespace": "AWS/ECR", "MetricName": "RepositoryPullCount", "Statistic": "Sum",
        "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}],
        "Period": 300, "EvaluationPeriods": 2, "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    assert set(normalise_alarm(alarm)) <= set(ALARM_FIELDS)


def test_a_changed_threshold_is_one_field_change():
    spec = make_spec()
    current = ALARMS.desired(spec, TARGET)
    wanted = ALARMS.desired(make_spec(lambda d: d["monitoring"].update(
        pull_count_per_5min=5)), TARGET)
    changes = [c for c in diff_resources(wanted, current, OPTIONS) if c.is_change]
    assert [(c.name, [f.field for f in c.fields]) for c in changes] == [
        (f"{PROJECT}-production-pull-count", ["AlarmDescription", "Threshold"]),
        (f"{PROJECT}-testing-pull-count", ["AlarmDescription", "Threshold"]),
    ]


def test_without_notifications_the_alarms_have_no_actions():
    alarms = desired_alarms(make_spec(lambda d: d["notifications"].update(enabled=False)),
                            ACCOUNT)
    assert alarms
    for alarm in alarms.values():
        assert "AlarmActions" not in alarm and "OKActions" not in alarm


def test_without_monitoring_there_are_no_alarms_and_no_dashboard():
    spec = make_spec(lambda d: d["monitoring"].update(enabled=False))
    assert ALARMS.desired(spec, TARGET) == []
    assert DASHBOARD.desired(spec, TARGET) == []


def test_more_than_ten_destinations_use_one_metrics_insights_query():
    regions = ["us-west-1", "us-west-2", "us-east-2", "eu-west-1", "eu-west-2", "eu-west-3",
               "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-southeast-2"]
    alarms = desired_alarms(make_spec(lambda d: d.update(destination_regions=regions)), ACCOUNT)
    rate = alarms[f"{PROJECT}-replication-failure-rate"]
    (query,) = rate["Metrics"]
    assert query["Expression"] == (
        'SELECT MAX(ReplicationFailureRate) FROM SCHEMA("ECRRep", DestinationRegion, Project) '
        f"WHERE Project = '{PROJECT}'")
    assert query["ReturnData"] is True and query["Period"] == 3600
    assert namespaces_of(rate) == {metrics.NAMESPACE}
    ten = desired_alarms(make_spec(lambda d: d.update(destination_regions=regions[:10])),
                         ACCOUNT)[f"{PROJECT}-replication-failure-rate"]
    assert sum("MetricStat" in q for q in ten["Metrics"]) == 10


def test_only_alarm_names_of_our_shapes_are_claimed():
    assert is_our_alarm_name(f"{PROJECT}-replication-failure-rate", PROJECT)
    assert is_our_alarm_name(f"{PROJECT}-web-pull-count", PROJECT)
    assert is_our_alarm_name(f"{PROJECT}-web-size", PROJECT)
    assert not is_our_alarm_name(f"{PROJECT}-handmade", PROJECT)
    assert not is_our_alarm_name("other-web-size", PROJECT)
