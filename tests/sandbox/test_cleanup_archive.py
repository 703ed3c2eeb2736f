"""The cleanup function's replication count with ECR's archive storage class: a replica image
ECR archived is still there (ListImages lists ACTIVE images unless asked for every status)."""

from __future__ import annotations

from datetime import timedelta

from ecrrep.cleanup.function import handler as cleanup
from ecrrep.sandbox.images import push_sample_image


def test_an_archived_replica_image_is_not_a_replication_failure(sandbox):
    sandbox.configure(aws_like=False)
    source, replica = sandbox.client("ecr", "us-east-1"), sandbox.client("ecr", "us-west-2")
    for ecr in (source, replica):
        ecr.create_repository(repositoryName="apps/web")
    image = push_sample_image(source, "apps/web", "v1", ["v1"])
    push_sample_image(replica, "apps/web", "v1", ["v1"])
    replica.update_image_storage_class(repositoryName="apps/web",
                                       imageId={"imageDigest": image.digest},
                                       targetStorageClass="ARCHIVE")

    assert cleanup.list_digests(replica, "apps/web") == {image.digest}
    result = cleanup.RepositoryResult("web", "apps/web", 30,
                                      images=cleanup.describe_images(source, "apps/web"))
    now = cleanup.datetime.now(cleanup.UTC) + timedelta(hours=1)
    rate = cleanup.replication_in(replica, "us-west-2", [result], now, timedelta(minutes=30))
    assert (rate.source_images, rate.missing) == (1, 0)
