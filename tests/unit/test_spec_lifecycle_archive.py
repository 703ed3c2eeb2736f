"""Archive storage in the spec: the friendly archive rules, what they become in ECR's policy,
and the raw policy's transition rules, storageClass selection and day counts, each bad one
with its exact message."""

from __future__ import annotations

import pytest

from ecrrep.spec.documents import lifecycle_policy_document
from tests.support.spec_texts import BASE, errors, load

LINE = 8  # the line of `lifecycle:` / `lifecycle_policy:` appended to BASE


def friendly(*rules: str) -> str:
    return BASE + f"    lifecycle: [{', '.join(rules)}]\n"


def raw(selection: str, action: str) -> str:
    return BASE + (f"    lifecycle_policy: {{rules: [{{rulePriority: 1, "
                   f"selection: {{{selection}}}, action: {action}}}]}}\n")


def policy_of(text: str) -> dict:
    return lifecycle_policy_document(load(text).spec.repositories[0])


def test_friendly_archive_rules_become_transitions_and_an_archive_expiry() -> None:
    policy = policy_of(friendly("{select: untagged, archive_after_days: 14}",
                                "{select: any, archive_unpulled_days: 60}",
                                "{select: any, expire_archived_after_days: 365}"))
    assert policy["rules"] == [
        {"rulePriority": 1, "description": "Archive untagged images after 14 days",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                       "countUnit": "days", "countNumber": 14},
         "action": {"type": "transition", "targetStorageClass": "archive"}},
        {"rulePriority": 2, "description": "Archive all images not pulled for 60 days",
         "selection": {"tagStatus": "any", "countType": "sinceImagePulled",
                       "countUnit": "days", "countNumber": 60},
         "action": {"type": "transition", "targetStorageClass": "archive"}},
        {"rulePriority": 3, "description": "Expire archived all images 365 days after archiving",
         "selection": {"tagStatus": "any", "countType": "sinceImageTransitioned",
                       "countUnit": "days", "countNumber": 365, "storageClass": "archive"},
         "action": {"type": "expire"}},
    ]


def test_an_archived_image_expiry_needs_90_days() -> None:
    assert errors(friendly("{select: any, expire_archived_after_days: 30}")) == [
        (LINE, "repositories[0].lifecycle[0].expire_archived_after_days",
         "must be at least 90: ECR keeps an archived image at least 90 days (got 30)")]


def test_a_rule_takes_one_count_setting() -> None:
    assert errors(friendly("{select: any, keep_last: 3, archive_after_days: 30}")) == [
        (LINE, "repositories[0].lifecycle[0].archive_after_days",
         "use keep_last or archive_after_days, not both")]


def test_any_is_last_among_the_standard_rules_not_before_an_archive_rule() -> None:
    assert load(friendly("{select: any, archive_after_days: 30}",
                         "{select: any, expire_archived_after_days: 90}"))
    assert errors(friendly("{select: any, archive_after_days: 30}",
                           "{select: untagged, expire_after_days: 3}")) == [
        (LINE, "repositories[0].lifecycle[0].select",
         "any must be the last rule (so only one rule may select any)")]


TRANSITION = "{type: transition, targetStorageClass: archive}"
STANDARD = "tagStatus: any, countType: sinceImagePushed, countUnit: days, countNumber: 30"
ARCHIVED = ("tagStatus: any, storageClass: archive, countType: sinceImageTransitioned, "
            "countUnit: days, countNumber: 90")


@pytest.mark.parametrize(("selection", "action"), [
    (STANDARD, TRANSITION),
    (STANDARD.replace("sinceImagePushed", "sinceImagePulled"), TRANSITION),
    (STANDARD + ", storageClass: standard", TRANSITION),
    (ARCHIVED, "{type: expire}"),
])
def test_raw_archive_rules_load(selection: str, action: str) -> None:
    assert load(raw(selection, action))


@pytest.mark.parametrize(("selection", "action", "message"), [
    (STANDARD, "{type: archive}",
     "rules[0].action.type must be expire or transition (got the string 'archive')"),
    (STANDARD, "{type: transition}",
     "rules[0].action.targetStorageClass must be archive with type transition (got nothing)"),
    (STANDARD, "{type: transition, targetStorageClass: glacier}",
     "rules[0].action.targetStorageClass must be archive with type transition "
     "(got the string 'glacier')"),
    (STANDARD, "{type: expire, targetStorageClass: archive}",
     "rules[0].action.targetStorageClass is only used with type transition"),
    (STANDARD + ", storageClass: glacier", TRANSITION,
     "rules[0].selection.storageClass must be standard or archive (got the string 'glacier')"),
    (STANDARD.replace("sinceImagePushed", "sinceImageScanned"), TRANSITION,
     "rules[0].selection.countType must be imageCountMoreThan, sinceImagePushed, "
     "sinceImagePulled or sinceImageTransitioned (got the string 'sinceImageScanned')"),
    (ARCHIVED, TRANSITION,
     "rules[0].selection.storageClass archive: a transition moves standard images to "
     "archive; only expire rules select archived images"),
    (ARCHIVED.replace("sinceImageTransitioned", "sinceImagePushed"), "{type: expire}",
     "rules[0].selection.countType must be sinceImageTransitioned with storageClass archive "
     "(got the string 'sinceImagePushed')"),
    (ARCHIVED.replace("90", "30"), "{type: expire}",
     "rules[0].selection.countNumber must be at least 90 with storageClass archive: ECR "
     "keeps an archived image at least 90 days (got 30)"),
    (STANDARD.replace("sinceImagePushed", "sinceImageTransitioned"), "{type: expire}",
     "rules[0].selection.countType sinceImageTransitioned needs storageClass archive "
     "(only archived images were transitioned)"),
])
def test_bad_raw_archive_rules_fail_with_their_message(selection: str, action: str,
                                                      message: str) -> None:
    assert errors(raw(selection, action)) == [
        (LINE, "repositories[0].lifecycle_policy", message)]


def test_storage_class_standard_means_the_same_as_none() -> None:
    with_class = policy_of(raw(STANDARD + ", storageClass: standard", TRANSITION))
    assert with_class == policy_of(raw(STANDARD, TRANSITION))
    assert "storageClass" not in with_class["rules"][0]["selection"]
