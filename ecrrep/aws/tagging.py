"""Tags and the ownership tag, for every kind that can carry one.

What the ownership states mean (ours / unowned / another project's) is decided in
`ecrrep.engine.ownership`; this module only reads and writes the tags that decide it.

Spellings: ECR, IAM, SNS, CloudWatch, EventBridge, SSM and the tagging API take and give tags
as a list of `{"Key": ..., "Value": ...}` (`dict_to_tags`, `tags_to_dict`); Lambda takes and
gives a plain mapping. Everything else here works on plain mappings, and each kind hands
`sync_tags` its own API's tag and untag calls (as Cloud Custodian's `Tag` action lets each
resource type override `process_resource_set`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws import AwsError
    from ecrrep.spec.models import Spec

OWNERSHIP_TAG = naming.OWNERSHIP_TAG
# AWS-reserved tags (`aws:cloudformation:stack-name`, ...) are never ours to remove.
RESERVED_PREFIX = "aws:"


def tags_to_dict(tags: Iterable[Mapping[str, str]] | None) -> dict[str, str]:
    """`[{"Key": k, "Value": v}, ...]` (or None) as `{k: v}`."""
    return {t["Key"]: t["Value"] for t in tags or []}


def dict_to_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """`{k: v}` as `[{"Key": k, "Value": v}, ...]`, sorted by key."""
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def desired_tags(spec: Spec) -> dict[str, str]:
    """The tags every taggable resource of the spec carries: its environment, its tags and
    the ownership tag."""
    return naming.ownership_tags(spec.project, {"Environment": spec.environment, **spec.tags})


def project_of(tags: Mapping[str, str] | None) -> str | None:
    """The project the ownership tag names, or None."""
    return (tags or {}).get(OWNERSHIP_TAG)


def is_owned(tags: Mapping[str, str] | None, project: str) -> bool:
    """Whether the tags carry the ownership tag of `project`."""
    return project_of(tags) == project


def ownership_filter(project: str) -> list[dict[str, Any]]:
    """The tagging API's `TagFilters` for what carries `project`'s ownership tag."""
    return [{"Key": OWNERSHIP_TAG, "Values": [project]}]


def tag_changes(before: Mapping[str, str], after: Mapping[str, str],
                ) -> tuple[dict[str, str], list[str]]:
    """Tags to set and tag keys to remove. AWS-reserved `aws:` tags are never ours to remove."""
    to_set = {k: v for k, v in after.items() if before.get(k) != v}
    to_remove = sorted(k for k in before if k not in after and not k.startswith(RESERVED_PREFIX))
    return to_set, to_remove


def sync_tags(before: Mapping[str, str] | None, after: Mapping[str, str], *,
              tag: Callable[[dict[str, str]], Any],
              untag: Callable[[list[str]], Any]) -> None:
    """Take a resource's tags from `before` to `after`, with the kind's own calls: `tag`
    with the tags to set (as a mapping), `untag` with the keys to remove. Nothing to do, no
    call."""
    to_set, to_remove = tag_changes(before or {}, after)
    if to_set:
        tag(to_set)
    if to_remove:
        untag(to_remove)


def claim_if_ours(found: Mapping[str, str], wanted: Mapping[str, str],
                  refusal: BaseException) -> dict[str, str]:
    """A create met a resource of its name: a retried create whose first attempt landed, or
    someone else's. Ours when `found` (its tags) carries the ownership tag `wanted` (the tags
    the create gives) does: then its tags, to converge from; else `refusal` is raised."""
    if project_of(found) != project_of(wanted):
        raise refusal
    return dict(found)


def appeared_unowned(action: str, resource: str, noun: str) -> AwsError:
    """The refusal when a same-named resource appeared since the plan, not ours."""
    from ecrrep.aws.context import AwsError  # not at import: the planner's pure parts need none

    return AwsError(action, resource, "AlreadyExists",
                    f"{noun} of this name appeared since the plan was made, without our "
                    "ownership tag; left untouched")
