"""The lifecycle evaluator with ECR's archive storage class: transitions, storageClass
selection, sinceImagePulled and sinceImageTransitioned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecrrep.lifecycle.evaluate import PolicyError, expired_images, lifecycle_actions

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def image(name: str, days: float, status: str = "ACTIVE", pulled: float | None = None,
          archived: float | None = None, tags: list[str] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"imageDigest": f"sha256:{name}", "imageStatus": status,
                             "imagePushedAt": NOW - timedelta(days=days)}
    if pulled is not None:
        entry["lastRecordedPullTime"] = NOW - timedelta(days=pulled)
    if archived is not None:
        entry["lastArchivedAt"] = NOW - timedelta(days=archived)
    if tags:
        entry["imageTags"] = tags
    return entry


def rule(priority: int, count_type: str, number: int, action: str = "transition",
         storage_class: str | None = None, status: str = "any") -> dict[str, Any]:
    selection: dict[str, Any] = {"tagStatus": status, "countType": count_type,
                                 "countNumber": number}
    if count_type != "imageCountMoreThan":
        selection["countUnit"] = "days"
    if storage_class:
        selection["storageClass"] = storage_class
    act = {"type": action, **({"targetStorageClass": "archive"} if action == "transition"
                              else {})}
    return {"rulePriority": priority, "selection": selection, "action": act}


def acted(rules: list[dict[str, Any]], images: list[dict[str, Any]]) -> dict[str, str]:
    return {a.image.digest.removeprefix("sha256:"): a.action
            for a in lifecycle_actions({"rules": rules}, images, NOW)}


def test_a_transition_archives_old_standard_images_and_expires_none() -> None:
    images = [image("old", 40), image("new", 5)]
    policy = {"rules": [rule(1, "sinceImagePushed", 30)]}
    assert acted(policy["rules"], images) == {"old": "transition"}
    assert expired_images(policy, images, NOW) == []


def test_an_archived_image_is_not_selected_by_a_standard_rule() -> None:
    images = [image("archived", 400, "ARCHIVED", archived=10), image("active", 400)]
    assert acted([rule(1, "sinceImagePushed", 30, action="expire")], images) == {
        "active": "expire"}


def test_an_archive_rule_expires_only_images_archived_long_enough() -> None:
    images = [image("long", 400, "ARCHIVED", archived=100),
              image("recent", 400, "ARCHIVED", archived=30), image("active", 400)]
    rules = [rule(1, "sinceImageTransitioned", 90, action="expire", storage_class="archive")]
    assert acted(rules, images) == {"long": "expire"}


def test_an_image_being_restored_is_in_no_storage_class() -> None:
    images = [image("restoring", 400, "ACTIVATING", archived=200)]
    rules = [rule(1, "sinceImagePushed", 30),
             rule(2, "sinceImageTransitioned", 90, action="expire", storage_class="archive")]
    assert acted(rules, images) == {}


def test_since_pulled_counts_from_the_last_pull_else_the_push() -> None:
    images = [image("pulled-lately", 100, pulled=2), image("pulled-long-ago", 100, pulled=60),
              image("never-pulled", 100), image("new", 3)]
    assert acted([rule(1, "sinceImagePulled", 30)], images) == {
        "pulled-long-ago": "transition", "never-pulled": "transition"}


def test_archive_then_expire_with_any_in_each_storage_class() -> None:
    images = [image("a", 40), image("b", 400, "ARCHIVED", archived=120)]
    rules = [rule(1, "sinceImagePushed", 30),
             rule(2, "sinceImageTransitioned", 90, action="expire", storage_class="archive")]
    assert acted(rules, images) == {"a": "transition", "b": "expire"}


def test_keep_active_counts_only_standard_images() -> None:
    images = [image(f"i{n}", n) for n in range(1, 5)] + [image("z", 0, "ARCHIVED", archived=1)]
    assert acted([rule(1, "imageCountMoreThan", 2)], images) == {
        "i3": "transition", "i4": "transition"}


@pytest.mark.parametrize(("action", "message"), [
    ({"type": "transition"}, "rule 1: a transition needs targetStorageClass archive"),
    ({"type": "transition", "targetStorageClass": "standard"},
     "rule 1: a transition needs targetStorageClass archive"),
])
def test_a_transition_must_name_the_archive(action: dict[str, Any], message: str) -> None:
    bad = {**rule(1, "sinceImagePushed", 30), "action": action}
    with pytest.raises(PolicyError, match=message):
        lifecycle_actions({"rules": [bad]}, [], NOW)


# -- the plan's preview note -------------------------------------------------------------------


def _change(policy: dict[str, Any]) -> Any:
    from ecrrep.engine.plan import Change

    return Change(type="lifecycle_policy", region="us-east-1", name="r", action="update",
                  before=None, after={"policy": policy})


def test_the_preview_says_what_it_would_archive_and_expire() -> None:
    from ecrrep.lifecycle.preview import preview

    rules = [rule(1, "sinceImagePushed", 30),
             rule(2, "sinceImageTransitioned", 90, action="expire", storage_class="archive")]
    change = _change({"rules": rules})
    preview(change, [image("a", 40), image("b", 400, "ARCHIVED", archived=120),
                     image("c", 1)], NOW)
    assert change.notes == ["would archive 1, expire 1 of 3 current images"]
    assert [e["digest"] for e in change.facts["would_archive"]] == ["sha256:a"]
    assert [e["digest"] for e in change.facts["would_expire"]] == ["sha256:b"]


def test_a_policy_without_transitions_keeps_the_expiry_note() -> None:
    from ecrrep.lifecycle.preview import preview

    change = _change({"rules": [rule(1, "sinceImagePushed", 30, action="expire")]})
    preview(change, [image("a", 40)], NOW)
    assert change.notes == ["would expire 1 of 1 current image"]
    assert "would_archive" not in change.facts


def test_verbose_lists_what_would_be_archived_marked_so() -> None:
    from ecrrep.lifecycle.preview import preview
    from ecrrep.render.images import expiring_image_lines

    change = _change({"rules": [rule(1, "sinceImagePushed", 30)]})
    preview(change, [image("abcdef0123456789", 40, tags=["v1"])], NOW)
    lines = [line.plain for line in expiring_image_lines(change)]
    assert lines == ["  archive sha256:abcdef012345  v1  pushed 2025-04-22  rule 1"]
