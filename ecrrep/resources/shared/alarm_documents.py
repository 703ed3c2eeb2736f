"""Alarms compared by meaning: the PutMetricAlarm parameters ecrrep manages, without what
CloudWatch defaults, lists in a fixed order (pure functions)."""

from __future__ import annotations

from typing import Any

# The PutMetricAlarm parameters ecrrep manages (all but the name and the tags).
ALARM_FIELDS = (
    "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
    "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "ExtendedStatistic",
    "Dimensions", "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
    "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics",
    "ThresholdMetricId",
)
# What CloudWatch assumes when a parameter is left out, and hands back (or omits) in
# describe_alarms. A field equal to its default is dropped on both sides.
ALARM_EMPTY_VALUES: dict[str, Any] = {
    "AlarmDescription": "",
    "ActionsEnabled": True,
    "OKActions": [],
    "AlarmActions": [],
    "InsufficientDataActions": [],
    "Dimensions": [],
    "Metrics": [],
    "TreatMissingData": "missing",
    "Unit": None,
    "ExtendedStatistic": None,
    "EvaluateLowSampleCountPercentile": "",
    "ThresholdMetricId": None,
    "DatapointsToAlarm": None,
}


# -- normalisation (pure) --------------------------------------------------------------------


def _dimensions(dimensions: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return sorted(({"Name": d["Name"], "Value": d["Value"]} for d in dimensions or []),
                  key=lambda d: (d["Name"], d["Value"]))


def _metric_query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query["Id"]}
    stat = query.get("MetricStat")
    if stat:
        metric = stat["Metric"]
        normal_metric = {"Namespace": metric["Namespace"], "MetricName": metric["MetricName"]}
        if metric.get("Dimensions"):
            normal_metric["Dimensions"] = _dimensions(metric["Dimensions"])
        normal_stat: dict[str, Any] = {"Metric": normal_metric, "Period": int(stat["Period"]),
                                       "Stat": stat["Stat"]}
        if stat.get("Unit"):
            normal_stat["Unit"] = stat["Unit"]
        out["MetricStat"] = normal_stat
    for key in ("Expression", "Label", "AccountId"):
        if query.get(key):
            out[key] = query[key]
    if query.get("Period") is not None:
        out["Period"] = int(query["Period"])
    # Left out, ReturnData means true: the query is the one the alarm watches.
    out["ReturnData"] = bool(query.get("ReturnData", True))
    return out


def normalise_alarm(alarm: dict[str, Any]) -> dict[str, Any]:
    """The managed fields of an alarm (PutMetricAlarm parameters or a describe_alarms entry),
    without CloudWatch's defaults, lists in a fixed order: equal alarms compare equal."""
    out: dict[str, Any] = {}
    for key in ALARM_FIELDS:
        value = alarm.get(key)
        if value is None or value == ALARM_EMPTY_VALUES.get(key, object()):
            continue
        if key in ("OKActions", "AlarmActions", "InsufficientDataActions"):
            value = sorted(set(value))
        elif key == "Dimensions":
            value = _dimensions(value)
        elif key == "Metrics":
            value = sorted((_metric_query(q) for q in value), key=lambda q: q["Id"])
        elif key == "Threshold":
            value = float(value)
        elif key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            value = int(value)
        out[key] = value
    # DatapointsToAlarm left out means "every evaluation period", which is how AWS reads it.
    if out.get("DatapointsToAlarm") == out.get("EvaluationPeriods"):
        out.pop("DatapointsToAlarm", None)
    return out
