"""The lifecycle evaluator against hand-made image lists, ECR's own documented examples first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecrrep.lifecycle.evaluate import (
    Image,
    PolicyError,
    and_rules,
    expired_images,
    parse_rules,
    selects,
)
from ecrrep.spec.documents import lifecycle_policy_document
from ecrrep.spec.models import RepositorySpec

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def image(name: str, tags: list[str] | None = None, days: float = 0.0) -> dict[str, Any]:
    """A describe_images entry pushed `days` before NOW; the digest is its name."""
    entry: dict[str, Any] = {
        "imageDigest": f"sha256:{name}",
        "imagePushedAt": NOW - timedelta(days=days),
        "imageSizeInBytes": 1000,
    }
    if tags:
        entry["imageTags"] = tags
    return entry


def rule(priority: int, status: str, count_type: str, number: int,
         prefixes: list[str] | None = None, patterns: list[str] | None = None) -> dict[str, Any]:
    selection: dict[str, Any] = {"tagStatus": status, "countType": count_type,
                                 "countNumber": number}
    if count_type == "sinceImagePushed":
        selection["countUnit"] = "days"
    if prefixes:
        selection["tagPrefixList"] = prefixes
    if patterns:
        selection["tagPatternList"] = patterns
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


def keep(priority: int, status: str, number: int, **kw: Any) -> dict[str, Any]:
    return rule(priority, status, "imageCountMoreThan", number, **kw)


def older(priority: int, status: str, days: int, **kw: Any) -> dict[str, Any]:
    return rule(priority, status, "sinceImagePushed", days, **kw)


def expired(policy_rules: list[dict[str, Any]], images: list[dict[str, Any]]) -> dict[str, int]:
    """Name of each expired image → priority of the rule that expires it."""
    result = expired_images({"rules": policy_rules}, images, NOW)
    return {e.image.digest.removeprefix("sha256:"): e.rule for e in result}


# -- ECR's documented examples ("Examples of lifecycle policies", filtering on multiple rules) --


def test_ecr_example_a():
    images = [
        image("A", ["beta-1", "prod-1"], days=10),
        image("B", ["beta-2", "prod-2"], days=9),
        image("C", ["beta-3"], days=8),
    ]
    rules = [keep(1, "tagged", 1, prefixes=["prod"]), keep(2, "tagged", 1, prefixes=["beta"])]
    # Rule 2 marks A and B too, but B was seen by rule 1 (which keeps it): only A goes.
    assert expired(rules, images) == {"A": 1}


def test_ecr_example_b():
    images = [
        image("A", ["beta-1", "prod-1"], days=10),
        image("B", ["beta-2", "prod-2"], days=9),
        image("C", ["beta-3", "prod-3"], days=8),
        image("D", ["beta-4"], days=7),
    ]
    rules = [keep(1, "tagged", 1, prefixes=["prod"]), keep(2, "tagged", 1, prefixes=["beta"])]
    assert expired(rules, images) == {"A": 1, "B": 1}


def test_ecr_example_with_patterns_matches_prefix_version():
    images = [
        image("A", ["beta-1", "prod-1"], days=10),
        image("B", ["beta-2", "prod-2"], days=9),
        image("C", ["beta-3"], days=8),
    ]
    rules = [keep(1, "tagged", 1, patterns=["prod*"]), keep(2, "tagged", 1, patterns=["beta*"])]
    assert expired(rules, images) == {"A": 1}


# -- AND semantics of several prefixes / patterns --------------------------------------------


def test_several_prefixes_select_only_images_with_a_tag_for_each():
    images = [
        image("both", ["prod-1", "release-1"], days=50),
        image("prod-only", ["prod-2"], days=50),
        image("release-only", ["release-2"], days=50),
        image("one-tag-both-prefixes", ["prodrelease"], days=50),
    ]
    rules = [older(1, "tagged", 30, prefixes=["prod", "release"])]
    # The seed recipe's [prod, release] rule: only the image carrying both kinds of tag.
    assert expired(rules, images) == {"both": 1}


def test_one_tag_can_satisfy_several_prefixes():
    rules = [older(1, "tagged", 30, prefixes=["prod", "pro"])]
    assert expired(rules, [image("x", ["prod-1"], days=40)]) == {"x": 1}


def test_several_patterns_are_anded_too():
    images = [
        image("both", ["v1.2", "stable"], days=40),
        image("version-only", ["v1.3"], days=40),
    ]
    rules = [older(1, "tagged", 30, patterns=["v*", "*able"])]
    assert expired(rules, images) == {"both": 1}


@pytest.mark.parametrize(
    ("pattern", "tag", "matches"),
    [
        ("prod*", "prod", True),
        ("prod*", "production-team1", True),
        ("prod*", "preprod", False),
        ("*prod*", "repo-production", True),
        ("*prod", "preprod", True),
        ("*prod", "prod-1", False),
        ("v*-rc*", "v1.2-rc3", True),
        ("v*-rc*", "v1.2", False),
        ("latest", "latest", True),
        ("latest", "latest-1", False),
        ("a.b", "axb", False),  # '.' is literal, not a regex wildcard
        ("*", "anything", True),
    ],
)
def test_pattern_wildcards_match_the_whole_tag(pattern, tag, matches):
    rules = parse_rules({"rules": [older(1, "tagged", 1, patterns=[pattern])]})
    assert selects(rules[0], Image("d", (tag,), NOW)) is matches


def test_prefixes_are_case_sensitive():
    rules = [older(1, "tagged", 1, prefixes=["prod"])]
    assert expired(rules, [image("x", ["PROD-1"], days=5)]) == {}


def test_and_rules_lists_rules_with_several_items():
    policy = {"rules": [older(2, "tagged", 1, patterns=["a*", "b*"]),
                        keep(1, "tagged", 3, prefixes=["prod", "release"]),
                        older(3, "untagged", 1)]}
    assert and_rules(policy) == [(1, ["prod", "release"]), (2, ["a*", "b*"])]
    assert and_rules({"rules": [keep(1, "tagged", 3, prefixes=["prod"])]}) == []


# -- priority: one rule per image ------------------------------------------------------------


def test_an_image_kept_by_a_higher_rule_is_never_expired_by_a_lower_one():
    images = [image("old-prod", ["prod-1"], days=400)]
    rules = [keep(1, "tagged", 5, prefixes=["prod"]), older(2, "any", 30)]
    assert expired(rules, images) == {}


def test_rules_run_by_priority_not_by_list_order():
    images = [image("old-prod", ["prod-1"], days=400)]
    # Listed backwards: priority 1 still claims the image first and keeps it.
    rules = [older(2, "tagged", 30, prefixes=["prod"]), keep(1, "tagged", 5, prefixes=["prod"])]
    assert expired(rules, images) == {}


def test_each_image_reports_the_rule_that_expires_it():
    images = [
        image("prod-old", ["prod-1"], days=10),
        image("prod-new", ["prod-2"], days=1),
        image("test-old", ["test-1"], days=10),
        image("untagged-old", days=10),
    ]
    rules = [keep(1, "tagged", 1, prefixes=["prod"]), older(2, "untagged", 5),
             older(3, "any", 7)]
    assert expired(rules, images) == {"prod-old": 1, "untagged-old": 2, "test-old": 3}


def test_a_lower_count_rule_still_counts_images_claimed_above():
    # "Rules can never mark images that are marked by higher priority rules, but can still
    # identify them as if they haven't been expired": the two prod images fill rule 2's count
    # of 2, so the older beta-only image goes although rule 2 selects only one image it may
    # expire.
    images = [
        image("beta-only", ["beta-1"], days=5),
        image("prod-beta-1", ["prod-1", "beta-2"], days=2),
        image("prod-beta-2", ["prod-2", "beta-3"], days=1),
    ]
    rules = [keep(1, "tagged", 10, prefixes=["prod"]), keep(2, "tagged", 2, prefixes=["beta"])]
    assert expired(rules, images) == {"beta-only": 2}


def test_any_rule_counts_everything_but_expires_only_what_is_left():
    images = [image(f"prod-{i}", [f"prod-{i}"], days=i) for i in range(1, 4)]
    images += [image("other", ["feature-x"], days=10)]
    rules = [keep(1, "tagged", 10, prefixes=["prod"]), keep(2, "any", 2)]
    assert expired(rules, images) == {"other": 2}


# -- count versus age ------------------------------------------------------------------------


def test_keep_last_expires_all_but_the_newest_n():
    images = [image(f"i{n}", [f"prod-{n}"], days=n) for n in range(1, 11)]
    assert expired([keep(1, "tagged", 3, prefixes=["prod"])], images) == {
        f"i{n}": 1 for n in range(4, 11)
    }


def test_keep_last_ignores_age():
    images = [image("ancient", ["prod-1"], days=3000), image("new", ["prod-2"], days=0)]
    assert expired([keep(1, "tagged", 2, prefixes=["prod"])], images) == {}


def test_expire_after_days_ignores_count():
    images = [image(f"i{n}", ["prod"], days=40 + n) for n in range(3)]
    assert expired([older(1, "tagged", 30, prefixes=["prod"])], images) == {
        "i0": 1, "i1": 1, "i2": 1
    }


def test_age_boundary_is_strictly_more_than_n_days():
    images = [
        {"imageDigest": "sha256:exact", "imageTags": ["x"],
         "imagePushedAt": NOW - timedelta(days=30)},
        {"imageDigest": "sha256:over", "imageTags": ["x"],
         "imagePushedAt": NOW - timedelta(days=30, seconds=1)},
    ]
    assert expired([older(1, "any", 30)], images) == {"over": 1}


def test_keep_last_with_equal_push_times_is_stable():
    images = [image(name, ["prod"], days=1) for name in ("c", "a", "b")]
    first = expired([keep(1, "tagged", 1, prefixes=["prod"])], images)
    again = expired([keep(1, "tagged", 1, prefixes=["prod"])], list(reversed(images)))
    assert first == again and len(first) == 2


def test_the_issue_example_keep_last_15_to_2_on_ten_prod_images():
    images = [image(f"p{n}", [f"prod-{n}"], days=n) for n in range(10)]
    repo = RepositorySpec(name="production", lifecycle=[
        {"select": "tagged", "tag_prefixes": ["prod"], "keep_last": 2},
        {"select": "untagged", "expire_after_days": 2},
    ])
    policy = lifecycle_policy_document(repo)
    result = expired_images(policy, images, NOW)
    assert len(result) == 8
    assert {e.image.digest for e in result} == {f"sha256:p{n}" for n in range(2, 10)}
    before = RepositorySpec(name="production", lifecycle=[
        {"select": "tagged", "tag_prefixes": ["prod"], "keep_last": 15},
        {"select": "untagged", "expire_after_days": 2},
    ])
    assert expired_images(lifecycle_policy_document(before), images, NOW) == []


# -- untagged and any ------------------------------------------------------------------------


def test_untagged_rule_only_sees_untagged_images():
    images = [image("bare-old", days=5), image("bare-new", days=1),
              image("tagged-old", ["v1"], days=5)]
    assert expired([older(1, "untagged", 2)], images) == {"bare-old": 1}


def test_tagged_rule_never_selects_untagged_images():
    images = [image("bare", days=50)]
    assert expired([older(1, "tagged", 1, patterns=["*"])], images) == {}


def test_untagged_keep_last():
    images = [image(f"u{n}", days=n) for n in range(4)]
    assert expired([keep(1, "untagged", 1)], images) == {"u1": 1, "u2": 1, "u3": 1}


def test_any_rule_sees_tagged_and_untagged():
    images = [image("bare", days=10), image("tagged", ["x"], days=10), image("young", days=1)]
    assert expired([older(1, "any", 7)], images) == {"bare": 1, "tagged": 1}


def test_result_is_oldest_first_with_details():
    images = [image("new", days=10), image("old", days=20)]
    result = expired_images({"rules": [older(1, "any", 7)]}, images, NOW)
    assert [e.image.digest for e in result] == ["sha256:old", "sha256:new"]
    assert result[0].to_json() == {
        "digest": "sha256:old", "tags": [], "rule": 1,
        "pushed_at": (NOW - timedelta(days=20)).isoformat(timespec="seconds"),
    }


def test_naive_datetimes_are_taken_as_utc():
    naive_now = NOW.replace(tzinfo=None)
    images = [{"imageDigest": "sha256:x", "imagePushedAt": naive_now - timedelta(days=9)}]
    assert len(expired_images({"rules": [older(1, "any", 7)]}, images, naive_now)) == 1


def test_empty_repository_expires_nothing():
    assert expired([older(1, "any", 1)], []) == {}


# -- policies ECR refuses, or that the preview does not model --------------------------------


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([older(1, "any", 7), older(2, "untagged", 1)], "highest rulePriority"),
        ([older(1, "untagged", 7), keep(2, "untagged", 1)], "only one rule"),
        ([older(1, "untagged", 7), older(1, "tagged", 1, prefixes=["x"])], "unique"),
        ([rule(1, "tagged", "sinceImageScanned", 3, prefixes=["x"])], "not previewed"),
        ([{**older(1, "any", 7), "action": {"type": "transition"}}], "targetStorageClass"),
        ([{**older(1, "any", 7), "action": {"type": "archive"}}], "not previewed"),
        ([older(1, "untagged", 7, prefixes=["x"])], "need tagStatus tagged"),
        ([older(1, "tagged", 0, prefixes=["x"])], "positive integer"),
        ([older(1, "weird", 3)], "tagStatus"),
    ],
)
def test_policies_that_cannot_be_previewed_raise(rules, message):
    with pytest.raises(PolicyError, match=message):
        expired_images({"rules": rules}, [], NOW)


# -- properties ------------------------------------------------------------------------------

TAGS = st.lists(st.sampled_from(["prod-1", "prod-2", "release-1", "beta", "test-9"]),
                max_size=3, unique=True)
IMAGES = st.lists(st.tuples(TAGS, st.integers(0, 60)), max_size=12)
RULE = st.one_of(
    st.builds(lambda p, n: ("tagged", {"tagPrefixList": p}, n),
              st.lists(st.sampled_from(["prod", "release", "beta"]), min_size=1, max_size=2,
                       unique=True), st.integers(1, 5)),
    st.builds(lambda n: ("untagged", {}, n), st.integers(1, 5)),
)


@settings(max_examples=150, deadline=None)
@given(IMAGES, st.lists(RULE, max_size=3), st.booleans(), st.booleans())
def test_every_expiry_belongs_to_the_first_rule_selecting_the_image(
    images, rule_specs, use_age, with_any
):
    listed = [image(f"i{n}", tags, days) for n, (tags, days) in enumerate(images)]
    rules = []
    seen_untagged = False
    for status, extra, number in rule_specs:
        if status == "untagged":
            if seen_untagged:
                continue
            seen_untagged = True
        count = "sinceImagePushed" if use_age else "imageCountMoreThan"
        made = rule(len(rules) + 1, status, count, number)
        made["selection"].update(extra)
        rules.append(made)
    if with_any:
        rules.append(older(len(rules) + 1, "any", 30))
    policy = {"rules": rules}
    parsed = parse_rules(policy)
    result = expired_images(policy, listed, NOW)
    assert len({e.image.digest for e in result}) == len(result)
    for expiry in result:
        first = next(r for r in parsed if selects(r, expiry.image))
        assert expiry.rule == first.priority
        if first.count_type == "sinceImagePushed":
            assert NOW - expiry.image.pushed_at > timedelta(days=first.count_number)


@settings(max_examples=100, deadline=None)
@given(IMAGES, st.integers(1, 6))
def test_one_count_rule_keeps_exactly_the_newest_n(images, n):
    listed = [image(f"i{i}", tags, days) for i, (tags, days) in enumerate(images)]
    result = expired_images({"rules": [keep(1, "any", n)]}, listed, NOW)
    assert len(result) == max(0, len(listed) - n)
    kept = {i["imageDigest"] for i in listed} - {e.image.digest for e in result}
    if result:
        assert min(i["imagePushedAt"] for i in listed if i["imageDigest"] in kept) >= max(
            e.image.pushed_at for e in result)
