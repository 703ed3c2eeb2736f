"""Referrers: ListImageReferrers lists the artifacts (signatures, SBOMs, attestations) whose
manifest names an image as its `subject`. moto lacks the operation.

AWS page: ListImageReferrers, Amazon ECR API Reference,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ListImageReferrers.html
and the OCI distribution spec's referrers API that it follows
(https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers):
each referrer is an image of its own in the repository; its descriptor gives the digest,
mediaType, artifactType (the manifest's `artifactType`, else its config's mediaType), size
(of the manifest) and annotations. `filter.artifactTypes` keeps only those types.

An API moto lacks rather than a limit, so it answers whatever `aws_like` says. Pagination
(`maxResults`, `nextToken`) is not modelled: everything comes in one page, as moto does for
the other ECR lists.
"""

from __future__ import annotations

import json
from typing import Any

from ecrrep.sandbox.patching import add_method


def install() -> None:
    from moto.ecr.models import ECRBackend
    from moto.ecr.responses import ECRResponse

    add_method(ECRBackend, "list_image_referrers", list_image_referrers)
    add_method(ECRResponse, "list_image_referrers", _respond)


def referrer_descriptor(image: Any) -> dict[str, Any] | None:
    """The descriptor of an image whose manifest has a subject, else None."""
    try:
        manifest = json.loads(image.image_manifest)
    except ValueError:
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("subject"), dict):
        return None
    descriptor = {
        "digest": image.get_image_digest(),
        "mediaType": manifest.get("mediaType") or image.image_manifest_media_type,
        "artifactType": manifest.get("artifactType")
        or (manifest.get("config") or {}).get("mediaType"),
        "size": len(image.image_manifest.encode()),
        "artifactStatus": "ACTIVE",
    }
    if manifest.get("annotations"):
        descriptor["annotations"] = manifest["annotations"]
    return descriptor


def list_image_referrers(backend: Any, repository_name: str, subject_digest: str,
                         artifact_types: list[str] | None = None) -> list[dict[str, Any]]:
    from moto.ecr.exceptions import RepositoryNotFoundException

    repository = backend.repositories.get(repository_name)
    if repository is None:
        raise RepositoryNotFoundException(repository_name, backend.account_id)
    found = []
    for image in repository.images:
        descriptor = referrer_descriptor(image)
        subject = json.loads(image.image_manifest).get("subject") if descriptor else None
        if descriptor and subject.get("digest") == subject_digest \
                and (not artifact_types or descriptor["artifactType"] in artifact_types):
            found.append(descriptor)
    return found


def _respond(response: Any) -> Any:
    from moto.core.responses import ActionResult

    subject = response._get_param("subjectId") or {}
    artifact_filter = response._get_param("filter") or {}
    referrers = response.ecr_backend.list_image_referrers(
        response._get_param("repositoryName"), subject.get("imageDigest"),
        artifact_filter.get("artifactTypes"))
    return ActionResult({"referrers": referrers})
