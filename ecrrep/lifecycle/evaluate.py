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
SUPPORTED_COUNT_TYPES = (COUNT_MORE_THAN, SINCE_PUSHED)
TAG_STATUSES = ("tagged", "untagged", "any")


class PolicyError(ValueError):
    """A policy this evaluator cannot judge (or ECR would refuse)."""


@dataclass(frozen=True)
class Image:
    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime
    size_bytes: int = 0


@dataclass(frozen=True)
class Expiry:
    """One image the policy would expire, and the priority of the rule that expires it."""

    image: Image
    rule: int

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


def image_from_description(detail: Mapping[str, Any]) -> Image:
    """An Image from one `describe_images` imageDetails entry."""
    return Image(
        digest=detail["imageDigest"],
        tags=tuple(detail.get("imageTags") or ()),
        pushed_at=_aware(detail["imagePushedAt"]),
        size_bytes=int(detail.get("imageSizeInBytes") or 0),
    )


def expired_images(
    policy: Mapping[str, Any], images: Iterable[Mapping[str, Any] | Image], now: datetime
) -> list[Expiry]:
    """The images the policy would expire, oldest first, each with its rule's priority."""
    rules = parse_rules(policy)
    pool = [i if isinstance(i, Image) else image_from_description(i) for i in images]
    now = _aware(now)
    claimed: set[str] = set()
    expired: dict[str, Expiry] = {}
    for rule in rules:
        selected = [image for image in pool if selects(rule, image)]
        for image in marked(rule, selected, now):
            if image.digest not in claimed:
                expired[image.digest] = Expiry(image, rule.priority)
        claimed.update(image.digest for image in selected)
    return sorted(expired.values(), key=lambda e: (e.image.pushed_at, e.image.digest))


def parse_rules(policy: Mapping[str, Any]) -> list[Rule]:
    """The policy's rules in evaluation order; PolicyError for what ECR would refuse or what
    this evaluator does not model (archive transitions, pull-time counts)."""
    raw = policy.get("rules")
    if not isinstance(raw, list):
        raise PolicyError("a lifecycle policy needs a list of rules")
    rules = sorted((_parse_rule(r) for r in raw), key=lambda r: r.priority)
    priorities = [r.priority for r in rules]
    if len(set(priorities)) != len(priorities):
        raise PolicyError("rulePriority values must be unique")
    for rule in rules[:-1]:
        if rule.tag_status == "any":
            raise PolicyError(
                f"rule {rule.priority}: a tagStatus any rule must have the highest rulePriority"
            )
    if sum(r.tag_status == "untagged" for r in rules) > 1:
        raise PolicyError("only one rule may select untagged images")
    return rules


def _parse_rule(raw: Any) -> Rule:
    if not isinstance(raw, Mapping):
        raise PolicyError("every rule must be a mapping")
    priority = raw.get("rulePriority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise PolicyError("every rule needs an integer rulePriority")
    action = (raw.get("action") or {}).get("type", "expire")
    if action != "expire":
        raise PolicyError(f"rule {priority}: action {action!r} is not previewed (only expire)")
    selection = raw.get("selection") or {}
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
    if count_type == SINCE_PUSHED and selection.get("countUnit", "days") != "days":
        raise PolicyError(f"rule {priority}: sinceImagePushed counts in days")
    number = selection.get("countNumber")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise PolicyError(f"rule {priority}: countNumber must be a positive integer")
    return Rule(priority, status, prefixes, patterns, count_type, number)


def selects(rule: Rule, image: Image) -> bool:
    """Whether the rule's tag filter picks the image (before any count or age)."""
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
    return [image for image in selected if image.pushed_at < cutoff]


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
