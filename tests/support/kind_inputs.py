"""The example spec and target the kinds' unit tests plan with, the kinds by name, and the
one check they share: a read-back that needs no change."""

from __future__ import annotations

import re
from typing import Any

import yaml

from ecrrep.cleanup.function import metrics
from ecrrep.engine.diff import DiffOptions, diff_resources
from ecrrep.engine.plan import Plan, Resource
from ecrrep.resources import (
    alarms,
    cleanup_function,
    dashboard,
    replication_events,
    schedule,
    subscription,
    topic,
)
from ecrrep.resources.base import Target
from ecrrep.spec.models import Spec
from tests.support.specs import EXAMPLE_SPEC

ACCOUNT = "123456789012"
TARGET = Target(ACCOUNT)
PROJECT = "container-registry-replication"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:{PROJECT}-alerts"
OPTIONS = DiffOptions(PROJECT)
ALARMS, DASHBOARD, FUNCTION = alarms.KIND, dashboard.KIND, cleanup_function.KIND
SCHEDULE, EVENT_RULES = schedule.KIND, replication_events.KIND
TOPIC, SUBSCRIPTION_KIND = topic.KIND, subscription.KIND
ALLOWED_NAMESPACES = {"AWS/ECR", metrics.NAMESPACE}


def make_spec(edit=None) -> Spec:
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    if edit:
        edit(data)
    return Spec.model_validate(data)


def no_changes(desired: list[Resource], current: list[Resource]) -> bool:
    return not Plan(diff_resources(desired, current, OPTIONS)).has_changes


def sub(email: str, arn: str, protocol: str = "email") -> dict[str, str]:
    """A subscription of our topic as ListSubscriptionsByTopic lists it."""
    return {"SubscriptionArn": arn, "Protocol": protocol, "Endpoint": email,
            "TopicArn": TOPIC_ARN, "Owner": ACCOUNT}


def namespaces_of(alarm: dict[str, Any]) -> set[str]:
    """Every metric namespace an alarm (normalised) watches."""
    found = {alarm["Namespace"]} if alarm.get("Namespace") else set()
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            found.add(query["MetricStat"]["Metric"]["Namespace"])
        expression = query.get("Expression", "")
        found.update(re.findall(r'SCHEMA\(\s*"([^"]+)"', expression))
    return found
