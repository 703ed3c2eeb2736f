"""Shared ECR reads: one paginated listing per region, tags for the repositories under the
prefix, cached for the run so every ECR kind reads them once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, paginate
from ecrrep.naming import OWNERSHIP_TAG

if TYPE_CHECKING:
    from ecrrep.aws import AwsContext
    from ecrrep.spec import Spec


@dataclass(frozen=True)
class RepositoryRecord:
    """A repository as describe_repositories and list_tags_for_resource give it."""

    region: str
    name: str
    arn: str
    description: dict[str, Any]
    tags: dict[str, str]

    def owned_by(self, project: str) -> bool:
        return self.tags.get(OWNERSHIP_TAG) == project


def tags_to_dict(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def dict_to_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def repositories_under_prefix(
    ctx: AwsContext, spec: Spec, region: str
) -> dict[str, RepositoryRecord]:
    """Every repository named `<prefix>/...` in the region, with its tags, by name."""
    return ctx.cached(("ecr-repositories", region), lambda: _read(ctx, spec, region))


def forget_repositories(ctx: AwsContext, region: str) -> None:
    ctx.forget(("ecr-repositories", region))


def _read(ctx: AwsContext, spec: Spec, region: str) -> dict[str, RepositoryRecord]:
    client = ctx.client("ecr", region)
    with aws_action(f"repositories in {region}", "DescribeRepositories"):
        described = paginate(client, "describe_repositories", "repositories")
    ours = [d for d in described if d["repositoryName"].startswith(spec.repository_prefix + "/")]

    def with_tags(description: dict[str, Any]) -> RepositoryRecord:
        name = description["repositoryName"]
        with aws_action(f"{name} ({region})", "ListTagsForResource"):
            tags = client.list_tags_for_resource(resourceArn=description["repositoryArn"])
        return RepositoryRecord(
            region, name, description["repositoryArn"], description,
            tags_to_dict(tags.get("tags")),
        )

    return {r.name: r for r in ctx.map(with_tags, ours)}


def count_images(ctx: AwsContext, region: str, repository: str) -> int:
    """How many images (distinct digests) a repository holds."""
    client = ctx.client("ecr", region)
    with aws_action(f"{repository} ({region})", "ListImages"):
        ids = paginate(client, "list_images", "imageIds", repositoryName=repository)
    return len({i.get("imageDigest") for i in ids})
