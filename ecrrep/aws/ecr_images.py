"""Every image of a repository, read once per run: the plan's lifecycle preview, cost
estimate and backfill check all need the source repositories' images, and a plan changing a
lifecycle policy and destinations at once would otherwise list the same repositories three
times.

DescribeImages lists only ACTIVE images unless asked for ANY (botocore's
DescribeImagesFilter.imageStatus;
https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html): the listing here has
archived images too, each with its `imageStatus`; readers that want ACTIVE images only keep
those (`active`). Pages of up to 1,000 images, read with botocore's paginator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws.errors import aws_action, aws_error
from ecrrep.aws.pagination import paginate

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext

ACTIVE = "ACTIVE"


def repository_images(ctx: AwsContext, region: str, repository: str) -> list[dict[str, Any]]:
    """The repository's imageDetails, archived images included; none if it is gone."""
    return ctx.cached(("ecr-images", region, repository),
                      lambda: _describe(ctx, region, repository))


def already_read(ctx: AwsContext, region: str, repository: str) -> list[dict[str, Any]] | None:
    """The images if this run has read them already, else None (without a call)."""
    if not ctx.has_cached(("ecr-images", region, repository)):
        return None
    return repository_images(ctx, region, repository)


def active(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The images in standard storage (an entry without `imageStatus` is one)."""
    return [i for i in images if i.get("imageStatus", ACTIVE) == ACTIVE]


def _describe(ctx: AwsContext, region: str, repository: str) -> list[dict[str, Any]]:
    client = ctx.client("ecr", region)
    with aws_action(f"{repository} ({region})", "DescribeImages"):
        try:
            return paginate(client, "describe_images", "imageDetails", repositoryName=repository,
                            filter={"imageStatus": "ANY"})
        except aws_error("RepositoryNotFoundException"):
            return []
