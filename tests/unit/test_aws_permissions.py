"""The declaration of the IAM actions ecrrep calls, and the policy made from it."""

from __future__ import annotations

import json
import re

import botocore.session
import pytest

from ecrrep.aws import permissions
from ecrrep.resources import all_kinds
from ecrrep.spec.loader import load_spec_text
from tests.support.specs import EXAMPLE_SPEC, REPO_ROOT

# IAM's service prefixes, and botocore's name for the service behind each.
BOTOCORE_SERVICE = {"ecr": "ecr", "iam": "iam", "sns": "sns", "cloudwatch": "cloudwatch",
                    "events": "events", "lambda": "lambda", "tag": "resourcegroupstaggingapi",
                    "sts": "sts", "ssm": "ssm"}
# Permissions that are not API operations of their own.
PERMISSION_ONLY = {"iam:PassRole"}


@pytest.fixture(scope="module")
def spec():
    return load_spec_text(EXAMPLE_SPEC.read_text(), str(EXAMPLE_SPEC)).spec


def test_every_resource_kind_declares_its_actions_and_no_other_kind_is_declared():
    assert set(permissions.kind_actions()) == {kind.type for kind in all_kinds()}


def test_every_declared_action_is_an_operation_of_its_service():
    session = botocore.session.get_session()
    for action in sorted(permissions.declared_actions() - PERMISSION_ONLY):
        prefix, operation = action.split(":")
        model = session.get_service_model(BOTOCORE_SERVICE[prefix])
        assert operation in model.operation_names, action


def test_the_actions_the_readme_list_lacked_are_declared():
    assert {"iam:CreateServiceLinkedRole", "lambda:ListTags", "tag:GetResources",
            "ecr:DescribeImageReplicationStatus", "iam:PassRole"} <= permissions.declared_actions()


def test_the_policy_is_iam_json_scoped_to_the_spec(spec):
    document = permissions.policy_document(spec, list(permissions.COMMANDS), "123456789012")

    assert json.loads(json.dumps(document)) == document
    assert document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in document["Statement"]]
    assert len(sids) == len(set(sids)) and all(re.fullmatch(r"[A-Za-z0-9]+", s) for s in sids)
    by_sid = {s["Sid"]: s for s in document["Statement"]}
    assert by_sid["Repositories"]["Resource"] == [
        f"arn:aws:ecr:{region}:123456789012:repository/my-company-apps/*"
        for region in ("us-east-1", "us-west-2", "eu-west-1")]
    assert by_sid["Roles"]["Resource"] == (
        "arn:aws:iam::123456789012:role/container-registry-replication-*")
    assert by_sid["Function"]["Resource"] == ("arn:aws:lambda:us-east-1:123456789012:function:"
                                              "container-registry-replication-ecr-cleanup")
    # "*" only for the actions without a resource type, and for metrics under a condition.
    unscoped = {a for s in document["Statement"] if s["Resource"] == "*" and "Condition" not in s
                for a in s["Action"]}
    assert unscoped == {"ecr:DescribeRegistry", "ecr:PutReplicationConfiguration",
                        "ecr:GetRegistryScanningConfiguration",
                        "ecr:PutRegistryScanningConfiguration",
                        "ecr:CreateRepositoryCreationTemplate",
                        "ecr:UpdateRepositoryCreationTemplate",
                        "ecr:DeleteRepositoryCreationTemplate",
                        "ecr:DescribeRepositoryCreationTemplates",
                        "ecr:StartReplicationBackfill", "ecr:ListReplicationBackfills",
                        "ecr:DescribeReplicationBackfillResults",
                        "sns:Unsubscribe", "sts:GetCallerIdentity", "tag:GetResources"}
    assert len(json.dumps(document, separators=(",", ":"))) <= 6144  # managed policy limit


def test_plan_needs_only_reads(spec):
    document = permissions.policy_document(spec, ["plan"])
    actions = {a for s in document["Statement"] for a in s["Action"]}
    writes = {a for a in actions
              if not a.split(":")[1].startswith(("Get", "List", "Describe"))}
    assert writes == set()


def test_the_readme_list_is_the_generated_one():
    readme = (REPO_ROOT / "README.md").read_text()
    assert permissions.with_readme_block(readme) == readme, (
        "README.md's permissions list is out of date: run `python -m ecrrep.aws.permissions "
        "README.md`")


def test_the_claims_are_scoped_to_the_project_path_in_the_source_region(spec):
    document = permissions.policy_document(spec, list(permissions.COMMANDS), "123456789012")
    by_sid = {s["Sid"]: s for s in document["Statement"]}

    assert by_sid["OwnershipClaims"]["Resource"] == (
        "arn:aws:ssm:us-east-1:123456789012:parameter/ecrrep/container-registry-replication/*")
    assert set(by_sid["OwnershipClaims"]["Action"]) == {
        "ssm:AddTagsToResource", "ssm:DeleteParameter", "ssm:ListTagsForResource",
        "ssm:PutParameter"}
    # The path itself: every project's claims are read to refuse overlapping prefixes.
    assert by_sid["OwnershipClaimsOfEveryProject"] == {
        "Sid": "OwnershipClaimsOfEveryProject", "Effect": "Allow",
        "Action": ["ssm:GetParametersByPath"],
        "Resource": "arn:aws:ssm:us-east-1:123456789012:parameter/ecrrep"}


def test_the_permissions_command_offers_every_declared_command():
    from ecrrep.aws.permissions import COMMANDS
    from ecrrep.cli import cli

    option = next(p for p in cli.commands["permissions"].params if p.name == "commands")
    assert sorted(option.type.choices) == sorted(COMMANDS)
