"""Tagging index lag: tag:GetResources answers from an index that trails the services' tags.

AWS page: Resource Groups Tagging API, GetResources,
https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
and the AWS Tagging best practices whitepaper: tags are applied by each service and the
Tagging API reads them through a separate index, so a resource tagged a moment ago may be
missing from GetResources (or listed with its old tags) for a while, and a deleted one may
still be listed. There is no error: the answer is just stale.

The sandbox keeps, per account and region, the history of every tagged resource's tags as
seen right after each tag-writing call (tagging, untagging, creating or deleting a tagged
resource) and answers GetResources with the tags each resource had `tagging_lag_seconds` ago
on the sandbox clock. A resource never seen in the history is answered as it is now.
Beyond what moto's Tagging API covers (CloudWatch alarms, SNS topics, Lambda functions,
event buses, ...), the index also holds ECR repositories and EventBridge rules, as AWS's does.

Setting: `tagging_lag_seconds`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from ecrrep.sandbox import settings
from ecrrep.sandbox.patching import aws_like, wrap_method

# Calls (moto's snake_case action names) after which a resource's tags may have changed.
TAG_WRITES = frozenset({
    "tag_resource", "untag_resource", "tag_resources", "untag_resources",
    "put_metric_alarm", "delete_alarms", "create_topic", "delete_topic",
    "create_function", "delete_function", "put_rule", "delete_rule",
    "create_repository", "delete_repository", "create_event_bus", "delete_event_bus",
})
Tags = tuple[tuple[str, str], ...]
# (account, region) -> ARN -> [(sandbox time, tags or None once gone)], oldest first.
_history: dict[tuple[str, str], dict[str, list[tuple[float, Tags | None]]]] = {}
_lock = threading.Lock()
_moto_generator: Any = None


def install() -> None:
    global _moto_generator
    from moto.core.responses import BaseResponse
    from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend

    from ecrrep.sandbox import behaviours

    if _moto_generator is None:
        _moto_generator = ResourceGroupsTaggingAPIBackend._get_resources_generator
    wrap_method(BaseResponse, "call_action", _record_tag_writes)
    wrap_method(ResourceGroupsTaggingAPIBackend, "_get_resources_generator", _lagged)
    behaviours.on_reset(clear)


def clear() -> None:
    with _lock:
        _history.clear()


def _record_tag_writes(original: Any, response: Any) -> Any:
    if not aws_like():
        return original(response)
    from moto.core.utils import camelcase_to_underscores

    action = camelcase_to_underscores(response._get_action() or "")
    if action not in TAG_WRITES:
        return original(response)
    where = (response.current_account, response.region)
    if where not in _history:
        _record(where, float("-inf"))  # what was tagged before the index existed is old news
    result = original(response)
    status = result[0] if isinstance(result, tuple) else 200
    if int(status) < 400:
        _record(where, settings.now())
    return result


def _record(where: tuple[str, str], when: float) -> None:
    current = {arn: tags for arn, tags in tagged_resources(*where)}
    with _lock:
        history = _history.setdefault(where, {})
        for arn, tags in current.items():
            entries = history.setdefault(arn, [])
            if not entries or entries[-1][1] != tags:
                entries.append((when, tags))
        for arn, entries in history.items():
            if arn not in current and entries[-1][1] is not None:
                entries.append((when, None))


def tagged_resources(account_id: str, region: str) -> list[tuple[str, Tags]]:
    """Every tagged resource of the region as it is now: moto's Tagging API plus ECR
    repositories and EventBridge rules.

    The server answers requests on several threads and moto's dicts have no lock, so a
    request creating a resource while this one walks them breaks the walk ("dictionary
    changed size during iteration"): walk again, as the next look would see a settled
    state."""
    for _ in range(SNAPSHOT_ATTEMPTS - 1):
        try:
            return list(_walk_tagged_resources(account_id, region))
        except RuntimeError:
            continue
    return list(_walk_tagged_resources(account_id, region))


SNAPSHOT_ATTEMPTS = 20


def _walk_tagged_resources(account_id: str, region: str) -> Iterator[tuple[str, Tags]]:
    from moto.ecr.models import ecr_backends
    from moto.events.models import events_backends
    from moto.resourcegroupstaggingapi.models import resourcegroupstaggingapi_backends

    backend = resourcegroupstaggingapi_backends[account_id][region]
    for item in _moto_generator(backend, tag_filters=[], resource_type_filters=[]):
        yield item["ResourceARN"], _frozen(item["Tags"])
    ecr = ecr_backends[account_id][region]
    for repository in ecr.repositories.values():
        yield repository.arn, _frozen(ecr.tagger.list_tags_for_resource(repository.arn)["tags"])
    events = events_backends[account_id][region]
    for bus in events.event_buses.values():
        for rule in bus.rules.values():
            yield rule.arn, _frozen(events.tagger.list_tags_for_resource(rule.arn)["Tags"])


def _frozen(tags: list[dict[str, str]]) -> Tags:
    return tuple(sorted((t["Key"], t["Value"]) for t in tags))


def visible_tags(account_id: str, region: str, at: float) -> dict[str, Tags]:
    """What the index shows at sandbox time `at`: each resource's tags as of then."""
    with _lock:
        history = {arn: list(entries) for arn, entries in
                   _history.get((account_id, region), {}).items()}
    shown: dict[str, Tags] = {}
    for arn, tags in tagged_resources(account_id, region):
        if arn not in history:
            shown[arn] = tags
    for arn, entries in history.items():
        seen = [tags for when, tags in entries if when <= at]
        if seen and seen[-1]:
            shown[arn] = seen[-1]
    return shown


def _lagged(original: Any, backend: Any, tag_filters: Any = None,
            resource_type_filters: Any = None) -> Any:
    if not aws_like():
        return original(backend, tag_filters=tag_filters,
                        resource_type_filters=resource_type_filters)
    at = settings.now() - settings.current().tagging_lag_seconds
    shown = visible_tags(backend.account_id, backend.region_name, at)
    return iter([
        {"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags]}
        for arn, tags in shown.items()
        if tags and type_matches(arn, resource_type_filters or [])
        and tags_match(dict(tags), tag_filters or [])
    ])


# Resource types whose ARN names no type (arn:aws:sns:region:account:topic-name).
_UNTYPED = {"sns": "topic", "sqs": "queue"}


def type_matches(arn: str, type_filters: list[str]) -> bool:
    """ResourceTypeFilters: `service` or `service:type`, as GetResources takes them."""
    if not type_filters:
        return True
    parts = arn.split(":", 5)
    service, resource = parts[2], parts[5] if len(parts) > 5 else ""
    kind = re.split(r"[:/]", resource)[0] if re.search(r"[:/]", resource) \
        else _UNTYPED.get(service, "")
    return any(f in (service, f"{service}:{kind}") for f in type_filters)


def tags_match(tags: dict[str, str], tag_filters: list[dict[str, Any]]) -> bool:
    """TagFilters: every filter's key present, with one of its values if it lists any."""
    return all(
        f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"])
        for f in tag_filters
    )
