"""Sample images to push, as CI would, for the demo and the tests.

The emulator replicates what is pushed to the source region, as ECR does (ecrrep.sandbox), so
nothing here copies between regions. Functions take plain boto3 ECR clients, so tests can use
their own.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ecrrep.aws import aws_error

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"


@dataclass(frozen=True)
class PushedImage:
    repository: str
    digest: str
    tags: tuple[str, ...]


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def sample_manifest(seed: str, size: int = 1024) -> str:
    """A Docker v2 image manifest whose config and layer digests derive from `seed`: the same
    seed gives the same manifest, hence the same image digest, in any repository."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "size": size,
            "digest": _sha256(f"config:{seed}"),
        },
        "layers": [
            {"mediaType": LAYER_MEDIA_TYPE, "size": size, "digest": _sha256(f"layer:{seed}")}
        ],
    }
    return json.dumps(manifest, indent=3)


def put_image(
    ecr: Any,
    repository: str,
    manifest: str,
    tags: list[str] | tuple[str, ...],
    media_type: str = MANIFEST_MEDIA_TYPE,
) -> str:
    """Put one image with all its tags (one put per tag, as a push does); returns its digest.
    A tag already on this very image counts as done, so a push can be repeated."""
    digest = ""
    for tag in tags or [None]:
        params: dict[str, Any] = {
            "repositoryName": repository,
            "imageManifest": manifest,
            "imageManifestMediaType": media_type,
            # As a client pushes it: ECR names an image by the sha256 of its manifest. Left to
            # itself, moto gives an index (no layers) one of 101 random digests, so two
            # indexes of a test could become one image.
            "imageDigest": _sha256(manifest),
        }
        if tag is not None:
            params["imageTag"] = tag
        try:
            digest = ecr.put_image(**params)["image"]["imageId"]["imageDigest"]
        except aws_error("ImageAlreadyExistsException"):
            pass
    if not digest and tags:
        digest = image_digest(ecr, repository, tags[0])
    return digest


def image_digest(ecr: Any, repository: str, tag: str) -> str:
    described = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    return described["imageDetails"][0]["imageDigest"]


def push_sample_image(
    ecr: Any, repository: str, seed: str, tags: list[str] | tuple[str, ...]
) -> PushedImage:
    digest = put_image(ecr, repository, sample_manifest(seed), tags)
    return PushedImage(repository, digest, tuple(tags))

