"""Which images an ECR lifecycle policy would expire, evaluated locally with ECR's semantics.

Pure: a policy document (ECR's JSON form), the repository's images as `describe_images`
gives them, and the time to judge ages against. The emulator has no lifecycle preview, and a
preview that runs before anything is written is what keeps a typo from expiring production
images unseen.

ECR's documented evaluation rules, as implemented here:

- Rules run in `rulePriority` order, lowest number first.
- An image is expired by exactly one rule or none. The first rule whose tag filter selects an
  image claims it, whether that rule expires it or keeps it: no later rule may expire it.
- A later rule still *identifies* images claimed earlier, "as if they haven't been expired",
  so they count towards its `imageCountMoreThan` (ECR's Examples A and B in "Examples of
  lifecycle policies" show this); it just cannot expire them.
- `tagStatus`: `tagged` selects images with at least one tag that pass the tag filter,
  `untagged` images without tags, `any` every image (and must be the last rule).
- `tagPrefixList` / `tagPatternList` are ANDed: for EVERY listed prefix or pattern the image
  must have some tag matching it. A pattern's `*` matches any run of characters, and the
  pattern must match the whole tag.
- `imageCountMoreThan N`: the selected images, newest first by push time, beyond the first N
  are expired. `sinceImagePushed N days`: selected images pushed more than N days before now.

Archive storage (https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive_restore_image.html,
https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html):

- A rule's `storageClass` (`standard` when absent) narrows its selection to images of that
  class: ACTIVE images are standard, ARCHIVED ones archive. An image being restored
  (ACTIVATING) is in neither, so no rule selects it.
- `action: {type: transition, targetStorageClass: archive}` archives the images the rule
  marks instead of expiring them; an image is still acted on by one rule at most.
- `sinceImagePulled N days`: the last recorded pull (`lastRecordedPullTime`) more than N days
  ago; an image never pulled counts from its push. `sinceImageTransitioned N days`: archived
  (`lastArchivedAt`) more than N days ago; an archived image without that time is not marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

COUNT_MORE_THAN = "imageCountMoreThan"
SINCE_PUSHED = "sinceImagePushed"
SINCE_PULLED = "sinceImagePulled"
SINCE_TRANSITIONED = "sinceImageTransitioned"
SUPPORTED_COUNT_TYPES = (COUNT_MORE_THAN, SINCE_PUSHED, SINCE_PULLED, SINCE_TRANSITIONED)
TAG_STATUSES = ("tagged", "untagged", "any")
EXPIRE = "expire"
TRANSITION = "transition"
STANDARD = "standard"
ARCHIVE = "archive"
# ECR's imageStatus → the lifecycle storage class it is in (ACTIVATING: none yet).
_STORAGE_CLASS = {"ACTIVE": STANDARD, "ARCHIVED": ARCHIVE}


class PolicyError(ValueError):
    """A policy this evaluator cannot judge (or ECR would refuse)."""


@dataclass(frozen=True)
class Image:
    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime
    size_bytes: int = 0
    status: str = "ACTIVE"  # ECR's imageStatus: ACTIVE | ARCHIVED | ACTIVATING
    pulled_at: datetime | None = None
    archived_at: datetime | None = None

    @property
    def storage_class(self) -> str | None:
        return _STORAGE_CLASS.get(self.status)


@dataclass(frozen=True)
class Expiry:
    """One image the policy would expire (or archive: `action` transition), and the priority
    of the rule that does it."""

    image: Image
    rule: int
    action: str = EXPIRE

    def to_json(self) -> dict[str, Any]:
        return {
            "digest": self.image.digest,
            "tags": list(self.image.tags),
            "rule": self.rule,
            "pushed_at": self.image.pushed_at.astimezone(UTC).isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class Rule:
    priority: int
    tag_status: str
    prefixes: tuple[str, ...]
    patterns: tuple[str, ...]
    count_type: str
    count_number: int
    action: str = EXPIRE
    storage_class: str = STANDARD


def image_from_description(detail: Mapping[str, Any]) -> Image:
    """An Image from one `describe_images` imageDetails entry."""
    pulled, archived = detail.get("lastRecordedPullTime"), detail.get("lastArchivedAt")
    return Image(
        digest=detail["imageDigest"],
        tags=tuple(detail.get("imageTags") or ()),
        pushed_at=_aware(detail["imagePushedAt"]),
        size_bytes=int(detail.get("imageSizeInBytes") or 0),
        status=detail.get("imageStatus") or "ACTIVE",
        pulled_at=_aware(pulled) if pulled else None,
        archived_at=_aware(archived) if archived else None,
    )


def expired_images(
    policy: Mapping[str, Any], images: Iterable[Mapping[str, Any] | Image], now: datetime
) -> list[Expiry]:
    """The images the policy would expire, oldest first, each with its rule's priority."""
    return [a for a in lifecycle_actions(policy, images, now) if a.action == EXPIRE]


def lifecycle_actions(
    policy: Mapping[str, Any], images: Iterable[Mapping[str, Any] | Image], now: datetime
) -> list[Expiry]:
    """The images the policy would expire or archive, oldest first, each with its action and
    its rule's priority."""
    rules = parse_rules(policy)
    pool = [i if isinstance(i, Image) else image_from_description(i) for i in images]
    now = _aware(now)
    claimed: set[str] = set()
    acted: dict[str, Expiry] = {}
    for rule in rules:
        selected = [image for image in pool if selects(rule, image)]
        for image in marked(rule, selected, now):
            if image.digest not in claimed:
                acted[image.digest] = Expiry(image, rule.priority, rule.action)
        claimed.update(image.digest for image in selected)
    return sorted(acted.values(), key=lambda e: (e.image.pushed_at, e.image.digest))


