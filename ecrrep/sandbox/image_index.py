"""Multi-architecture images: an image index and its child manifests are separate images.

AWS pages: "Pushing a multi-architecture image to an Amazon ECR private repository",
https://docs.aws.amazon.com/AmazonECR/latest/userguide/docker-push-multi-architecture-image.html
(each architecture's image is pushed first, then the manifest list that references them);
BatchDeleteImage and ImageFailure in the Amazon ECR API Reference,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageFailure.html
(failureCode `ImageReferencedByManifestList`); PutImage's `ReferencedImagesNotFoundException`
("The manifest list is referencing an image that does not exist.", botocore's ECR model).

What the sandbox adds while aws-like is on:
- an image's digest is the sha256 of its manifest as pushed (what a client computes, and what
  an index names its children by); moto derives it from the layers, and gives an index, which
  has none, a random one;
- an index is refused while a child it names is not in the repository;
- deleting a child that an index in the repository still references fails for that image with
  `ImageReferencedByManifestList` (the other images of the request are deleted); an index
  deleted in the same request no longer counts.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ecrrep.sandbox.patching import aws_like, service_error, wrap_method

INDEX_MEDIA_TYPES = frozenset({
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
})
REFERENCED_BY_INDEX = "ImageReferencedByManifestList"


def install() -> None:
    from moto.ecr.models import ECRBackend

    wrap_method(ECRBackend, "put_image", _put_with_manifest_digest)
    wrap_method(ECRBackend, "batch_delete_image", _keep_referenced_children)


def manifest_digest(manifest: str) -> str:
    return "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()


def child_digests(manifest: str, media_type: str | None = None) -> list[str]:
    """The digests an image index names; empty for any other manifest."""
    try:
        parsed = json.loads(manifest)
    except ValueError:
        return []
    if not isinstance(parsed, dict):
        return []
    if (media_type or parsed.get("mediaType")) not in INDEX_MEDIA_TYPES \
            and "manifests" not in parsed:
        return []
    return [m["digest"] for m in parsed.get("manifests", []) if isinstance(m, dict)
            and "digest" in m]


def _put_with_manifest_digest(original: Any, backend: Any, repository_name: str,
                              image_manifest: str, image_tag: str | None,
                              image_manifest_mediatype: str | None = None,
                              digest: str | None = None) -> Any:
    if aws_like():
        digest = digest or manifest_digest(image_manifest)
        repository = backend.repositories.get(repository_name)
        present = {i.get_image_digest() for i in repository.images} if repository else set()
        if any(child not in present
               for child in child_digests(image_manifest, image_manifest_mediatype)):
            raise service_error("ReferencedImagesNotFoundException",
                                "The manifest list is referencing an image that does not exist.")
    return original(backend, repository_name, image_manifest, image_tag,
                    image_manifest_mediatype, digest)


def _keep_referenced_children(original: Any, backend: Any, repository_name: str,
                              registry_id: str | None = None,
                              image_ids: list[dict[str, str]] | None = None) -> Any:
    repository = backend.repositories.get(repository_name)
    if not aws_like() or repository is None or not image_ids:
        return original(backend, repository_name, registry_id, image_ids)
    doomed = {_deleted_by(repository, image_id) for image_id in image_ids} - {None}
    held: dict[str, list[str]] = {}
    for image in repository.images:
        if image.get_image_digest() in doomed:
            continue
        for child in child_digests(image.image_manifest, image.image_manifest_media_type):
            held.setdefault(child, []).append(image.get_image_digest())
    refused = [i for i in image_ids if _deleted_by(repository, i) in held]
    allowed = [i for i in image_ids if i not in refused]
    result = original(backend, repository_name, registry_id, allowed) if allowed \
        else {"imageIds": [], "failures": []}
    result["failures"].extend(
        {"imageId": image_id, "failureCode": REFERENCED_BY_INDEX,
         "failureReason": "Requested image referenced by manifest list: "
                          f"[{', '.join(held[_deleted_by(repository, image_id)])}]"}
        for image_id in refused)
    return result


def _deleted_by(repository: Any, image_id: dict[str, str]) -> str | None:
    """The digest of the image a request's imageId deletes: the image it names by digest, or
    by its last tag (removing one of several tags deletes nothing)."""
    for image in repository.images:
        if image_id.get("imageDigest") == image.get_image_digest():
            return image.get_image_digest()
        if image_id.get("imageTag") in image.image_tags and len(image.image_tags) == 1:
            return image.get_image_digest()
    return None
