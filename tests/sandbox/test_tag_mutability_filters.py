"""Tag mutability exclusion filters match whole tags as wildcards."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ecrrep.sandbox.images import MANIFEST_MEDIA_TYPE, push_sample_image, sample_manifest
from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)


def _repository(ecr, mutability: str, *wildcards: str) -> None:
    ecr.create_repository(repositoryName="app", imageTagMutability=mutability,
                          imageTagMutabilityExclusionFilters=[
                              {"filterType": "WILDCARD", "filter": w} for w in wildcards])


def _push(ecr, seed: str, tag: str) -> str:
    return ecr.put_image(repositoryName="app", imageManifest=sample_manifest(seed),
                         imageManifestMediaType=MANIFEST_MEDIA_TYPE,
                         imageTag=tag)["image"]["imageId"]["imageDigest"]


def _tagged(ecr, tag: str) -> str:
    return ecr.describe_images(repositoryName="app",
                               imageIds=[{"imageTag": tag}])["imageDetails"][0]["imageDigest"]


def _refused(ecr, seed: str, tag: str) -> str:
    with pytest.raises(ClientError) as caught:
        _push(ecr, seed, tag)
    return caught.value.response["Error"]["Code"]


def test_immutable_with_exclusion_leaves_matching_tags_mutable(sandbox):
    ecr = sandbox.client("ecr")
    _repository(ecr, "IMMUTABLE_WITH_EXCLUSION", "*-dev", "latest")
    _push(ecr, "one", "feature-dev")
    moved = _push(ecr, "two", "feature-dev")
    assert _tagged(ecr, "feature-dev") == moved

    first = _push(ecr, "three", "v1")
    assert _refused(ecr, "four", "v1") == "ImageTagAlreadyExistsException"
    assert _tagged(ecr, "v1") == first


def test_a_wildcard_does_not_match_a_longer_or_different_tag(sandbox):
    ecr = sandbox.client("ecr")
    _repository(ecr, "IMMUTABLE_WITH_EXCLUSION", "dev-*", "latest")
    _push(ecr, "one", "devx")
    assert _refused(ecr, "two", "devx") == "ImageTagAlreadyExistsException"
    _push(ecr, "three", "latest-1")
    assert _refused(ecr, "four", "latest-1") == "ImageTagAlreadyExistsException"
    _push(ecr, "five", "dev-1")
    _push(ecr, "six", "dev-1")


def test_mutable_with_exclusion_makes_matching_tags_immutable(sandbox):
    ecr = sandbox.client("ecr")
    _repository(ecr, "MUTABLE_WITH_EXCLUSION", "release-*")
    first = _push(ecr, "one", "release-1")
    assert _refused(ecr, "two", "release-1") == "ImageTagAlreadyExistsException"
    assert _tagged(ecr, "release-1") == first
    _push(ecr, "three", "main")
    moved = _push(ecr, "four", "main")
    assert _tagged(ecr, "main") == moved


def test_moto_s_matching_when_aws_like_is_off(sandbox):
    sandbox.configure(aws_like=False)
    ecr = sandbox.client("ecr")
    _repository(ecr, "IMMUTABLE_WITH_EXCLUSION", "dev-*")
    _push(ecr, "one", "devx")
    _push(ecr, "two", "devx")  # moto reads dev-* as a regular expression: "devx" matches


def test_pushing_the_same_image_and_tag_again_is_image_already_exists(sandbox):
    ecr = sandbox.client("ecr")
    _repository(ecr, "IMMUTABLE_WITH_EXCLUSION", "latest")
    _push(ecr, "one", "v1")
    assert _refused(ecr, "one", "v1") == "ImageAlreadyExistsException"


def test_the_push_helper_fails_when_an_immutable_tag_is_held_by_another_image(sandbox):
    # A refusal to move the tag is not "already pushed": the helper must not report success.
    ecr = sandbox.client("ecr")
    ecr.create_repository(repositoryName="app", imageTagMutability="IMMUTABLE")
    first = push_sample_image(ecr, "app", "one", ["v1"]).digest
    with pytest.raises(ClientError) as caught:
        push_sample_image(ecr, "app", "two", ["v1"])
    assert caught.value.response["Error"]["Code"] == "ImageTagAlreadyExistsException"
    assert _tagged(ecr, "v1") == first
