"""Every resource of every kind ecrrep manages, in every region, read with plain boto3.

Two accounts that ecrrep converged to the same spec must give equal snapshots, whatever
happened on the way (faults, interruptions, a run that stopped half way). Values that differ
between two correct runs on their own — ids AWS generates, timestamps, revision ids, state the
emulator computes — are left out; documents are parsed and compared by content.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

# Keys whose values legitimately differ between two runs that did the same thing.
VOLATILE_KEYS = {
    "RoleId", "CreateDate", "RoleLastUsed", "createdAt", "registryId", "LastModified",
    "RevisionId", "CodeSize", "SubscriptionArn", "AlarmConfigurationUpdatedTimestamp",
    "StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp",
    "StateTransitionedTimestamp", "ResponseMetadata", "LastUpdateStatusReason",
    "LastUpdateStatusReasonCode", "State", "StateReasonCode", "LastUpdateStatus",
    "SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted",
    "EffectiveDeliveryPolicy", "CreatedBy", "RuntimeVersionConfig", "LastModifiedDate",
}


def _clean(value: Any) -> Any:
    """Documents parsed, volatile keys dropped, lists of documents in a stable order."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in sorted(value.items()) if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        items = [_clean(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, str) and value[:1] in "{[" and value[-1:] in "}]":
        try:
            return _clean(json.loads(value))
        except ValueError:
            return value
    if isinstance(value, str) and value.startswith("%7B"):
        return _clean(json.loads(urllib.parse.unquote(value)))
    return value


def _tags(pairs: list[dict[str, str]] | dict[str, str] | None) -> dict[str, str]:
    if isinstance(pairs, dict):
        return dict(sorted(pairs.items()))
    return dict(sorted((t["Key"], t["Value"]) for t in pairs or []))


# Clients by (endpoint, service, region), kept across snapshots: making one costs ~20 ms and a
# snapshot needs twenty of them.
_CLIENTS: dict[tuple[str, str, str], Any] = {}


class _Clients:
    def __init__(self, aws: Any):
        self._aws = aws

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = (self._aws.endpoint, service, region)
        if key not in _CLIENTS:
            _CLIENTS[key] = self._aws.client(service, region)
        return _CLIENTS[key]