def parse_rules(policy: Mapping[str, Any]) -> list[Rule]:
    """The policy's rules in evaluation order; PolicyError for what ECR would refuse or what
    this evaluator does not model."""
    raw = policy.get("rules")
    if not isinstance(raw, list):
        raise PolicyError("a lifecycle policy needs a list of rules")
    rules = sorted((_parse_rule(r) for r in raw), key=lambda r: r.priority)
    priorities = [r.priority for r in rules]
    if len(set(priorities)) != len(priorities):
        raise PolicyError("rulePriority values must be unique")
    # Per storage class: a standard rule never sees what an archive rule selects, so ecrrep
    # reads ECR's "any is last" and "one untagged rule" within each class (AWS's pages do not
    # say; the examples pair an `any` transition with an `any` expiry of archived images).
    for storage_class in (STANDARD, ARCHIVE):
        of_class = [r for r in rules if r.storage_class == storage_class]
        for rule in of_class[:-1]:
            if rule.tag_status == "any":
                raise PolicyError(f"rule {rule.priority}: a tagStatus any rule must have the "
                                  "highest rulePriority")
        if sum(r.tag_status == "untagged" for r in of_class) > 1:
            raise PolicyError("only one rule may select untagged images")
    return rules


def _parse_rule(raw: Any) -> Rule:
    if not isinstance(raw, Mapping):
        raise PolicyError("every rule must be a mapping")
    priority = raw.get("rulePriority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise PolicyError("every rule needs an integer rulePriority")
    action = (raw.get("action") or {}).get("type", EXPIRE)
    if action not in (EXPIRE, TRANSITION):
        raise PolicyError(f"rule {priority}: action {action!r} is not previewed "
                          "(only expire and transition)")
    if action == TRANSITION and (raw.get("action") or {}).get("targetStorageClass") != ARCHIVE:
        raise PolicyError(f"rule {priority}: a transition needs targetStorageClass archive")
    selection = raw.get("selection") or {}
    storage_class = selection.get("storageClass", STANDARD)
    if storage_class not in (STANDARD, ARCHIVE):
        raise PolicyError(f"rule {priority}: storageClass must be standard or archive")
    status = selection.get("tagStatus")
    if status not in TAG_STATUSES:
        raise PolicyError(f"rule {priority}: tagStatus must be one of {', '.join(TAG_STATUSES)}")
    prefixes = tuple(selection.get("tagPrefixList") or ())
    patterns = tuple(selection.get("tagPatternList") or ())
    if (prefixes or patterns) and status != "tagged":
        raise PolicyError(f"rule {priority}: tag prefixes and patterns need tagStatus tagged")
    if prefixes and patterns:
        raise PolicyError(f"rule {priority}: use tagPrefixList or tagPatternList, not both")
    count_type = selection.get("countType")
    if count_type not in SUPPORTED_COUNT_TYPES:
        raise PolicyError(f"rule {priority}: countType {count_type!r} is not previewed")
    if count_type != COUNT_MORE_THAN and selection.get("countUnit", "days") != "days":
        raise PolicyError(f"rule {priority}: {count_type} counts in days")
    number = selection.get("countNumber")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise PolicyError(f"rule {priority}: countNumber must be a positive integer")
    return Rule(priority, status, prefixes, patterns, count_type, number, action, storage_class)


def selects(rule: Rule, image: Image) -> bool:
    """Whether the rule's storage class and tag filter pick the image (before any count or
    age)."""
    if image.storage_class != rule.storage_class:
        return False
    if rule.tag_status == "any":
        return True
    if rule.tag_status == "untagged":
        return not image.tags
    if not image.tags:
        return False
    # AND across the list: every prefix (or pattern) needs some tag of the image matching it.
    if rule.prefixes:
        return all(any(t.startswith(p) for t in image.tags) for p in rule.prefixes)
    if rule.patterns:
        return all(any(_pattern(p).fullmatch(t) for t in image.tags) for p in rule.patterns)
    return True


def marked(rule: Rule, selected: list[Image], now: datetime) -> list[Image]:
    """The selected images the rule's count or age condition would expire."""
    if rule.count_type == COUNT_MORE_THAN:
        # Newest first; equal push times fall back to the digest so the answer is stable.
        newest_first = sorted(selected, key=lambda i: (i.pushed_at, i.digest), reverse=True)
        return newest_first[rule.count_number:]
    cutoff = now - timedelta(days=rule.count_number)
    return [image for image in selected
            if (moment := _counted_from(rule, image)) is not None and moment < cutoff]


def _counted_from(rule: Rule, image: Image) -> datetime | None:
    """When an age rule's days start for the image (None: never marked by it)."""
    if rule.count_type == SINCE_PULLED:
        return image.pulled_at or image.pushed_at
    if rule.count_type == SINCE_TRANSITIONED:
        return image.archived_at
    return image.pushed_at


@lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def and_rules(policy: Mapping[str, Any]) -> list[tuple[int, list[str]]]:
    """(priority, items) of each rule listing several tag prefixes or patterns: ECR ANDs
    them, which is almost never what was meant."""
    out = []
    for raw in policy.get("rules") or []:
        selection = (raw.get("selection") or {}) if isinstance(raw, Mapping) else {}
        for key in ("tagPrefixList", "tagPatternList"):
            items = selection.get(key) or []
            if len(items) > 1:
                out.append((raw.get("rulePriority"), list(items)))
    return sorted(out, key=lambda item: (item[0] is None, item[0] or 0))


def _aware(moment: datetime) -> datetime:
    """boto3 gives aware datetimes; a naive one is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
