"""Discovery through the tagging API (botocore's Stubber, two pages) and orphans, with plain
values."""

from __future__ import annotations

from types import SimpleNamespace

import boto3
from botocore.stub import Stubber

from ecrrep.engine.discovery import orphans, removal_command, tagged_resources
from ecrrep.engine.plan import Change, Plan, Resource
from ecrrep.engine.planner import with_orphans

SPEC = SimpleNamespace(project="proj", regions=["us-east-1", "us-west-2"])
OURS = [{"Key": "ecrrep:project", "Value": "proj"}]
ALARM = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:proj-x-size"
REPO = "arn:aws:ecr:eu-west-1:123456789012:repository/apps/a"
RULE = "arn:aws:events:eu-west-1:123456789012:rule/proj-ecr-replication-failed"


class FakeContext:
    def __init__(self, client):
        self._client = client

    def cached(self, key, compute):
        return compute()

    def client(self, service, region, retries=True):
        return self._client


def tagging_client(region, pages, expected):
    client = boto3.client("resourcegroupstaggingapi", region_name=region,
                          aws_access_key_id="x", aws_secret_access_key="y")
    stub = Stubber(client)
    token = None
    for index, arns in enumerate(pages):
        params = dict(expected, **({"PaginationToken": token} if token else {}))
        token = f"page-{index + 1}" if index + 1 < len(pages) else ""
        stub.add_response("get_resources", {
            "ResourceTagMappingList": [{"ResourceARN": a, "Tags": OURS} for a in arns],
            "PaginationToken": token}, params)
    stub.activate()
    return client, stub


def test_a_spec_region_asks_for_repositories_only_and_every_page_is_read():
    expected = {"TagFilters": [{"Key": "ecrrep:project", "Values": ["proj"]}],
                "ResourceTypeFilters": ["ecr:repository"]}
    client, stub = tagging_client("us-west-2", [[REPO], [REPO.replace("/a", "/b")]], expected)
    found = tagged_resources(FakeContext(client), SPEC, "us-west-2")
    assert sorted(found) == [REPO, REPO.replace("/a", "/b")]
    stub.assert_no_pending_responses()


def test_in_a_dropped_region_what_no_kind_read_is_an_orphan_with_its_removal_command():
    expected = {"TagFilters": [{"Key": "ecrrep:project", "Values": ["proj"]}]}
    client, _ = tagging_client("eu-west-1", [[ALARM, REPO, RULE]], expected)
    read_rule = Resource("replication_event_rule", "eu-west-1", "proj-ecr-replication-failed",
                         {}, facts={"arn": RULE})
    (orphan,) = orphans(FakeContext(client), SPEC, ["eu-west-1"], [read_rule])
    assert orphan.name == ALARM and orphan.kept and orphan.action == "no-op"
    assert orphan.facts["remove_with"] == (
        "aws cloudwatch delete-alarms --region eu-west-1 --alarm-names proj-x-size")
    assert Plan([orphan]).orphans == [orphan] and Plan([orphan]).kept == []


def test_a_region_holding_an_orphan_keeps_its_claim():
    claim = Change("ownership_claim", "us-east-1", "/ecrrep/proj/region/eu-west-1", "delete",
                   {"tags": {}}, None, facts={"claim": "region", "value": "eu-west-1"})
    orphan = Change("orphan", "eu-west-1", ALARM, "no-op", None, None, kept=True,
                    facts={"orphan": True})
    plan = with_orphans(Plan([claim]), [orphan])
    assert plan.changes[0].action == "no-op"
    assert plan.changes[0].notes == ["kept while orphans remain in this region"]
    assert not plan.has_changes


def test_removal_commands_by_service():
    assert removal_command(RULE, "eu-west-1").endswith(
        "aws events delete-rule --region eu-west-1 --name proj-ecr-replication-failed")
    assert "get-resources --region eu-west-1 --resource-arn-list arn:aws:kms" in removal_command(
        "arn:aws:kms:eu-west-1:1:key/k", "eu-west-1")
