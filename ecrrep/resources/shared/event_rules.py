"""Shared EventBridge reads and writes for the kinds made of one rule on the default bus with
its targets: the cleanup schedule and the replication-failure rules.

A rule's managed fields are `schedule` or `event_pattern` (parsed JSON, compared by meaning),
`state`, `description`, `targets` (every target on our rule is ours, sorted by Id) and `tags`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecrrep.aws import AwsError, aws_error, paginate
from ecrrep.aws.actions import grants
from ecrrep.aws.tagging import (
    appeared_unowned,
    claim_if_ours,
    dict_to_tags,
    is_owned,
    sync_tags,
    tags_to_dict,
)

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext

# The target fields ecrrep sets; anything else on a target reads as a difference only if set.
TARGET_FIELDS = ("Id", "Arn", "RoleArn", "Input")
RULE_FIELDS = ("schedule", "event_pattern", "state", "description")
NOT_FOUND = "ResourceNotFoundException"

# What reading, writing and deleting one rule with its targets and tags calls.
RULE_READ = grants("rule", "events:DescribeRule", "events:ListTargetsByRule",
                   "events:ListTagsForResource")
RULE_WRITE = grants("rule", "events:PutRule", "events:PutTargets", "events:RemoveTargets",
                    "events:TagResource", "events:UntagResource")
RULE_DELETE = grants("rule", "events:RemoveTargets", "events:DeleteRule")


def normalise_targets(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: t[k] for k in TARGET_FIELDS if t.get(k)} for t in targets),
                  key=lambda t: t["Id"])


@dataclass(frozen=True)
class RuleRecord:
    region: str
    name: str
    arn: str
    attrs: dict[str, Any]

    def owned_by(self, project: str) -> bool:
        return is_owned(self.attrs["tags"], project)


def read_rule(ctx: AwsContext, region: str, name: str) -> RuleRecord | None:
    """The rule of that name on the region's default bus, with its targets and tags."""
    client = ctx.client("events", region)
    try:
        rule = client.describe_rule(Name=name)
    except aws_error(NOT_FOUND):
        return None
    tags = tags_to_dict(client.list_tags_for_resource(ResourceARN=rule["Arn"]).get("Tags"))
    targets = paginate(client, "list_targets_by_rule", "Targets", Rule=name)
    attrs: dict[str, Any] = {}
    if rule.get("ScheduleExpression"):
        attrs["schedule"] = rule["ScheduleExpression"]
    if rule.get("EventPattern"):
        attrs["event_pattern"] = json.loads(rule["EventPattern"])
    attrs.update(state=rule.get("State", "ENABLED"), description=rule.get("Description", ""),
                 targets=normalise_targets(targets), tags=tags)
    return RuleRecord(region, name, rule["Arn"], attrs)


def _put_rule(client: Any, name: str, after: dict[str, Any], **extra: Any) -> None:
    params: dict[str, Any] = {"Name": name, "State": after["state"],
                              "Description": after["description"]}
    if after.get("schedule"):
        params["ScheduleExpression"] = after["schedule"]
    if after.get("event_pattern") is not None:
        params["EventPattern"] = json.dumps(after["event_pattern"])
    client.put_rule(**params, **extra)


def create_rule(client: Any, name: str, after: dict[str, Any]) -> None:
    """PutRule creates or overwrites: a same-named rule that appeared since the plan is
    written over only if it carries our ownership tag (a retried create)."""
    try:
        existing = client.describe_rule(Name=name)
    except aws_error(NOT_FOUND):
        _put_rule(client, name, after, Tags=dict_to_tags(after["tags"]))
        _put_targets(client, name, after["targets"], [])
        return
    found = client.list_tags_for_resource(ResourceARN=existing["Arn"]).get("Tags")
    tags = claim_if_ours(tags_to_dict(found), after["tags"],
                         appeared_unowned("PutRule", f"rule {name}", "a rule"))
    current = normalise_targets(paginate(client, "list_targets_by_rule", "Targets", Rule=name))
    update_rule(client, name, existing["Arn"], {"tags": tags, "targets": current}, after,
                force_rule=True)


