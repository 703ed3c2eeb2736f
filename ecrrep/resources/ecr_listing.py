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
    return ctx.cached(_key(region), lambda: _read(ctx, spec, region))


def read_repositories_everywhere(ctx: AwsContext, spec: Spec) -> None:
    """Read the listing of every region of the spec at once, so that the kinds find it cached.

    One paginated describe_repositories per region, all regions together, then the tags of
    every repository found, in one parallel sweep over all regions (region after region, the
    pool would idle at the end of each)."""
    regions = [region for region in spec.regions if not ctx.has_cached(_key(region))]
    described = ctx.map(
        lambda region: describe_under_prefix(ctx, spec.repository_prefix, region), regions)
    found = ctx.map(lambda pair: _record(ctx, *pair),
                    [(region, d) for region, ds in zip(regions, described, strict=True)
                     for d in ds])
    for region in regions:
        records = {r.name: r for r in found if r.region == region}
        ctx.cached(_key(region), lambda records=records: records)


def forget_repositories(ctx: AwsContext, region: str) -> None:
    ctx.forget(_key(region))


def _key(region: str) -> tuple[str, str]:
    return ("ecr-repositories", region)


def _read(ctx: AwsContext, spec: Spec, region: str) -> dict[str, RepositoryRecord]:
    described = describe_under_prefix(ctx, spec.repository_prefix, region)
    return {r.name: r for r in ctx.map(lambda d: _record(ctx, region, d), described)}


def describe_under_prefix(ctx: AwsContext, prefix: str, region: str) -> list[dict[str, Any]]:
    """The region's repositories under the prefix, from one paginated listing."""
    client = ctx.client("ecr", region)
    with aws_action(f"repositories in {region}", "DescribeRepositories"):
        described = paginate(client, "describe_repositories", "repositories")
    return [d for d in described if d["repositoryName"].startswith(prefix + "/")]


def _record(ctx: AwsContext, region: str, description: dict[str, Any]) -> RepositoryRecord:
    """A described repository with its tags (describe_repositories does not give them)."""
    name = description["repositoryName"]
    with aws_action(f"{name} ({region})", "ListTagsForResource"):
        tags = ctx.client("ecr", region).list_tags_for_resource(
            resourceArn=description["repositoryArn"])
    return RepositoryRecord(
        region, name, description["repositoryArn"], description, tags_to_dict(tags.get("tags"))
    )


def count_images(ctx: AwsContext, region: str, repository: str) -> int:
    """How many images (distinct digests) a repository holds."""
    client = ctx.client("ecr", region)
    with aws_action(f"{repository} ({region})", "ListImages"):
        ids = paginate(client, "list_images", "imageIds", repositoryName=repository)
    return len({i.get("imageDigest") for i in ids})
