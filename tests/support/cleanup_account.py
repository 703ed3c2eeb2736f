"""The account the cleanup function's service tests run in: its repositories' names and
ownership tag, the function's settings, the clock, and ECR clients that record or fail
BatchDeleteImage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from ecrrep.cleanup.function.config import CleanupConfig

SOURCE, DESTINATION = "us-east-1", "us-west-2"
NOW = datetime.now(UTC).replace(microsecond=0)
DAY = timedelta(days=1)

PROJECT = "proj"
OURS = [{"Key": "ecrrep:project", "Value": PROJECT}]

CONFIG = CleanupConfig(
    project=PROJECT,
    source_region=SOURCE,
    repository_prefix="apps",
    repositories={"web": 30, "api": None},
    destination_regions=(DESTINATION,),
    default_retention_days=10,
    protected_tag_prefixes=("prod", "release"),
)


def clients(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region)


def digests(ecr: Any, repository: str) -> set[str]:
    ids = ecr.list_images(repositoryName=repository)["imageIds"]
    return {i["imageDigest"] for i in ids}


class Recorder:
    """An ECR client that records the size of every BatchDeleteImage call."""

    def __init__(self, client: Any):
        self.client = client
        self.batches: list[int] = []

    def batch_delete_image(self, **params: Any) -> Any:
        self.batches.append(len(params["imageIds"]))
        return self.client.batch_delete_image(**params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


class FailingDeletes(Recorder):
    """Answers BatchDeleteImage for chosen digests with the failures ECR can give."""

    def __init__(self, client: Any, failures: dict[str, str]):
        super().__init__(client)
        self.failures = failures

    def batch_delete_image(self, **params: Any) -> Any:
        ids = [i for i in params["imageIds"] if i["imageDigest"] not in self.failures]
        answer: dict[str, Any] = {"imageIds": []}
        if ids:
            answer = self.client.batch_delete_image(repositoryName=params["repositoryName"],
                                                    imageIds=ids)
        answer["failures"] = [
            {"imageId": {"imageDigest": d}, "failureCode": code, "failureReason": "test"}
            for d, code in self.failures.items()
        ]
        return answer
