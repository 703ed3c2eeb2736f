"""Repository creation templates: the API, and the repository replication creates from one."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox.images import put_image, sample_manifest
from tests.support.sandbox_replication import DELAY, SOURCE, configure_rules, rule

DESTINATION = "us-west-2"
POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
    "Action": ["ecr:BatchGetImage"]}]}
LIFECYCLE = {"rules": [{"rulePriority": 1, "description": "expire untagged",
                        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                                      "countUnit": "days", "countNumber": 2},
                        "action": {"type": "expire"}}]}


def template(prefix: str, **settings: Any) -> dict[str, Any]:
    return {"prefix": prefix, "appliedFor": ["REPLICATION"], **settings}


def replicate_into(sandbox: Any, name: str) -> dict[str, Any]:
    """Push one image to `name` in the source; return the repository replication created."""
    ecr = sandbox.client("ecr", SOURCE)
    ecr.create_repository(repositoryName=name)
    configure_rules(sandbox, rule(name.split("/")[0], DESTINATION))
    put_image(ecr, name, sample_manifest(name), ["v1"])
    sandbox.advance(DELAY)
    destination = sandbox.client("ecr", DESTINATION)
    return destination.describe_repositories(repositoryNames=[name])["repositories"][0]


def test_create_describe_update_delete(sandbox):
    ecr = sandbox.client("ecr", DESTINATION)
    created = ecr.create_repository_creation_template(
        **template("apps", description="apps", imageTagMutability="IMMUTABLE"))
    assert created["repositoryCreationTemplate"]["prefix"] == "apps"
    ecr.update_repository_creation_template(prefix="apps", appliedFor=["REPLICATION"],
                                            imageTagMutability="MUTABLE")
    [found] = ecr.describe_repository_creation_templates(
        prefixes=["apps"])["repositoryCreationTemplates"]
    assert (found["imageTagMutability"], found["description"]) == ("MUTABLE", "apps")
    assert found["encryptionConfiguration"] == {"encryptionType": "AES256"}
    ecr.delete_repository_creation_template(prefix="apps")
    assert ecr.describe_repository_creation_templates()["repositoryCreationTemplates"] == []
    # Templates belong to one region.
    assert sandbox.client("ecr", SOURCE).describe_repository_creation_templates()[
        "repositoryCreationTemplates"] == []


def test_a_second_template_with_the_same_prefix_is_refused(sandbox):
    ecr = sandbox.client("ecr", DESTINATION)
    ecr.create_repository_creation_template(**template("apps"))
    with pytest.raises(ClientError) as refused:
        ecr.create_repository_creation_template(**template("apps", description="again"))
    assert refused.value.response["Error"]["Code"] == "TemplateAlreadyExistsException"
    [only] = ecr.describe_repository_creation_templates()["repositoryCreationTemplates"]
    assert "description" not in only


@pytest.mark.parametrize("call", ["update_repository_creation_template",
                                  "delete_repository_creation_template"])
def test_a_missing_template_is_template_not_found(sandbox, call):
    ecr = sandbox.client("ecr", DESTINATION)
    params = template("apps") if call.startswith("update") else {"prefix": "apps"}
    with pytest.raises(ClientError) as refused:
        getattr(ecr, call)(**params)
    assert refused.value.response["Error"]["Code"] == "TemplateNotFoundException"


def test_a_replica_repository_gets_the_matching_templates_settings(sandbox):
    sandbox.client("ecr", DESTINATION).create_repository_creation_template(**template(
        "apps", imageTagMutability="IMMUTABLE", repositoryPolicy=json.dumps(POLICY),
        lifecyclePolicy=json.dumps(LIFECYCLE), resourceTags=[{"Key": "team", "Value": "a"}]))
    created = replicate_into(sandbox, "apps/web")
    destination = sandbox.client("ecr", DESTINATION)
    assert created["imageTagMutability"] == "IMMUTABLE"
    assert created["encryptionConfiguration"] == {"encryptionType": "AES256"}
    assert json.loads(destination.get_repository_policy(
        repositoryName="apps/web")["policyText"]) == POLICY
    assert json.loads(destination.get_lifecycle_policy(
        repositoryName="apps/web")["lifecyclePolicyText"]) == LIFECYCLE
    assert destination.list_tags_for_resource(resourceArn=created["repositoryArn"])[
        "tags"] == [{"Key": "team", "Value": "a"}]


def test_the_longest_prefix_wins_over_root(sandbox):
    ecr = sandbox.client("ecr", DESTINATION)
    ecr.create_repository_creation_template(**template("ROOT", imageTagMutability="IMMUTABLE"))
    ecr.create_repository_creation_template(**template("apps", imageTagMutability="MUTABLE"))
    assert replicate_into(sandbox, "apps/web")["imageTagMutability"] == "MUTABLE"


def test_root_applies_when_no_prefix_matches(sandbox):
    ecr = sandbox.client("ecr", DESTINATION)
    ecr.create_repository_creation_template(**template("ROOT", imageTagMutability="IMMUTABLE"))
    # "app" is no prefix of "apps/web": ECR reads a prefix as "app/".
    ecr.create_repository_creation_template(**template("app", imageTagMutability="MUTABLE"))
    assert replicate_into(sandbox, "apps/web")["imageTagMutability"] == "IMMUTABLE"


def test_a_template_for_other_creations_only_is_not_applied(sandbox):
    sandbox.client("ecr", DESTINATION).create_repository_creation_template(**{
        **template("apps", imageTagMutability="IMMUTABLE"), "appliedFor": ["PULL_THROUGH_CACHE"]})
    created = replicate_into(sandbox, "apps/web")
    assert created["imageTagMutability"] == "MUTABLE"
    assert created["imageScanningConfiguration"] == {"scanOnPush": False}


def test_an_invalid_prefix_is_refused_and_nothing_is_created(sandbox):
    ecr = sandbox.client("ecr", DESTINATION)
    with pytest.raises(ClientError) as refused:
        ecr.create_repository_creation_template(**template("Apps//web"))
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert refused.value.response["Error"]["Message"].startswith(
        "Invalid parameter at 'prefix' failed to satisfy constraint")
    assert ecr.describe_repository_creation_templates()["repositoryCreationTemplates"] == []


def test_a_templates_kms_encryption_is_applied(sandbox):
    key = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    sandbox.client("ecr", DESTINATION).create_repository_creation_template(**template(
        "apps", encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key}))
    created = replicate_into(sandbox, "apps/web")
    assert created["encryptionConfiguration"] == {"encryptionType": "KMS", "kmsKey": key}
