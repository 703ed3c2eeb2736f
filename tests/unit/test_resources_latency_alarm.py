"""The replication latency alarm and dashboard widget with plain values: absent without a
threshold, the highest ReplicationLatencySeconds over the destinations when there is one, and
a graph next to the failure rate."""

from __future__ import annotations

from typing import Any

from ecrrep.cleanup.function import metrics
from ecrrep.engine.plan import Resource
from ecrrep.resources.shared.alarm_definitions import (
    alarm_summary,
    desired_alarms,
    is_our_alarm_name,
)
from ecrrep.resources.shared.alarm_documents import normalise_alarm
from ecrrep.resources.shared.dashboard_body import dashboard_body
from tests.support.kind_inputs import (
    ACCOUNT,
    ALARMS,
    PROJECT,
    TARGET,
    TOPIC_ARN,
    make_spec,
    no_changes,
)
from tests.unit.test_resources_alarms import described

LATENCY_ALARM = f"{PROJECT}-replication-latency"
LATENCY_TITLE = "Replication latency per destination region (p95, seconds)"


def _threshold(seconds: Any, regions: list[str] | None = None):
    def edit(d):
        d["monitoring"]["replication_latency_seconds"] = seconds
        if regions is not None:
            d["destination_regions"] = regions
    return edit


def _region_query(region: str) -> dict[str, Any]:
    return {
        "Id": "r_" + region.replace("-", "_"),
        "MetricStat": {
            "Metric": {
                "Namespace": "ECRRep",
                "MetricName": "ReplicationLatencySeconds",
                # Normalised: sorted by name, as CloudWatch may return them.
                "Dimensions": [{"Name": "DestinationRegion", "Value": region},
                               {"Name": "Project", "Value": PROJECT}],
            },
            "Period": 3600,
            "Stat": "Maximum",
        },
        "ReturnData": False,
    }


def test_without_a_threshold_there_is_no_latency_alarm():
    assert LATENCY_ALARM not in desired_alarms(make_spec(), ACCOUNT)


def test_the_latency_alarm_watches_the_slowest_destination_region():
    alarm = desired_alarms(make_spec(_threshold(900)), ACCOUNT)[LATENCY_ALARM]
    assert alarm["Threshold"] == 900.0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["TreatMissingData"] == "ignore"
    assert alarm["AlarmActions"] == [TOPIC_ARN]
    assert alarm["OKActions"] == [TOPIC_ARN]
    assert sorted(alarm["Metrics"], key=lambda q: q["Id"]) == [
        {"Id": "latency", "Expression": "MAX([r_us_west_2, r_eu_west_1])",
         "Label": "Slowest replication, 95th percentile (seconds)", "ReturnData": True},
        _region_query("eu-west-1"),
        _region_query("us-west-2"),
    ]


def test_beyond_ten_regions_one_metrics_insights_query_takes_the_maximum():
    regions = ["us-west-1", "us-west-2", "us-east-2", "eu-west-1", "eu-west-2", "eu-west-3",
               "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-southeast-1"]
    alarm = desired_alarms(make_spec(_threshold(60, regions)), ACCOUNT)[LATENCY_ALARM]
    assert alarm["Metrics"] == [{
        "Id": "latency",
        "Expression": ("SELECT MAX(ReplicationLatencySeconds) FROM "
                       'SCHEMA("ECRRep", DestinationRegion, Project) '
                       f"WHERE Project = '{PROJECT}'"),
        "Period": 3600,
        "Label": "Slowest replication, 95th percentile (seconds)",
        "ReturnData": True,
    }]


def test_without_notifications_the_latency_alarm_notifies_nobody():
    def edit(d):
        _threshold(900)(d)
        d["notifications"]["enabled"] = False
    alarm = desired_alarms(make_spec(edit), ACCOUNT)[LATENCY_ALARM]
    # Normalised: an empty list is CloudWatch's default, so it is left out.
    assert (alarm.get("AlarmActions", []), alarm.get("OKActions", [])) == ([], [])


def test_the_latency_alarm_is_ours_by_name_and_reads_in_seconds():
    assert is_our_alarm_name(LATENCY_ALARM, PROJECT)
    assert not is_our_alarm_name("other-project-replication-latency", PROJECT)
    alarm = desired_alarms(make_spec(_threshold(900)), ACCOUNT)[LATENCY_ALARM]
    assert alarm_summary(alarm) == [
        "alarm when MAX([r_us_west_2, r_eu_west_1]) of ECRRep ReplicationLatencySeconds "
        f"(eu-west-1, {PROJECT}, us-west-2, {PROJECT}) > 900 s",
        f"missing data: ignore; notifies {PROJECT}-alerts on ALARM and OK",
    ]


def test_the_latency_alarm_read_back_with_server_defaults_is_unchanged():
    (desired,) = [r for r in ALARMS.desired(make_spec(_threshold(900)), TARGET)
                  if r.name == LATENCY_ALARM]
    current = Resource(desired.type, desired.region, desired.name,
                       {**normalise_alarm(described(desired.attrs, desired.name)),
                        "tags": dict(desired.attrs["tags"])})
    assert no_changes([desired], [current])


def _widgets(spec) -> dict[str, dict[str, Any]]:
    return {w["properties"]["title"]: w for w in dashboard_body(spec)["widgets"]}


def test_the_dashboard_graphs_latency_per_region_next_to_the_failure_rate():
    widgets = _widgets(make_spec())
    latency = widgets[LATENCY_TITLE]
    rate = widgets["Replication failure rate per destination region (%)"]
    assert (latency["y"], latency["x"]) == (rate["y"], rate["x"] + rate["width"])
    properties = latency["properties"]
    assert properties["metrics"] == [
        ["ECRRep", "ReplicationLatencySeconds", "Project", PROJECT, "DestinationRegion", region]
        for region in ["us-west-2", "eu-west-1"]
    ]
    assert (properties["stat"], properties["period"], properties["region"]) == (
        "Maximum", 3600, "us-east-1")
    assert properties["yAxis"] == {"left": {"min": 0}}
    assert "annotations" not in properties  # no threshold, no line


def test_the_latency_graph_draws_the_alarm_threshold():
    properties = _widgets(make_spec(_threshold(900)))[LATENCY_TITLE]["properties"]
    assert properties["annotations"] == {
        "horizontal": [{"label": "alarm threshold", "value": 900.0}]}


def test_the_latency_graph_stays_next_to_the_failure_rate_when_graphs_are_split():
    def many(d):
        d["repositories"] = [{**d["repositories"][0], "name": f"app-{n:04d}"}
                             for n in range(600)]
        d["cleanup"]["retention_days"] = {}
    widgets = _widgets(make_spec(many))
    latency = widgets[LATENCY_TITLE]
    rate = widgets["Replication failure rate per destination region (%)"]
    assert (latency["y"], latency["x"]) == (rate["y"], rate["x"] + rate["width"])
    assert metrics.REPLICATION_LATENCY_SECONDS in latency["properties"]["metrics"][0]
