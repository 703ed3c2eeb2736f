"""The example spec's names, and the account an end-to-end test reads with plain boto3:
everything a spec can own, found by kind and by the project's name in every region."""

from __future__ import annotations

PROJECT = "container-registry-replication"
PREFIX = "my-company-apps"
SOURCE = "us-east-1"
DESTINATIONS = ["us-west-2", "eu-west-1"]
REGIONS = [SOURCE, *DESTINATIONS]
PRODUCTION = f"{PREFIX}/production"
TESTING = f"{PREFIX}/testing"


def repositories_only(spec: dict) -> None:
    for section in ("monitoring", "notifications", "cleanup"):
        spec[section]["enabled"] = False


def account_is_empty(aws) -> bool:
    for region in REGIONS:
        if aws.client("ecr", region).describe_repositories()["repositories"]:
            return False
        rules = aws.client("ecr", region).describe_registry()["replicationConfiguration"]["rules"]
        if rules:
            return False
    return not aws.client("iam").list_roles()["Roles"]


def ecr_state(aws) -> dict:
    """Every repository under the prefix, per region, with its tags, images and policies."""
    out = {}
    for region in REGIONS:
        ecr = aws.client("ecr", region)
        for repo in ecr.describe_repositories()["repositories"]:
            name = repo["repositoryName"]
            if not name.startswith(PREFIX + "/"):
                continue
            tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
            images = ecr.describe_images(repositoryName=name)["imageDetails"]
            out[(region, name)] = {
                "tags": {t["Key"]: t["Value"] for t in tags},
                "images": sorted(i["imageDigest"] for i in images),
                "lifecycle": _text(ecr.get_lifecycle_policy, "lifecyclePolicyText", name),
                "policy": _text(ecr.get_repository_policy, "policyText", name),
            }
    return out


def _text(call, key, name):
    try:
        return call(repositoryName=name)[key]
    except Exception as exc:  # the policy does not exist
        assert "NotFound" in type(exc).__name__, exc
        return None


def replication_rules(aws) -> list[dict]:
    registry = aws.client("ecr", SOURCE).describe_registry()
    return registry["replicationConfiguration"]["rules"]


def roles(aws) -> dict[str, dict]:
    iam = aws.client("iam")
    out = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        if name.startswith(PROJECT):
            tags = iam.list_role_tags(RoleName=name)["Tags"]
            out[name] = {"tags": {t["Key"]: t["Value"] for t in tags},
                         "policies": iam.list_role_policies(RoleName=name)["PolicyNames"]}
    return out


def named_for_project(aws) -> dict[str, list[str]]:
    """Everything else the spec can own (topic, alarms, dashboard, function, event rules),
    found by the project's name in every region, whether or not its kind exists yet."""
    found: dict[str, list[str]] = {}
    for region in REGIONS:
        topics = aws.client("sns", region).list_topics()["Topics"]
        found[f"sns topics {region}"] = [t["TopicArn"] for t in topics
                                         if f":{PROJECT}" in t["TopicArn"]]
        cloudwatch = aws.client("cloudwatch", region)
        found[f"alarms {region}"] = [
            a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=PROJECT)
            ["MetricAlarms"] + cloudwatch.describe_alarms(AlarmNamePrefix=PROJECT)
            .get("CompositeAlarms", [])]
        found[f"dashboards {region}"] = [
            d["DashboardName"]
            for d in cloudwatch.list_dashboards(DashboardNamePrefix=PROJECT)["DashboardEntries"]]
        found[f"functions {region}"] = [
            f["FunctionName"] for f in aws.client("lambda", region).list_functions()["Functions"]
            if f["FunctionName"].startswith(PROJECT)]
        found[f"event rules {region}"] = [
            r["Name"] for r in aws.client("events", region).list_rules(NamePrefix=PROJECT)
            ["Rules"]]
    return found


def inventory(aws) -> dict:
    return {"ecr": ecr_state(aws), "rules": replication_rules(aws), "roles": roles(aws),
            "others": named_for_project(aws)}


def nothing_named(found: dict[str, list[str]]) -> bool:
    return not any(found.values())
