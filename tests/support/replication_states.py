"""Repository states and images as the replication comparison reads them, in plain values,
for the replication check's unit tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from ecrrep.replication.compare import repository_settings
from ecrrep.replication.model import ImageRecord, RepositoryState

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
GRACE = timedelta(minutes=30)
OLD = NOW - timedelta(hours=5)
RECENT = NOW - timedelta(minutes=5)

LIFECYCLE = {"rules": [{"rulePriority": 1, "description": "keep 15",
                        "selection": {"tagStatus": "tagged", "tagPrefixList": ["prod"],
                                      "countType": "imageCountMoreThan", "countNumber": 15},
                        "action": {"type": "expire"}}]}
POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Pull", "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::123456789012:role/prod"]},
    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]}


def settings(**changes):
    description = {"imageTagMutability": "IMMUTABLE",
                   "imageScanningConfiguration": {"scanOnPush": True},
                   "encryptionConfiguration": {"encryptionType": "AES256"}}
    lifecycle = changes.pop("lifecycle", json.dumps(LIFECYCLE))
    policy = changes.pop("policy", json.dumps(POLICY))
    description.update(changes)
    return repository_settings(description, lifecycle, policy)


def image(digest, *tags, pushed=OLD):
    return ImageRecord(digest, frozenset(tags), pushed)


def state(region, images, name="apps/prod", **setting_changes):
    return RepositoryState(region, name, settings(**setting_changes),
                           {i.digest: i for i in images})
