"""EventBridge rules deliver to SNS topic targets (moto raises NotImplementedError for them).

Follows https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
and the target behaviour of https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html:
a rule whose pattern matches publishes the event (as JSON, or as its input transformer
renders it) to the topic in the rule's region, which delivers it to the topic's
subscriptions (an SQS queue subscribed to it receives it). The topic policy's grant to
events.amazonaws.com is not checked here.
"""

from __future__ import annotations

import copy
import json
from typing import Any


def _is_topic(target: dict[str, Any]) -> bool:
    return str(target.get("Arn", "")).startswith("arn:aws:sns:")


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


def install() -> None:
    from moto.events.models import Rule
    from moto.sns.models import sns_backends

    if getattr(Rule.send_to_targets, "_sandbox", False):
        return
    send_to_targets = Rule.send_to_targets

    def send_to_targets_and_topics(self: Rule, event: Any, transform_input: bool = True) -> None:
        topics = [t for t in self.targets if _is_topic(t)]
        if not topics:
            return send_to_targets(self, event, transform_input)
        if not self.event_pattern.matches_event(event):
            return None
        others = copy.copy(self)
        others.targets = [t for t in self.targets if not _is_topic(t)]
        send_to_targets(others, event, transform_input)
        for target in topics:
            _, _, _, region, account, _ = target["Arn"].split(":", 5)
            sns_backends[account][region].publish(message=_message(event, target),
                                                  arn=target["Arn"])
        return None

    send_to_targets_and_topics._sandbox = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets_and_topics  # type: ignore[method-assign]
