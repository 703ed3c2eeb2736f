"""The cleanup function's reads and what it keeps because a kept image references it: the
children of a multi-architecture image index and the referrers (signatures, SBOMs) of a kept
image, against moto in-process with real index and referrer manifests put into it."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.stub import Stubber

from ecrrep.cleanup.function import handler as cleanup
from ecrrep.cleanup.function.references import referenced_closure
from ecrrep.sandbox.images import put_image
from tests.support.cleanup_account import (
    CONFIG,
    DAY,
    NOW,
    SOURCE,
    FailingDeletes,
    clients,
    digests,
)
from tests.support.pushed_images import moto_clock, push

INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def push_index(ecr: Any, repository: str, children: list[str], tags: list[str],
               age) -> str:
    index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": d, "size": 500,
         "platform": {"architecture": arch, "os": "linux"}}
        for d, arch in zip(children, ("amd64", "arm64"), strict=False)]}
    with moto_clock(NOW - age):
        return put_image(ecr, repository, json.dumps(index), tags, INDEX)


def push_signature(ecr: Any, repository: str, subject: str, seed: str, age) -> str:
    signature = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "size": 2,
                   "digest": "sha256:" + "4" * 64},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                    "size": 10, "digest": "sha256:" + seed * 64}],
        "subject": {"mediaType": INDEX, "digest": subject, "size": 300},
    }
    with moto_clock(NOW - age):
        return put_image(ecr, repository, json.dumps(signature), [], OCI_MANIFEST)


def test_children_and_signature_of_a_kept_index_stay(ecr):
    """apps/web keeps 30 days. A protected release index, pushed 90 days ago, with its two
    untagged platform images and its signature: all old, all kept. An old unprotected index
    with its own children goes, children included."""
    amd = push(ecr, "apps/web", "amd", None, 90 * DAY, NOW)
    arm = push(ecr, "apps/web", "arm", None, 90 * DAY, NOW)
    release = push_index(ecr, "apps/web", [amd, arm], ["prod-1.0"], 90 * DAY)
    signature = push_signature(ecr, "apps/web", release, "a", 89 * DAY)
    old_amd = push(ecr, "apps/web", "old-amd", None, 60 * DAY, NOW)
    old_index = push_index(ecr, "apps/web", [old_amd], ["feature-1"], 60 * DAY)
    old_signature = push_signature(ecr, "apps/web", old_index, "b", 60 * DAY)
    newest = push(ecr, "apps/web", "newest", ["feature-9"], DAY, NOW)

    result = cleanup.run_cleanup(CONFIG, clients, now=NOW)

    assert digests(ecr, "apps/web") == {amd, arm, release, signature, newest}
    web = next(r for r in result["repositories"] if r["name"] == "web")
    assert {e["digest"] for e in web["expired"]} == {old_amd, old_index, old_signature}
    assert web["referenced"] == 3 and result["failed"] == 0
    # The index went in a call before its child's.
    assert [e["digest"] for e in web["expired"]][0] == old_index


def test_a_child_ecr_refuses_to_delete_counts_as_kept_not_failed(ecr):
    child = push(ecr, "apps/web", "child", None, 60 * DAY, NOW)
    push(ecr, "apps/web", "newest", ["b"], DAY, NOW)
    refusing = FailingDeletes(ecr, {child: "ImageReferencedByManifestList"})

    result = cleanup.run_cleanup(
        CONFIG, lambda s, r: refusing if (s, r) == ("ecr", SOURCE) else clients(s, r), now=NOW)

    web = next(r for r in result["repositories"] if r["name"] == "web")
    assert [(e["digest"], e["status"]) for e in web["expired"]] == [(child, "kept")]
    assert result["failed"] == 0 and result["deleted"] == 0
    assert child in digests(ecr, "apps/web")


def test_manifests_are_read_at_most_100_per_call(ecr):
    images = [push(ecr, "apps/api", f"bulk-{n}", None, (300 - n) * DAY, NOW)
              for n in range(150)]
    calls: list[int] = []

    class Counting:
        def batch_get_image(self, **params):
            calls.append(len(params["imageIds"]))
            return ecr.batch_get_image(**params)

        def __getattr__(self, name):
            return getattr(ecr, name)

    cleanup.run_cleanup(CONFIG, lambda s, r: Counting() if (s, r) == ("ecr", SOURCE)
                        else clients(s, r), now=NOW)
    assert calls == [100, 49]  # the newest is no candidate
    assert digests(ecr, "apps/api") == {images[-1]}


def test_the_closure_follows_references_through_kept_images():
    manifests = {
        "index": {"manifests": [{"digest": "child"}]},
        "child": {},
        "sbom-of-child": {"subject": {"digest": "child"}},
        "sig-of-sbom": {"subject": {"digest": "sbom-of-child"}},
        "orphan": {"subject": {"digest": "gone"}},
    }
    assert referenced_closure({"index"}, manifests) == {
        "index", "child", "sbom-of-child", "sig-of-sbom"}


def test_an_unreadable_manifest_keeps_its_image(ecr):
    old = push(ecr, "apps/web", "old", None, 60 * DAY, NOW)
    push(ecr, "apps/web", "newest", ["b"], DAY, NOW)

    class Unreadable:
        def batch_get_image(self, **params):
            return {"images": [], "failures": [
                {"imageId": i, "failureCode": "ImageNotFound"} for i in params["imageIds"]]}

        def __getattr__(self, name):
            return getattr(ecr, name)

    cleanup.run_cleanup(CONFIG, lambda s, r: Unreadable() if (s, r) == ("ecr", SOURCE)
                        else clients(s, r), now=NOW)
    assert old in digests(ecr, "apps/web")


def test_describe_images_follows_every_page():
    client = boto3.client("ecr", region_name=SOURCE, aws_access_key_id="x",
                          aws_secret_access_key="x")
    page = {"imageDigest": "sha256:1", "imagePushedAt": NOW}
    with Stubber(client) as stub:
        stub.add_response("describe_images", {"imageDetails": [page], "nextToken": "t"},
                          {"repositoryName": "apps/web"})
        stub.add_response("describe_images",
                          {"imageDetails": [{**page, "imageDigest": "sha256:2"}]},
                          {"repositoryName": "apps/web", "nextToken": "t"})
        found = cleanup.describe_images(client, "apps/web")
    assert [i["imageDigest"] for i in found] == ["sha256:1", "sha256:2"]




def test_ownership_describes_repositories_by_name_and_survives_a_missing_one():
    """By name, 100 a call (the role may not list the whole registry); a batch that names a
    missing repository is asked again name by name."""
    from dataclasses import replace

    from ecrrep.cleanup.function.ownership import owned_repositories

    client = boto3.client("ecr", region_name=SOURCE, aws_access_key_id="x",
                          aws_secret_access_key="x")
    names = {f"r{n:03d}": None for n in range(101)}
    config = replace(CONFIG, repositories=names)
    arn = "arn:aws:ecr:us-east-1:123456789012:repository/"
    first = [f"apps/r{n:03d}" for n in range(100)]

    def described(*full):
        return {"repositories": [{"repositoryName": f, "repositoryArn": arn + f}
                                 for f in full]}

    with Stubber(client) as stub:
        stub.add_response("describe_repositories", described(*first),
                          {"repositoryNames": first})
        stub.add_client_error("describe_repositories", "RepositoryNotFoundException",
                              expected_params={"repositoryNames": ["apps/r100"]})
        stub.add_client_error("describe_repositories", "RepositoryNotFoundException",
                              expected_params={"repositoryNames": ["apps/r100"]})
        for full in first:
            tags = [{"Key": "ecrrep:project", "Value": "proj" if full != "apps/r007" else "x"}]
            stub.add_response("list_tags_for_resource", {"tags": tags},
                              {"resourceArn": arn + full})
        kept, foreign = owned_repositories(client, config)
    assert len(kept) == 100 and "r100" in kept  # missing: kept, to be reported missing
    assert [(f.name, f.owner) for f in foreign] == [("r007", "x")]
