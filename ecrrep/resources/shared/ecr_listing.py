"""Shared ECR reads: one paginated listing per region, tags for the repositories that may be
ours, cached for the run so every ECR kind reads them once.

The repositories that may be ours are those under the spec's prefix or under any prefix this
project claims (a renamed one), in the spec's regions and in every region we claim (a dropped
one), plus those the tagging API lists as ours elsewhere (`ecrrep.engine.discovery`), each confirmed
by its own tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, paginate
from ecrrep.aws.tagging import is_owned, project_of, tags_to_dict
from ecrrep.engine import claims, discovery

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


@dataclass(frozen=True)
class RepositoryRecord:
    """A repository as describe_repositories and list_tags_for_resource give it."""

    region: str
    name: str
    arn: str
    description: dict[str, Any]
    tags: dict[str, str]

    def owned_by(self, project: str) -> bool:
        return is_owned(self.tags, project)

    @property
    def owner(self) -> str | None:
        return project_of(self.tags)


def repositories_under_prefix(
    ctx: AwsContext, spec: Spec, region: str
) -> dict[str, RepositoryRecord]:
    """Every repository named `<prefix>/...` in the region, with its tags, by name."""
    return {name: record for name, record in repositories_we_may_own(ctx, spec, region).items()
            if name.startswith(spec.repository_prefix + "/")}


def repositories_we_may_own(
    ctx: AwsContext, spec: Spec, region: str
) -> dict[str, RepositoryRecord]:
    """Repositories under the spec's or a claimed prefix, and those the tagging API lists as
    ours, with their own tags (whoever they belong to), by name."""
    return ctx.cached(_key(region), lambda: _read(ctx, spec, region))


def read_repositories_everywhere(ctx: AwsContext, spec: Spec) -> None:
    """Read the listing of every managed region at once, so that the kinds find it cached.

    The claims come first (they name the regions and prefixes); then one paginated
    describe_repositories and one tagging API query per region, all regions together; then
    the tags of every repository found, in one parallel sweep over all regions (region after
    region, the pool would idle at the end of each)."""
    regions = [r for r in claims.managed_regions(ctx, spec) if not ctx.has_cached(_key(r))]
    candidates = ctx.map(lambda region: _candidates(ctx, spec, region), regions)
    found = ctx.map(lambda pair: _record(ctx, *pair),
                    [(region, d) for region, ds in zip(regions, candidates, strict=True)
                     for d in ds])
    for region in regions:
        records = {r.name: r for r in found if r.region == region and _kept(ctx, spec, r)}
        ctx.cached(_key(region), lambda records=records: records)


def forget_repositories(ctx: AwsContext, region: str) -> None:
    ctx.forget(_key(region))
    ctx.forget(("ecr-described", region))


def _key(region: str) -> tuple[str, str]:
    return ("ecr-repositories", region)


def _read(ctx: AwsContext, spec: Spec, region: str) -> dict[str, RepositoryRecord]:
    records = ctx.map(lambda d: _record(ctx, region, d), _candidates(ctx, spec, region))
    return {r.name: r for r in records if _kept(ctx, spec, r)}


def _our_prefixes(ctx: AwsContext, spec: Spec) -> tuple[str, ...]:
    return tuple(p + "/" for p in claims.claimed_prefixes(ctx, spec))


def _candidates(ctx: AwsContext, spec: Spec, region: str) -> list[dict[str, Any]]:
    prefixes = _our_prefixes(ctx, spec)
    tagged = discovery.discovered_repository_names(ctx, spec, region)
    return [d for d in _described(ctx, region)
            if d["repositoryName"].startswith(prefixes) or d["repositoryName"] in tagged]


def _kept(ctx: AwsContext, spec: Spec, record: RepositoryRecord) -> bool:
    """Under a prefix of ours, any repository counts (it may be a conflict, or show an
    overlapping project); one the tagging API alone found counts only if its own tags say
    it is ours (the index may be stale)."""
    return record.name.startswith(_our_prefixes(ctx, spec)) or record.owned_by(spec.project)


def _described(ctx: AwsContext, region: str) -> list[dict[str, Any]]:
    return ctx.cached(("ecr-described", region), lambda: describe_all(ctx, region))


def describe_all(ctx: AwsContext, region: str) -> list[dict[str, Any]]:
    client = ctx.client("ecr", region)
    with aws_action(f"repositories in {region}", "DescribeRepositories"):
        return paginate(client, "describe_repositories", "repositories")


def records_under_prefix(ctx: AwsContext, prefix: str, region: str,
                         ) -> dict[str, RepositoryRecord]:
    """Every repository named `<prefix>/...` in the region, with its tags, by name, whatever
    the claims say: import reads a registry that no spec (and no project) describes yet."""
    described = [d for d in _described(ctx, region) if d["repositoryName"].startswith(prefix + "/")]
    return {r.name: r for r in ctx.map(lambda d: _record(ctx, region, d), described)}


def describe_under_prefix(ctx: AwsContext, prefix: str, region: str) -> list[dict[str, Any]]:
    """The region's repositories under the prefix, read afresh (validate-replication polls)."""
    return [d for d in describe_all(ctx, region)
            if d["repositoryName"].startswith(prefix + "/")]


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
    """How many images (distinct digests) a repository holds, archived ones included: ListImages
    lists only ACTIVE images unless asked for ANY (botocore's ListImagesFilter.imageStatus;
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html), and a
    repository holding only archived images is not empty: deleting it loses them."""
    client = ctx.client("ecr", region)
    with aws_action(f"{repository} ({region})", "ListImages"):
        ids = paginate(client, "list_images", "imageIds", repositoryName=repository,
                       filter={"imageStatus": "ANY"})
    return len({i.get("imageDigest") for i in ids})