def account_snapshot(aws: Any, regions: list[str]) -> dict[str, Any]:
    """What the account holds, kind by kind and region by region."""
    aws = _Clients(aws)
    snapshot: dict[str, Any] = {"iam_role": _roles(aws)}
    for region in regions:
        snapshot[f"ecr_repository/{region}"] = _repositories(aws, region)
        snapshot[f"ecr_replication/{region}"] = _replication(aws, region)
        snapshot[f"sns/{region}"] = _topics(aws, region)
        snapshot[f"cloudwatch_alarm/{region}"] = _alarms(aws, region)
        snapshot[f"cloudwatch_dashboard/{region}"] = _dashboards(aws, region)
        snapshot[f"lambda_function/{region}"] = _functions(aws, region)
        snapshot[f"events_rule/{region}"] = _rules(aws, region)
    return snapshot


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Readable differences between two snapshots, resource by resource."""
    out = []
    for kind in sorted(set(a) | set(b)):
        left, right = a.get(kind, {}), b.get(kind, {})
        for name in sorted(set(left) | set(right)):
            if name not in right:
                out.append(f"{kind} {name}: only in the first account")
            elif name not in left:
                out.append(f"{kind} {name}: only in the second account")
            elif left[name] != right[name]:
                out.append(f"{kind} {name}: {json.dumps(left[name], sort_keys=True)} != "
                           f"{json.dumps(right[name], sort_keys=True)}")
    return out


def _roles(aws: Any) -> dict[str, Any]:
    iam = aws.client("iam")
    roles = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        detail = iam.get_role(RoleName=name)["Role"]
        inline = {
            policy: iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
        }
        attached = [p["PolicyName"] for p in
                    iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
        roles[name] = _clean({
            "description": detail.get("Description", ""),
            "trust": detail["AssumeRolePolicyDocument"],
            "path": detail.get("Path"),
            "tags": _tags(iam.list_role_tags(RoleName=name)["Tags"]),
            "inline": inline,
            "attached": attached,
        })
    return roles


def _repositories(aws: Any, region: str) -> dict[str, Any]:
    ecr = aws.client("ecr", region)
    found = {}
    for repo in ecr.describe_repositories()["repositories"]:
        name = repo["repositoryName"]
        entry: dict[str, Any] = {
            "repository": {k: v for k, v in repo.items()
                           if k not in ("repositoryArn", "repositoryUri")},
            "tags": _tags(ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]),
            "images": len(ecr.list_images(repositoryName=name)["imageIds"]),
        }
        for key, call, field in (
            ("lifecycle_policy", ecr.get_lifecycle_policy, "lifecyclePolicyText"),
            ("repository_policy", ecr.get_repository_policy, "policyText"),
        ):
            try:
                entry[key] = call(repositoryName=name)[field]
            except ecr.exceptions.ClientError as exc:
                entry[key] = exc.response["Error"]["Code"]
        found[name] = _clean(entry)
    return found


def _replication(aws: Any, region: str) -> dict[str, Any]:
    registry = aws.client("ecr", region).describe_registry()
    rules = registry.get("replicationConfiguration", {}).get("rules", [])
    # Rule order is meaningless to ECR; a rule is known by its filters.
    return {json.dumps(rule.get("repositoryFilters", []), sort_keys=True): _clean(rule)
            for rule in rules}


def _topics(aws: Any, region: str) -> dict[str, Any]:
    sns = aws.client("sns", region)
    found = {}
    for topic in sns.list_topics()["Topics"]:
        arn = topic["TopicArn"]
        subscriptions = [
            {"protocol": s["Protocol"], "endpoint": s["Endpoint"]}
            for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        ]
        found[arn.rsplit(":", 1)[-1]] = _clean({
            "attributes": sns.get_topic_attributes(TopicArn=arn)["Attributes"],
            "tags": _tags(sns.list_tags_for_resource(ResourceArn=arn)["Tags"]),
            "subscriptions": subscriptions,
        })
    return found


def _alarms(aws: Any, region: str) -> dict[str, Any]:
    cloudwatch = aws.client("cloudwatch", region)
    answer = cloudwatch.describe_alarms()
    found = {}
    for alarm in answer["MetricAlarms"] + answer["CompositeAlarms"]:
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        found[alarm["AlarmName"]] = _clean({**alarm, "Tags": _tags(tags)})
    return found


def _dashboards(aws: Any, region: str) -> dict[str, Any]:
    cloudwatch = aws.client("cloudwatch", region)
    return {
        entry["DashboardName"]: _clean(
            cloudwatch.get_dashboard(DashboardName=entry["DashboardName"])["DashboardBody"])
        for entry in cloudwatch.list_dashboards()["DashboardEntries"]
    }


def _functions(aws: Any, region: str) -> dict[str, Any]:
    functions = aws.client("lambda", region)
    found = {}
    for function in functions.list_functions()["Functions"]:
        name = function["FunctionName"]
        answer = functions.get_function(FunctionName=name)
        try:
            policy = functions.get_policy(FunctionName=name)["Policy"]
        except functions.exceptions.ResourceNotFoundException:
            policy = None
        configuration = {k: v for k, v in answer["Configuration"].items()
                         if k not in ("FunctionArn", "Version")}
        found[name] = _clean({"configuration": configuration, "tags": answer.get("Tags", {}),
                              "policy": policy})
    return found


def _rules(aws: Any, region: str) -> dict[str, Any]:
    events = aws.client("events", region)
    found = {}
    for rule in events.list_rules()["Rules"]:
        name = rule["Name"]
        found[name] = _clean({
            "rule": events.describe_rule(Name=name),
            "targets": events.list_targets_by_rule(Rule=name)["Targets"],
            "tags": _tags(events.list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]),
        })
    return found
