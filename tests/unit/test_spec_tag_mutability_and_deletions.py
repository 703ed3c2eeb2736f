"""The spec's tag mutability exclusions and replicate_deletions: what loads, and every mistake
with its exact line, path and message."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from ecrrep.spec.models import Spec
from tests.support.spec_texts import BASE, error, errors, load

WITH_EXCLUSION = "    tag_mutability: IMMUTABLE_WITH_EXCLUSION\n"


@pytest.mark.parametrize("mutability", ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"])
def test_exclusions_load_with_a_with_exclusion_mutability(mutability):
    spec = load(BASE + f"    tag_mutability: {mutability}\n"
                "    tag_mutability_exclusions: [latest, 'dev-*']\n").spec

    assert spec.repositories[0].tag_mutability == mutability
    assert spec.repositories[0].tag_mutability_exclusions == ["latest", "dev-*"]


def test_a_with_exclusion_mutability_needs_exclusions():
    assert error(BASE + WITH_EXCLUSION) == (
        8, "repositories[0].tag_mutability",
        "IMMUTABLE_WITH_EXCLUSION needs tag_mutability_exclusions (the tags it excludes, "
        "e.g. [latest, dev-*])")


@pytest.mark.parametrize("mutability", ["", "    tag_mutability: MUTABLE\n"])
def test_exclusions_only_with_a_with_exclusion_mutability(mutability):
    line = 8 + bool(mutability)
    assert error(BASE + mutability + "    tag_mutability_exclusions: [latest]\n") == (
        line, "repositories[0].tag_mutability_exclusions",
        "only used with tag_mutability: IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION")


def test_at_most_five_exclusions():
    assert error(BASE + WITH_EXCLUSION + "    tag_mutability_exclusions: [a, b, c, d, e, f]\n") \
        == (9, "repositories[0].tag_mutability_exclusions", "must have at most 5 items (got 6)")


def test_an_empty_list_of_exclusions_is_refused():
    assert error(BASE + WITH_EXCLUSION + "    tag_mutability_exclusions: []\n") == (
        9, "repositories[0].tag_mutability_exclusions", "must have at least 1 item")


@pytest.mark.parametrize("wildcard", ["a/b", "with space", "x" * 129, "é"])
def test_an_exclusion_outside_ecrs_pattern_is_refused_at_its_line(wildcard):
    line, path, message = error(BASE + WITH_EXCLUSION + "    tag_mutability_exclusions:\n"
                                f"      - latest\n      - '{wildcard}'\n")
    assert (line, path) == (11, "repositories[0].tag_mutability_exclusions[1]")
    assert message.startswith("must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-', '*' ")


def test_a_wildcard_of_128_characters_with_many_stars_loads():
    wildcard = "*a" * 64  # ECR limits the length, not the number of '*'
    spec = load(BASE + WITH_EXCLUSION + f"    tag_mutability_exclusions: ['{wildcard}']\n").spec
    assert spec.repositories[0].tag_mutability_exclusions == [wildcard]


def test_an_exclusion_listed_twice_is_refused():
    assert errors(BASE + WITH_EXCLUSION + "    tag_mutability_exclusions:\n"
                  "      - latest\n      - dev-*\n      - latest\n") == [
        (12, "repositories[0].tag_mutability_exclusions[2]", "'latest' is listed twice")]


def test_the_rules_hold_for_a_spec_built_in_code():
    data = yaml.safe_load(BASE)
    data["repositories"][0]["tag_mutability"] = "MUTABLE_WITH_EXCLUSION"
    with pytest.raises(ValidationError, match="MUTABLE_WITH_EXCLUSION needs"):
        Spec.model_validate(data)


def test_replicate_deletions_defaults_to_false():
    assert load(BASE).spec.replicate_deletions is False
    assert load(BASE + "replicate_deletions: true\n").spec.replicate_deletions is True


def test_replicate_deletions_must_be_a_boolean():
    assert error(BASE + "replicate_deletions: 'yes please'\n") == (
        8, "replicate_deletions", "must be true or false")
