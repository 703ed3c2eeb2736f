"""Multi-architecture images and referrers: an index, its children and its referrers are
separate images; a child an index references cannot be deleted."""

from __future__ import annotations

import hashlib

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox import image_builder
from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)


@pytest.fixture
def ecr(sandbox):
    client = sandbox.client("ecr")
    client.create_repository(repositoryName="app")
    return client


def _digests(ecr) -> set[str]:
    return {i["imageDigest"] for i in ecr.describe_images(repositoryName="app")["imageDetails"]}


def test_index_and_children_are_separate_images_with_manifest_digests(ecr):
    pushed = image_builder.push_multi_arch_image(ecr, "app", "v1", tag="1.0")
    children = {c.digest for c in pushed.children.values()}
    assert _digests(ecr) == children | {pushed.index.digest}
    for image in [pushed.index, *pushed.children.values()]:
        assert image.digest == "sha256:" + hashlib.sha256(image.manifest.encode()).hexdigest()
    tagged = ecr.describe_images(repositoryName="app", imageIds=[{"imageTag": "1.0"}])
    assert tagged["imageDetails"][0]["imageDigest"] == pushed.index.digest
    assert tagged["imageDetails"][0]["imageManifestMediaType"] == image_builder.OCI_INDEX


def test_child_referenced_by_an_index_is_not_deleted(ecr):
    pushed = image_builder.push_multi_arch_image(ecr, "app", "v1", tag="1.0")
    arm = pushed.children["linux/arm64"].digest

    result = ecr.batch_delete_image(repositoryName="app", imageIds=[{"imageDigest": arm}])
    assert result["imageIds"] == []
    assert result["failures"] == [{
        "imageId": {"imageDigest": arm}, "failureCode": "ImageReferencedByManifestList",
        "failureReason": f"Requested image referenced by manifest list: [{pushed.index.digest}]"}]
    assert arm in _digests(ecr)


def test_other_images_of_the_request_are_still_deleted(ecr):
    pushed = image_builder.push_multi_arch_image(ecr, "app", "v1", tag="1.0")
    lone = image_builder.push_manifest(ecr, "app", image_builder.platform_manifest(
        "lone", "linux/amd64"), image_builder.OCI_MANIFEST, tag="lone")
    arm = pushed.children["linux/arm64"].digest
    result = ecr.batch_delete_image(repositoryName="app", imageIds=[
        {"imageDigest": arm}, {"imageDigest": lone.digest}])
    assert [f["failureCode"] for f in result["failures"]] == ["ImageReferencedByManifestList"]
    assert _digests(ecr) == {pushed.index.digest, *(c.digest for c in pushed.children.values())}


def test_children_can_go_once_the_index_is_deleted(ecr):
    pushed = image_builder.push_multi_arch_image(ecr, "app", "v1", tag="1.0")
    everything = [{"imageDigest": pushed.index.digest},
                  *({"imageDigest": c.digest} for c in pushed.children.values())]
    result = ecr.batch_delete_image(repositoryName="app", imageIds=everything)
    assert result["failures"] == []
    assert _digests(ecr) == set()


def test_index_naming_a_missing_child_is_refused(ecr):
    missing = image_builder.PushedManifest("sha256:" + "0" * 64, "{}",
                                           image_builder.OCI_MANIFEST)
    with pytest.raises(ClientError) as caught:
        image_builder.push_manifest(ecr, "app", image_builder.index_manifest(
            {"linux/amd64": missing}), image_builder.OCI_INDEX, tag="1.0")
    assert caught.value.response["Error"] == {
        "Code": "ReferencedImagesNotFoundException",
        "Message": "The manifest list is referencing an image that does not exist."}
    assert _digests(ecr) == set()


def test_referrers_are_separate_images_listed_by_their_subject(ecr):
    pushed = image_builder.push_multi_arch_image(ecr, "app", "v1", tag="1.0")
    signature = image_builder.push_referrer(ecr, "app", pushed.index,
                                            annotations={"signed-by": "ci"})
    sbom = image_builder.push_referrer(ecr, "app", pushed.index, "application/spdx+json")
    assert {signature.digest, sbom.digest} <= _digests(ecr)

    listed = ecr.list_image_referrers(repositoryName="app",
                                      subjectId={"imageDigest": pushed.index.digest})
    by_digest = {r["digest"]: r for r in listed["referrers"]}
    assert set(by_digest) == {signature.digest, sbom.digest}
    assert by_digest[signature.digest] == {
        "digest": signature.digest, "mediaType": image_builder.OCI_MANIFEST,
        "artifactType": image_builder.SIGNATURE_TYPE, "size": signature.size,
        "annotations": {"signed-by": "ci"}, "artifactStatus": "ACTIVE"}

    only_sboms = ecr.list_image_referrers(
        repositoryName="app", subjectId={"imageDigest": pushed.index.digest},
        filter={"artifactTypes": ["application/spdx+json"]})
    assert [r["digest"] for r in only_sboms["referrers"]] == [sbom.digest]
    child = pushed.children["linux/amd64"].digest
    assert ecr.list_image_referrers(repositoryName="app",
                                    subjectId={"imageDigest": child})["referrers"] == []


def test_referrers_of_a_missing_repository(sandbox):
    with pytest.raises(ClientError) as caught:
        sandbox.client("ecr").list_image_referrers(
            repositoryName="nope", subjectId={"imageDigest": "sha256:" + "0" * 64})
    assert caught.value.response["Error"]["Code"] == "RepositoryNotFoundException"


def test_child_deletion_is_moto_s_when_aws_like_is_off(sandbox, ecr):
    pushed = image_builder.push_multi_arch_image(ecr, "app", "v1", tag="1.0")
    sandbox.configure(aws_like=False)
    arm = pushed.children["linux/arm64"].digest
    assert ecr.batch_delete_image(repositoryName="app",
                                  imageIds=[{"imageDigest": arm}])["failures"] == []
