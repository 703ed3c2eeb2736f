"""Lifecycle policy preview, answered with ecrrep's evaluator after the configured delay."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox.images import push_sample_image
from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)

KEEP_TWO = json.dumps({"rules": [{
    "rulePriority": 1, "description": "keep the two newest release images",
    "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"],
                  "countType": "imageCountMoreThan", "countNumber": 2},
    "action": {"type": "expire"}}]})
UNTAGGED_AFTER_A_DAY = json.dumps({"rules": [{
    "rulePriority": 1, "description": "drop untagged images after a day",
    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                  "countUnit": "days", "countNumber": 1},
    "action": {"type": "expire"}}]})


@pytest.fixture
def ecr(sandbox):
    client = sandbox.client("ecr")
    client.create_repository(repositoryName="app")
    return client


def _push(ecr, *tags: str) -> str:
    return push_sample_image(ecr, "app", "-".join(tags) or "untagged", list(tags)).digest


def test_preview_is_in_progress_then_complete_with_the_expiring_images(sandbox, ecr):
    sandbox.configure(lifecycle_preview_seconds=5)
    digests = [_push(ecr, f"v{n}") for n in range(4)]
    started = ecr.start_lifecycle_policy_preview(repositoryName="app",
                                                 lifecyclePolicyText=KEEP_TWO)
    assert started["status"] == "IN_PROGRESS"
    running = ecr.get_lifecycle_policy_preview(repositoryName="app")
    assert running["status"] == "IN_PROGRESS"
    assert running.get("previewResults", []) == []

    sandbox.advance(5)
    done = ecr.get_lifecycle_policy_preview(repositoryName="app")
    assert done["status"] == "COMPLETE"
    assert done["lifecyclePolicyText"] == KEEP_TWO
    expiring = {r["imageDigest"]: r for r in done["previewResults"]}
    assert len(expiring) == 2 and set(expiring) <= set(digests)
    assert all(r["action"] == {"type": "EXPIRE"} and r["appliedRulePriority"] == 1
               for r in expiring.values())
    assert done["summary"]["expiringImageTotalCount"] == 2
    assert len(ecr.describe_images(repositoryName="app")["imageDetails"]) == 4


def test_preview_of_the_repository_policy_judges_ages_on_the_sandbox_clock(sandbox, ecr):
    sandbox.configure(aws_like=False)
    ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=UNTAGGED_AFTER_A_DAY)
    untagged = _push(ecr)
    _push(ecr, "v1")
    ecr.start_lifecycle_policy_preview(repositoryName="app")
    assert ecr.get_lifecycle_policy_preview(repositoryName="app")["previewResults"] == []

    sandbox.advance(2 * 86400)
    ecr.start_lifecycle_policy_preview(repositoryName="app")
    done = ecr.get_lifecycle_policy_preview(repositoryName="app", filter={"tagStatus": "UNTAGGED"})
    assert [r["imageDigest"] for r in done["previewResults"]] == [untagged]


def _error(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def test_preview_refusals(sandbox, ecr):
    assert _error(lambda: ecr.get_lifecycle_policy_preview(repositoryName="app"))["Code"] == \
        "LifecyclePolicyPreviewNotFoundException"
    assert _error(lambda: ecr.start_lifecycle_policy_preview(repositoryName="app"))["Code"] == \
        "LifecyclePolicyNotFoundException"
    ecr.start_lifecycle_policy_preview(repositoryName="app", lifecyclePolicyText=KEEP_TWO)
    again = _error(lambda: ecr.start_lifecycle_policy_preview(repositoryName="app",
                                                             lifecyclePolicyText=KEEP_TWO))
    assert again == {"Code": "LifecyclePolicyPreviewInProgressException",
                     "Message": "The previous lifecycle policy preview request has not "
                                "completed. Wait and try again."}
    sandbox.advance(60)
    bad = json.loads(KEEP_TWO)
    bad["rules"][0]["selection"]["tagStatus"] = "untagged"
    error = _error(lambda: ecr.start_lifecycle_policy_preview(
        repositoryName="app", lifecyclePolicyText=json.dumps(bad)))
    assert error["Code"] == "InvalidParameterException"
    assert "Lifecycle policy validation failure" in error["Message"]
    assert _error(lambda: ecr.start_lifecycle_policy_preview(
        repositoryName="nope", lifecyclePolicyText=KEEP_TWO))["Code"] == \
        "RepositoryNotFoundException"
