"""validate-replication with ECR's archive storage class: an archived (or restoring) replica
image is present, not missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecrrep.replication.compare import compare_region, image_record
from ecrrep.replication.model import STATUS_OK, ImageRecord, RepositoryState

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
PUSHED = NOW - timedelta(days=40)


def state(region: str, *records: ImageRecord) -> RepositoryState:
    return RepositoryState(region, "apps/web", {}, {r.digest: r for r in records})


def test_an_image_record_keeps_its_status() -> None:
    archived = image_record({"imageDigest": "sha256:a", "imagePushedAt": PUSHED,
                             "imageStatus": "ARCHIVED", "imageTags": ["v1"]})
    assert archived == ImageRecord("sha256:a", frozenset({"v1"}), PUSHED, "ARCHIVED")
    assert image_record({"imageDigest": "sha256:b", "imagePushedAt": PUSHED}).status == "ACTIVE"


def test_an_archived_or_restoring_replica_image_is_present() -> None:
    source = state("us-east-1", ImageRecord("sha256:a", frozenset({"v1"}), PUSHED),
                   ImageRecord("sha256:b", frozenset({"v2"}), PUSHED))
    replica = state("us-west-2", ImageRecord("sha256:a", frozenset({"v1"}), PUSHED, "ARCHIVED"),
                    ImageRecord("sha256:b", frozenset({"v2"}), PUSHED, "ACTIVATING"))
    result = compare_region(source, replica, "us-west-2", NOW, timedelta(minutes=30))
    assert result.status == STATUS_OK
    assert result.missing == () and result.present == 2
