"""EventBridge rules deliver events as AWS does where moto falls short: to SNS topic targets
(moto raises NotImplementedError for them, and for Lambda targets); to another event bus
with the event unchanged (moto re-puts it, losing its region, resources and id); never from a
scheduled rule without an event pattern (moto matches every event against it), never from a
DISABLED rule (moto ignores the state).

Follows https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rules.html: a rule whose pattern
matches publishes the event (as JSON, or as its input transformer renders it) to the topic,
which delivers it to the topic's subscriptions (an SQS queue subscribed to it receives it).
The topic policy's grant to events.amazonaws.com is not checked. A Lambda target is not
invoked: moto does not run function code.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

log = logging.getLogger(__name__)


def _service(target: dict[str, Any]) -> str:
    parts = str(target.get("Arn", "")).split(":")
    return parts[2] if len(parts) > 2 else ""


def delivers_events(rule: Any) -> bool:
    """Whether AWS would match events against this rule at all."""
    if rule.state != "ENABLED":
        return False
    return not (rule.scheduled_expression and not rule.event_pattern.get_pattern())


def _message(event: dict[str, Any], target: dict[str, Any]) -> str:
    from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
    from moto.events.utils import EventTemplateParser

    transformer = target.get("InputTransformer", {})
    body = EventTemplateParser.parse(input_template=transformer.get("InputTemplate"),
                                     input_paths_map=transformer.get("InputPathsMap", {}),
                                     event=event)
    if isinstance(body, dict) and isinstance(body.get("time"), int | float):
        body = {**body, "time": iso_8601_datetime_without_milliseconds(
            utcfromtimestamp(float(body["time"])))}
    return body if isinstance(body, str) else json.dumps(body)


def _publish(event: dict[str, Any], target: dict[str, Any]) -> None:
    from moto.sns.models import sns_backends

    _, _, _, region, account, _ = target["Arn"].split(":", 5)
    sns_backends[account][region].publish(message=_message(event, target), arn=target["Arn"])


def _forward(event: dict[str, Any], target: dict[str, Any]) -> None:
    """To another bus: its rules see the very event (region, resources, id kept), as
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html shows."""
    from moto.events.models import events_backends

    _, _, _, region, account, resource = target["Arn"].split(":", 5)
    bus = events_backends[account][region].describe_event_bus(resource.split("/", 1)[1])
    for rule in list(bus.rules.values()):
        rule.send_to_targets(copy.deepcopy(event))


def _is_bus(target: dict[str, Any]) -> bool:
    return _service(target) == "events" and ":event-bus/" in str(target.get("Arn"))


def install() -> None:
    from moto.events.models import Rule

    if getattr(Rule.send_to_targets, "_sandbox", False):
        return
    send_to_targets = Rule.send_to_targets

    def send_as_aws_does(self: Rule, event: Any, transform_input: bool = True) -> None:
        if not delivers_events(self) or not self.event_pattern.matches_event(event):
            return
        moto_delivers = [t for t in self.targets
                         if _service(t) not in ("sns", "lambda") and not _is_bus(t)]
        if moto_delivers:
            others = copy.copy(self)
            others.targets = moto_delivers
            send_to_targets(others, event, transform_input)
        for target in self.targets:
            if _service(target) == "sns":
                _publish(event, target)
            elif _is_bus(target):
                _forward(event, target)
            elif _service(target) == "lambda":
                log.info("not invoking Lambda target %s: the emulator runs no code",
                         target["Arn"])

    send_as_aws_does._sandbox = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_as_aws_does  # type: ignore[method-assign]
