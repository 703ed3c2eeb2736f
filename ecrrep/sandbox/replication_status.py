"""DescribeImageReplicationStatus, which moto lacks, answered from the sandbox's replications.

Follows https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImageReplicationStatus.html:
asked in the source registry about one image (by digest or tag), it answers one status per
destination, IN_PROGRESS until the replication is done, then COMPLETE or FAILED (with a
failure code). An image no rule replicated has no statuses. A missing repository or image is
RepositoryNotFoundException / ImageNotFoundException, as for any image read.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    from moto.core.responses import ActionResult
    from moto.ecr.responses import ECRResponse

    from ecrrep.sandbox import replication

    if hasattr(ECRResponse, "describe_image_replication_status"):
        return

    def describe_image_replication_status(self: ECRResponse) -> Any:
        name = self._get_param("repositoryName")
        image_id = self._get_param("imageId") or {}
        repository = self.ecr_backend._get_repository(name, self._get_param("registryId"))
        image = repository._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
        digest = image.get_image_digest()
        found = replication.statuses(self.ecr_backend.account_id, self.ecr_backend.region_name,
                                     name, digest)
        statuses = []
        for (region, account), outcome in sorted(found.items()):
            status: dict[str, Any] = {"region": region, "registryId": account,
                                      "status": outcome.status}
            if outcome.failure_code:
                status["failureCode"] = outcome.failure_code
            statuses.append(status)
        answered_id = {"imageDigest": digest}
        if image_id.get("imageTag"):
            answered_id["imageTag"] = image_id["imageTag"]
        return ActionResult({"repositoryName": name, "imageId": answered_id,
                             "replicationStatuses": statuses})

    ECRResponse.describe_image_replication_status = describe_image_replication_status  # type: ignore[attr-defined]
