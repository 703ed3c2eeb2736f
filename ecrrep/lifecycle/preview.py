"""Lifecycle preview: what a created or changed lifecycle policy would expire right now.

A step after the plan is made (the lifecycle policy kind's `annotate`): for each lifecycle
policy the plan creates or updates, read the repository's images (and only those
repositories: an unchanged plan makes no extra call) and attach the evaluator's answer to the
change, as a note and as `facts["would_expire"]` (and `facts["would_archive"]` when the policy
has transition rules).

DescribeImages lists only ACTIVE images unless its filter asks for others (botocore's ECR
model, DescribeImagesFilter.imageStatus; https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeImagesFilter.html):
the preview asks for ANY, so rules selecting `storageClass: archive` see the archived ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ecrrep.aws.ecr_images import repository_images
from ecrrep.lifecycle.evaluate import EXPIRE, TRANSITION, PolicyError, and_rules, lifecycle_actions

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
    images = ctx.map(lambda c: repository_images(ctx, c.region, c.name), changes)
    for change, current in zip(changes, images, strict=True):
        preview(change, current, now)


def preview(change: Change, images: list[dict[str, Any]], now: datetime) -> None:
    """Attach to the change what its policy would expire among `images`."""
    policy = (change.after or {}).get("policy") or {}
    for priority, items in and_rules(policy):
        change.notes.append(
            f"rule {priority} selects only images with a tag matching each of "
            f"{', '.join(items)} (AND, not OR)"
        )
    try:
        actions = lifecycle_actions(policy, images, now)
    except PolicyError as exc:
        change.notes.append(f"lifecycle preview unavailable: {exc}")
        return
    expiring = [a for a in actions if a.action == EXPIRE]
    archiving = [a for a in actions if a.action == TRANSITION]
    transitions = _has_transitions(policy)
    change.notes.append(expiry_note(len(expiring), len(images),
                                    len(archiving) if transitions else None))
    change.facts["current_images"] = len(images)
    change.facts["would_expire"] = [e.to_json() for e in expiring]
    if transitions:
        change.facts["would_archive"] = [a.to_json() for a in archiving]


def _has_transitions(policy: dict[str, Any]) -> bool:
    return any(isinstance(r, dict) and (r.get("action") or {}).get("type") == TRANSITION
               for r in policy.get("rules") or [])


def expiry_note(expiring: int, total: int, archiving: int | None = None) -> str:
    """"would expire M of T current images"; with transition rules (archiving not None)
    "would archive N, expire M of T current images"."""
    noun = "image" if total == 1 else "images"
    if archiving is None:
        return f"would expire {expiring} of {total} current {noun}"
    return f"would archive {archiving}, expire {expiring} of {total} current {noun}"
