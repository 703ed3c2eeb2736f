"""Images the tests and the demo push are named by their manifest's digest, as ECR names
them, in plain moto as in the sandbox."""

from __future__ import annotations

import hashlib
import json

from ecrrep.sandbox.images import put_image

INDEX = "application/vnd.oci.image.index.v1+json"


def test_each_index_gets_its_manifests_digest(ecr):
    indexes = [json.dumps({"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 500,
         "digest": "sha256:" + f"{n:064x}"}]}) for n in range(40)]

    digests = [put_image(ecr, "apps/web", index, [f"v{n}"], INDEX)
               for n, index in enumerate(indexes)]

    assert digests == ["sha256:" + hashlib.sha256(i.encode()).hexdigest() for i in indexes]
    assert len(ecr.list_images(repositoryName="apps/web")["imageIds"]) == 40
