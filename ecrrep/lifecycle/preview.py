"""Lifecycle preview: what a created or changed lifecycle policy would expire right now.

A step after the plan is made (the lifecycle policy kind's `annotate`): for each lifecycle
policy the plan creates or updates, read the repository's images (and only those
repositories: an unchanged plan makes no extra call) and attach the evaluator's answer to the
change, as a note and as `facts["would_expire"]`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error, paginate
from ecrrep.lifecycle.evaluate import PolicyError, and_rules, expired_images

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.engine.plan import Change, Plan



def changes_to_preview(plan: Plan, policy_type: str, repository_type: str) -> list[Change]:
    """Lifecycle policies (changes of `policy_type`) the plan writes into repositories
    (of `repository_type`) that already exist."""
    created_repositories = {
        (c.region, c.name) for c in plan.changes
        if c.type == repository_type and c.action == "create"
    }
    return [
        c for c in plan.changes
        if c.type == policy_type and c.action in ("create", "update") and not c.blocked
        and (c.region, c.name) not in created_repositories
    ]


def annotate_previews(ctx: AwsContext, changes: list[Change],
                      now: datetime | None = None) -> None:
    """Add the preview to each of these lifecycle changes (in place)."""
    if not changes:
        return
    now = now or datetime.now(UTC)
    images = ctx.map(lambda c: read_images(ctx, c.region, c.name), changes)
    for change, current in zip(changes, images, strict=True):
        preview(change, current, now)


def read_images(ctx: AwsContext, region: str, repository: str) -> list[dict[str, Any]]:
    """Every image of the repository (describe_images, paginated); none if it is gone."""
    client = ctx.client("ecr", region)
    with aws_action(f"{repository} ({region})", "DescribeImages"):
        try:
            return paginate(client, "describe_images", "imageDetails", repositoryName=repository)
        except aws_error("RepositoryNotFoundException"):
            return []


def preview(change: Change, images: list[dict[str, Any]], now: datetime) -> None:
    """Attach to the change what its policy would expire among `images`."""
    policy = (change.after or {}).get("policy") or {}
    for priority, items in and_rules(policy):
        change.notes.append(
            f"rule {priority} selects only images with a tag matching each of "
            f"{', '.join(items)} (AND, not OR)"
        )
    try:
        expiring = expired_images(policy, images, now)
    except PolicyError as exc:
        change.notes.append(f"lifecycle preview unavailable: {exc}")
        return
    change.notes.append(expiry_note(len(expiring), len(images)))
    change.facts["current_images"] = len(images)
    change.facts["would_expire"] = [e.to_json() for e in expiring]


def expiry_note(expiring: int, total: int) -> str:
    noun = "image" if total == 1 else "images"
    return f"would expire {expiring} of {total} current {noun}"
