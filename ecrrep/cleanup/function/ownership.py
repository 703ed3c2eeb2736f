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

from ecrrep.cleanup.function.config import CleanupConfig

OWNERSHIP_TAG = "ecrrep:project"  # ecrrep.spec.naming.OWNERSHIP_TAG, which the zip does not hold
MAX_DESCRIBE_BATCH = 100  # DescribeRepositories takes at most 100 repositoryNames


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
    must leave alone. DescribeRepositories by name (100 a call), then one ListTagsForResource
    per configured repository that exists."""
    arns = repository_arns(ecr, [config.repository_name(n) for n in config.repositories])
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


def repository_arns(ecr: Any, names: list[str]) -> dict[str, str]:
    """Name → ARN of those of `names` that exist. By name, not by listing the registry: the
    function's role may describe only the repositories under the prefix, and IAM authorizes
    DescribeRepositories on each repository named
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html).
    A batch naming a missing repository fails whole, so it is asked again name by name."""
    found: dict[str, str] = {}
    for start in range(0, len(names), MAX_DESCRIBE_BATCH):
        batch = names[start:start + MAX_DESCRIBE_BATCH]
        try:
            described = _describe(ecr, batch)
        except Exception as exc:
            if _code(exc) != "RepositoryNotFoundException":
                raise
            described = [d for name in batch for d in _describe_if_exists(ecr, name)]
        found.update({d["repositoryName"]: d["repositoryArn"] for d in described})
    return found


def _describe(ecr: Any, names: list[str]) -> list[dict[str, Any]]:
    return ecr.describe_repositories(repositoryNames=names).get("repositories", [])


def _describe_if_exists(ecr: Any, name: str) -> list[dict[str, Any]]:
    try:
        return _describe(ecr, [name])
    except Exception as exc:
        if _code(exc) == "RepositoryNotFoundException":
            return []
        raise


def _code(exc: BaseException) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def repository_owner(ecr: Any, arn: str) -> str | None:
    """The repository's ecrrep:project tag, or None. A repository deleted since the listing
    reads as nobody's: there is nothing to clean in it anyway."""
    try:
        tags = ecr.list_tags_for_resource(resourceArn=arn).get("tags") or []
    except Exception as exc:
        if _code(exc) == "RepositoryNotFoundException":
            return None
        raise
    return next((t["Value"] for t in tags if t.get("Key") == OWNERSHIP_TAG), None)
