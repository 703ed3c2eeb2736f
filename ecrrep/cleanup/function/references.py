"""What a kept image references must stay: the child manifests of an image index (a
multi-architecture image) and the referrers of a kept image (signatures, SBOMs, attestations:
OCI manifests whose `subject` names it).

ECR itself refuses to delete a child of an index that still exists
(ImageReferencedByManifestList) but deletes a signature whose image stays without a word, so
both are worked out before deleting: each candidate's manifest and each index's are read with
BatchGetImage (at most 100 ids a call,
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_BatchGetImage.html), and
everything reachable from what stays is kept. The `subject` field and the index's `manifests`
list are the OCI image spec's
(https://github.com/opencontainers/image-spec/blob/main/manifest.md#image-manifest-property-descriptions,
https://github.com/opencontainers/image-spec/blob/main/image-index.md).
Standard library only (plus the client handed in): this file ships in the Lambda zip.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

logger = logging.getLogger("ecrrep.cleanup")

INDEX_MEDIA_TYPES = frozenset({
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
})
# Every manifest type, so BatchGetImage hands back each manifest as it was pushed.
ACCEPTED_MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    *sorted(INDEX_MEDIA_TYPES),
]
MAX_GET_BATCH = 100

# A manifest we could not read: the image it belongs to is kept (we cannot tell what it is).
UNREADABLE: dict[str, Any] = {}


def is_index(image: Mapping[str, Any]) -> bool:
    return image.get("imageManifestMediaType") in INDEX_MEDIA_TYPES


def kept_by_reference(
    ecr: Any, repository: str, images: list[dict[str, Any]], candidates: list[dict[str, Any]]
) -> set[str]:
    """The digests among `candidates` (images past retention) that must stay because an image
    that stays references them, directly or through other kept images."""
    if not candidates:
        return set()
    wanted = {i["imageDigest"] for i in candidates} | {
        i["imageDigest"] for i in images if is_index(i)}
    manifests = read_manifests(ecr, repository, sorted(wanted))
    doomed = {i["imageDigest"] for i in candidates}
    staying = {i["imageDigest"] for i in images} - doomed
    return referenced_closure(staying, manifests) & doomed


def referenced_closure(staying: set[str], manifests: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Everything that stays: `staying`, the children of any index that stays, the referrers
    whose subject stays, and images whose manifest could not be read; until nothing changes."""
    keep = set(staying) | {d for d, m in manifests.items() if m is UNREADABLE}
    while True:
        grown = set(keep)
        for digest in keep:
            grown.update(_children(manifests.get(digest)))
        grown.update(d for d, m in manifests.items() if _subject(m) in keep)
        if grown == keep:
            return keep
        keep = grown


def read_manifests(ecr: Any, repository: str,
                   digests: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Digest → parsed manifest; UNREADABLE for one ECR did not hand back."""
    digests = list(digests)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(digests), MAX_GET_BATCH):
        batch = digests[start:start + MAX_GET_BATCH]
        answer = ecr.batch_get_image(repositoryName=repository,
                                     imageIds=[{"imageDigest": d} for d in batch],
                                     acceptedMediaTypes=ACCEPTED_MEDIA_TYPES)
        for image in answer.get("images") or []:
            found[image["imageId"]["imageDigest"]] = _parsed(image.get("imageManifest", ""))
        for digest in batch:
            if digest not in found:
                logger.warning("could not read the manifest of %s@%s: kept", repository, digest)
                found[digest] = UNREADABLE
    return found


def _parsed(text: str) -> dict[str, Any]:
    try:
        manifest = json.loads(text)
    except ValueError:
        return UNREADABLE
    return manifest if isinstance(manifest, dict) else UNREADABLE


def _children(manifest: Mapping[str, Any] | None) -> list[str]:
    entries = (manifest or {}).get("manifests") or []
    return [e["digest"] for e in entries if isinstance(e, dict) and e.get("digest")]


def _subject(manifest: Mapping[str, Any]) -> str | None:
    subject = manifest.get("subject")
    return subject.get("digest") if isinstance(subject, dict) else None
