"""Push multi-architecture images and their referrers with plain boto3, as `docker buildx
build --platform ... --push` and a signer (cosign, notation) would: one image manifest per
platform, then the image index naming them, then artifacts whose `subject` is the index.

Manifests follow the OCI image spec (https://github.com/opencontainers/image-spec:
manifest.md, image-index.md; "Guidelines for Artifact Usage" for referrers). Layers are
never uploaded: ECR's PutImage takes the manifest alone, and the sandbox does not check
blobs. Digests are those the registry returns.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
# An empty JSON object, the config of an artifact that has none (OCI's "empty descriptor").
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
SIGNATURE_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json"
DEFAULT_PLATFORMS = ("linux/amd64", "linux/arm64")


@dataclass(frozen=True)
class PushedManifest:
    digest: str
    manifest: str
    media_type: str

    @property
    def size(self) -> int:
        return len(self.manifest.encode())

    def descriptor(self, **extra: Any) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": self.size, **extra}


@dataclass(frozen=True)
class PushedIndex:
    index: PushedManifest
    children: dict[str, PushedManifest]  # platform ("linux/arm64") -> its image


def _sha256(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def platform_manifest(seed: str, platform: str) -> str:
    """An OCI image manifest for one platform; the same seed and platform give the same
    manifest."""
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": 512,
                   "digest": _sha256(f"config:{seed}:{platform}")},
        "layers": [{"mediaType": OCI_LAYER, "size": 2048,
                    "digest": _sha256(f"layer:{seed}:{platform}")}],
    })


def index_manifest(children: dict[str, PushedManifest]) -> str:
    """An OCI image index naming each platform's image."""
    manifests = []
    for platform, child in children.items():
        os_name, _, architecture = platform.partition("/")
        manifests.append(child.descriptor(platform={"os": os_name,
                                                    "architecture": architecture}))
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests})


def referrer_manifest(subject: PushedManifest, artifact_type: str,
                      annotations: dict[str, str] | None = None) -> str:
    """An OCI artifact manifest whose subject is `subject` (a signature, an SBOM)."""
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": OCI_EMPTY, "size": 2, "digest": EMPTY_DIGEST},
        "layers": [{"mediaType": artifact_type, "size": 256,
                    "digest": _sha256(f"{artifact_type}:{subject.digest}")}],
        "subject": subject.descriptor(),
    }
    if annotations:
        manifest["annotations"] = annotations
    return json.dumps(manifest)


def push_manifest(ecr: Any, repository: str, manifest: str, media_type: str,
                  tag: str | None = None) -> PushedManifest:
    params: dict[str, Any] = {"repositoryName": repository, "imageManifest": manifest,
                              "imageManifestMediaType": media_type}
    if tag is not None:
        params["imageTag"] = tag
    digest = ecr.put_image(**params)["image"]["imageId"]["imageDigest"]
    return PushedManifest(digest, manifest, media_type)


def push_multi_arch_image(ecr: Any, repository: str, seed: str, tag: str | None = None,
                          platforms: tuple[str, ...] = DEFAULT_PLATFORMS) -> PushedIndex:
    """Each platform's image (untagged), then the index naming them (tagged `tag`)."""
    children = {platform: push_manifest(ecr, repository, platform_manifest(seed, platform),
                                        OCI_MANIFEST)
                for platform in platforms}
    index = push_manifest(ecr, repository, index_manifest(children), OCI_INDEX, tag)
    return PushedIndex(index, children)


def push_referrer(ecr: Any, repository: str, subject: PushedManifest,
                  artifact_type: str = SIGNATURE_TYPE,
                  annotations: dict[str, str] | None = None) -> PushedManifest:
    """An artifact referring to `subject`, pushed untagged as signers do."""
    return push_manifest(ecr, repository,
                         referrer_manifest(subject, artifact_type, annotations), OCI_MANIFEST)
