"""Replication rules set and replicas read with plain boto3, for the sandbox's replication
tests."""

from __future__ import annotations

from typing import Any

from ecrrep.sandbox.settings import DEFAULTS
from tests.support.account import ACCOUNT_ID

SOURCE = "us-east-1"
# The sandbox fixture's delay between a push and its replicas.
DELAY = DEFAULTS.replication_delay_seconds


def rule(prefix: str, *regions: str) -> dict[str, Any]:
    return {"destinations": [{"region": r, "registryId": ACCOUNT_ID} for r in regions],
            "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}


def configure_rules(sandbox: Any, *rules: dict[str, Any]) -> None:
    sandbox.client("ecr", SOURCE).put_replication_configuration(
        replicationConfiguration={"rules": list(rules)})


def repository_names(sandbox: Any, region: str) -> list[str]:
    answer = sandbox.client("ecr", region).describe_repositories()
    return sorted(r["repositoryName"] for r in answer["repositories"])


def images(sandbox: Any, region: str, repository: str) -> dict[str, list[str]]:
    details = sandbox.client("ecr", region).describe_images(repositoryName=repository)
    return {d["imageDigest"]: sorted(d.get("imageTags", [])) for d in details["imageDetails"]}


def statuses(sandbox: Any, repository: str, digest: str) -> dict[str, str]:
    answer = sandbox.client("ecr", SOURCE).describe_image_replication_status(
        repositoryName=repository, imageId={"imageDigest": digest})
    return {s["region"]: s["status"] for s in answer["replicationStatuses"]}
