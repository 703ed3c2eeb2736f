"""ECR's archive storage class in the sandbox: UpdateImageStorageClass, imageStatus and its
filter, archive lifecycle rules in PutLifecyclePolicy and in the lifecycle preview."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox.image_archive import RESTORE_SECONDS
from ecrrep.sandbox.images import push_sample_image
from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)

ARCHIVE_THEN_EXPIRE = json.dumps({"rules": [
    {"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                      "countNumber": 1},
     "action": {"type": "transition", "targetStorageClass": "archive"}},
    {"rulePriority": 2, "selection": {"tagStatus": "any", "storageClass": "archive",
                                      "countType": "sinceImageTransitioned",
                                      "countUnit": "days", "countNumber": 90},
     "action": {"type": "expire"}}]})


@pytest.fixture
def ecr(sandbox):
    client = sandbox.client("ecr")
    client.create_repository(repositoryName="app")
    return client


def _push(ecr, tag: str) -> str:
    return push_sample_image(ecr, "app", tag, [tag]).digest


def _statuses(ecr, **kwargs) -> dict[str, str]:
    details = ecr.describe_images(repositoryName="app", **kwargs)["imageDetails"]
    return {d["imageDigest"]: d["imageStatus"] for d in details}


def test_an_archived_image_is_listed_only_when_asked_for(ecr):
    kept, archived = _push(ecr, "v1"), _push(ecr, "v2")
    answer = ecr.update_image_storage_class(repositoryName="app",
                                            imageId={"imageDigest": archived},
                                            targetStorageClass="ARCHIVE")
    assert answer["imageStatus"] == "ARCHIVED"
    assert _statuses(ecr) == {kept: "ACTIVE"}
    assert _statuses(ecr, filter={"imageStatus": "ANY"}) == {kept: "ACTIVE",
                                                            archived: "ARCHIVED"}
    assert _statuses(ecr, filter={"imageStatus": "ARCHIVED"}) == {archived: "ARCHIVED"}
    listed = ecr.list_images(repositoryName="app")["imageIds"]
    assert [i["imageDigest"] for i in listed] == [kept]
    every = ecr.list_images(repositoryName="app", filter={"imageStatus": "ANY"})["imageIds"]
    assert {i["imageDigest"] for i in every} == {kept, archived}
    [detail] = ecr.describe_images(repositoryName="app",
                                   filter={"imageStatus": "ARCHIVED"})["imageDetails"]
    assert "lastArchivedAt" in detail


def test_a_restore_is_activating_then_active_on_the_sandbox_clock(sandbox, ecr):
    digest = _push(ecr, "v1")
    image = {"imageDigest": digest}
    ecr.update_image_storage_class(repositoryName="app", imageId=image,
                                   targetStorageClass="ARCHIVE")
    answer = ecr.update_image_storage_class(repositoryName="app", imageId=image,
                                            targetStorageClass="STANDARD")
    assert answer["imageStatus"] == "ACTIVATING"
    assert _statuses(ecr, filter={"imageStatus": "ANY"}) == {digest: "ACTIVATING"}
    sandbox.advance(RESTORE_SECONDS)
    [detail] = ecr.describe_images(repositoryName="app")["imageDetails"]
    assert detail["imageStatus"] == "ACTIVE" and "lastActivatedAt" in detail


def test_a_move_to_the_class_an_image_is_in_is_refused(ecr):
    digest = _push(ecr, "v1")
    with pytest.raises(ClientError) as caught:
        ecr.update_image_storage_class(repositoryName="app", imageId={"imageDigest": digest},
                                       targetStorageClass="STANDARD")
    assert caught.value.response["Error"]["Code"] == "ImageStorageClassUpdateNotSupportedException"
    assert _statuses(ecr) == {digest: "ACTIVE"}


def test_a_missing_image_is_not_found(ecr):
    with pytest.raises(ClientError) as caught:
        ecr.update_image_storage_class(repositoryName="app", imageId={"imageTag": "nope"},
                                       targetStorageClass="ARCHIVE")
    assert caught.value.response["Error"]["Code"] == "ImageNotFoundException"


def test_archive_rules_are_accepted_and_previewed_with_their_storage_class(sandbox, ecr):
    sandbox.configure(aws_like=False)
    old, new = _push(ecr, "v1"), _push(ecr, "v2")
    sandbox.advance(1)
    _push(ecr, "v3")
    ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=ARCHIVE_THEN_EXPIRE)
    assert json.loads(ecr.get_lifecycle_policy(repositoryName="app")["lifecyclePolicyText"]) \
        == json.loads(ARCHIVE_THEN_EXPIRE)
    ecr.start_lifecycle_policy_preview(repositoryName="app")
    done = ecr.get_lifecycle_policy_preview(repositoryName="app")
    results = {r["imageDigest"]: r for r in done["previewResults"]}
    assert set(results) == {old, new}
    assert all(r["action"] == {"type": "TRANSITION", "targetStorageClass": "ARCHIVE"}
               and r["storageClass"] == "STANDARD" for r in results.values())
    assert done["summary"] == {"expiringImageTotalCount": 0, "transitioningImageTotalCounts": [
        {"targetStorageClass": "ARCHIVE", "imageTotalCount": 2}]}


def test_an_archive_rule_ecr_would_refuse_is_refused(ecr):
    too_soon = json.loads(ARCHIVE_THEN_EXPIRE)
    too_soon["rules"][1]["selection"]["countNumber"] = 30
    with pytest.raises(ClientError) as caught:
        ecr.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=json.dumps(too_soon))
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert "rules[1].selection.countNumber must be at least 90" in error["Message"]
    with pytest.raises(ClientError):
        ecr.get_lifecycle_policy(repositoryName="app")