def update_rule(client: Any, name: str, arn: str, before: dict[str, Any],
                after: dict[str, Any], force_rule: bool = False) -> None:
    if force_rule or any(before.get(f) != after.get(f) for f in RULE_FIELDS):
        # Tags given to PutRule apply only when it creates the rule.
        _put_rule(client, name, after)
    if before.get("targets") != after["targets"]:
        _put_targets(client, name, after["targets"], before.get("targets") or [])
    sync_tags(before.get("tags"), after["tags"],
              tag=lambda tags: client.tag_resource(ResourceARN=arn, Tags=dict_to_tags(tags)),
              untag=lambda keys: client.untag_resource(ResourceARN=arn, TagKeys=keys))


def _put_targets(client: Any, name: str, wanted: list[dict[str, Any]],
                 current: list[dict[str, Any]]) -> None:
    stale = sorted({t["Id"] for t in current} - {t["Id"] for t in wanted})
    if stale:
        client.remove_targets(Rule=name, Ids=stale)
    if wanted:
        try:
            answer = client.put_targets(Rule=name, Targets=wanted)
        except aws_error("ValidationException") as exc:
            _raise_if_cross_region_refused(client, name, wanted, _message(exc))
            raise
        for entry in answer.get("FailedEntries") or []:
            _raise_if_cross_region_refused(client, name, wanted, entry.get("ErrorMessage", ""))
        _raise_failed_entries("PutTargets", name, answer)


# EventBridge's refusal of a target on another Region's bus, seen where one of the Regions is
# an opt-in Region (https://github.com/hashicorp/terraform-provider-aws/issues/31444): cross-Region
# routing is offered between the Regions EventBridge lists, not all of them
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
CROSS_REGION_REFUSED = "cross-region"


def _raise_if_cross_region_refused(client: Any, name: str, wanted: list[dict[str, Any]],
                                   message: str) -> None:
    buses = [t["Arn"] for t in wanted if ":event-bus/" in t["Arn"]]
    if not buses or CROSS_REGION_REFUSED not in message.lower():
        return
    region = client.meta.region_name
    target_region = buses[0].split(":")[3]
    raise AwsError(
        "PutTargets", f"rule {name} ({region})", "CrossRegionTargetRefused",
        f"EventBridge in {region} refuses to forward events to the {target_region} event bus "
        f"({message.strip()}); opt-in Regions may not route events across Regions: remove "
        f"{region} from destination_regions, or set notifications.enabled: false (the "
        "replication failure-rate alarm still covers it)")


def _message(exc: BaseException) -> str:
    return str(getattr(exc, "message", "") or getattr(exc, "response", {}).get(
        "Error", {}).get("Message", "") or exc)


def _raise_failed_entries(action: str, name: str, answer: dict[str, Any]) -> None:
    """PutTargets and RemoveTargets report failures per entry, with HTTP 200."""
    failed = answer.get("FailedEntries") or []
    if answer.get("FailedEntryCount") or failed:
        first = failed[0] if failed else {}
        raise AwsError(action, f"rule {name}", first.get("ErrorCode", "FailedEntry"),
                       first.get("ErrorMessage", f"{len(failed)} target(s) failed"))


def delete_rule(client: Any, name: str) -> None:
    """Remove the targets (EventBridge refuses to delete a rule that has some), then the rule;
    a rule already gone counts as deleted."""
    try:
        targets = paginate(client, "list_targets_by_rule", "Targets", Rule=name)
        if targets:
            answer = client.remove_targets(Rule=name, Ids=[t["Id"] for t in targets])
            _raise_failed_entries("RemoveTargets", name, answer)
        client.delete_rule(Name=name)
    except aws_error(NOT_FOUND):
        pass  # gone already: done
