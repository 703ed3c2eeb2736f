"""A repository holding only archived images is not empty: the count that guards deleting a
repository (without --force-delete-images) sees archived images too."""

from __future__ import annotations

from ecrrep.aws.context import AwsContext
from ecrrep.resources.shared.ecr_listing import count_images
from ecrrep.sandbox.images import push_sample_image
from tests.support.account import FAKE_CREDENTIALS
from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)


def test_archived_images_count_as_images(sandbox, monkeypatch):
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    ecr = sandbox.client("ecr")
    ecr.create_repository(repositoryName="apps/web")
    digest = push_sample_image(ecr, "apps/web", "one", ["v1"]).digest
    ecr.update_image_storage_class(repositoryName="apps/web", imageId={"imageDigest": digest},
                                   targetStorageClass="ARCHIVE")
    assert ecr.list_images(repositoryName="apps/web")["imageIds"] == []  # ECR's default view

    ctx = AwsContext(endpoint_url=sandbox.endpoint)
    try:
        assert count_images(ctx, "us-east-1", "apps/web") == 1
    finally:
        ctx.close()
