"""Which of the configured repositories the project owns: the one check that both the deployed
cleanup function and `ecrrep cleanup` make before deleting any image.

A repository is ours when it carries the tag `ecrrep:project=<project>`, read from the
repository itself (ECR ListTagsForResource), never from an index that may lag. A repository
that does not exist is kept in the list: cleaning it reports it missing and deletes nothing.
Standard library only (plus the boto3 client handed in): this file ships in the Lambda zip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ecrrep.cleanup.config import CleanupConfig

OWNERSHIP_TAG = "ecrrep:project"  # ecrrep.naming.OWNERSHIP_TAG, which the zip does not hold


@dataclass(frozen=True)
class ForeignRepository:
    """A configured repository that exists but is not ours: another project's (`owner`) or
    nobody's (`owner` None: no ownership tag)."""

    name: str  # under the prefix
    repository: str  # full name
    owner: str | None

    def message(self, project: str) -> str:
        if self.owner is None:
            whose = f"has no ownership tag {OWNERSHIP_TAG}"
        else:
            whose = f"belongs to project {self.owner} ({OWNERSHIP_TAG}={self.owner})"
        return f"{self.repository} {whose}, not {project}: its images are left alone"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "repository": self.repository, "owner": self.owner}


def owned_repositories(
    ecr: Any, config: CleanupConfig
) -> tuple[dict[str, int | None], list[ForeignRepository]]:
    """The configured repositories (name → retention) this project may clean, and those it
    must leave alone. One paginated DescribeRepositories, then one ListTagsForResource per
    configured repository that exists."""
    arns = repository_arns(ecr, config.repository_prefix)
    kept: dict[str, int | None] = {}
    foreign: list[ForeignRepository] = []
    for name, days in config.repositories.items():
        full = config.repository_name(name)
        arn = arns.get(full)
        owner = repository_owner(ecr, arn) if arn is not None else config.project
        if owner == config.project:
            kept[name] = days
        else:
            foreign.append(ForeignRepository(name, full, owner))
    return kept, foreign


def repository_arns(ecr: Any, prefix: str) -> dict[str, str]:
    """Name → ARN of every repository under `<prefix>/` in the client's region."""
    found: dict[str, str] = {}
    for page in ecr.get_paginator("describe_repositories").paginate():
        for repository in page.get("repositories", []):
            if repository["repositoryName"].startswith(prefix + "/"):
                found[repository["repositoryName"]] = repository["repositoryArn"]
    return found


def repository_owner(ecr: Any, arn: str) -> str | None:
    """The repository's ecrrep:project tag, or None. A repository deleted since the listing
    reads as nobody's: there is nothing to clean in it anyway."""
    try:
        tags = ecr.list_tags_for_resource(resourceArn=arn).get("tags") or []
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") == \
                "RepositoryNotFoundException":
            return None
        raise
    return next((t["Value"] for t in tags if t.get("Key") == OWNERSHIP_TAG), None)
