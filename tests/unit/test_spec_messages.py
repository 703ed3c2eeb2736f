"""How the spec's mistakes read: type errors and unknown keys in plain words, every error at
once, and huge values never echoed whole."""

from __future__ import annotations

import pytest

from ecrrep.spec.loader import SpecError
from tests.support.spec_texts import BASE, base_with, error, errors, load

# -- types and keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "path", "message"),
    [
        ("    scan_on_push: 'yes'\n", "repositories[0].scan_on_push", "must be true or false"),
        (
            "    tag_mutability: immutable\n",
            "repositories[0].tag_mutability",
            "must be one of IMMUTABLE, MUTABLE, IMMUTABLE_WITH_EXCLUSION, "
            "MUTABLE_WITH_EXCLUSION (got 'immutable')",
        ),
        (
            "monitoring: {pull_count_per_5min: '1000'}\n",
            "monitoring.pull_count_per_5min",
            "must be an integer",
        ),
        (
            "monitoring: {repository_size_gib: .inf}\n",
            "monitoring.repository_size_gib",
            "must be a finite number",
        ),
        (
            "monitoring: {replication_failure_rate_percent: 101}\n",
            "monitoring.replication_failure_rate_percent",
            "must be at most 100",
        ),
        (
            "monitoring: {repository_size_gib: 0}\n",
            "monitoring.repository_size_gib",
            "must be greater than 0",
        ),
        ("iam: true\n", "iam", "must be a mapping"),
        ("tags: [a, b]\n", "tags", "must be a mapping"),
        (
            "cleanup: {protected_tag_prefixes: prod}\n",
            "cleanup.protected_tag_prefixes",
            "must be a list",
        ),
        ("environment: 2024\n", "environment", "must be a string (put it in quotes)"),
    ],
)
def test_type_errors_read_plainly(extra: str, path: str, message: str):
    assert error(BASE + extra) == (8, path, message)


def test_unknown_key_with_a_suggestion():
    assert error(BASE + "    tag_mutabilty: MUTABLE\n") == (
        8,
        "repositories[0].tag_mutabilty",
        "unknown key 'tag_mutabilty' (did you mean 'tag_mutability'?)",
    )
    assert error(BASE + "destination_region: [eu-west-1]\n") == (
        8,
        "destination_region",
        "unknown key 'destination_region' (did you mean 'destination_regions'?)",
    )


def test_unknown_key_without_a_suggestion():
    assert error(BASE + "colour: blue\n") == (8, "colour", "unknown key 'colour'")


def test_keys_are_names_not_yaml_booleans():
    # `on:` is the boolean true in YAML 1.1; here it must read as the (unknown) key "on".
    assert error(BASE + "on: 1\n") == (8, "on", "unknown key 'on'")


# -- every error at once ------------------------------------------------------------------------


def test_every_error_is_reported_at_once():
    text = (
        BASE.replace("project: demo-project", "project: Demo").replace(
            "[us-west-2]", "[us-west-2, us-east-1]"
        )
        + "    encryption: KMS\n    keep_last: 3\n"
    )
    assert errors(text) == [
        (2, "project", "must be 3..32 characters of a-z, 0-9 and '-' (got 'Demo')"),
        (4, "destination_regions[1]", "'us-east-1' is the source_region, not a destination"),
        (8, "repositories[0].encryption", "KMS needs kms_key (a KMS key ARN or alias/NAME)"),
        (9, "repositories[0].keep_last", "unknown key 'keep_last'"),
    ]


def test_three_different_errors_give_three_diagnostics():
    text = (
        BASE.replace("us-east-1", "us-east-9")
        + "    tag_mutability: mutable\n"
        + "cleanup: {schedule: 'cron(0 2 * * * *)'}\n"
    )
    with pytest.raises(SpecError) as caught:
        load(text)
    assert [str(d) for d in caught.value.diagnostics] == [
        "spec.yaml:3: source_region: unknown AWS region 'us-east-9' (did you mean 'us-east-1'?)",
        "spec.yaml:8: repositories[0].tag_mutability: must be one of IMMUTABLE, MUTABLE, "
        "IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION "
        "(got 'mutable')",
        "spec.yaml:9: cleanup.schedule: cron(...) needs '?' in exactly one of day-of-month and "
        "day-of-week",
    ]


def test_rules_across_fields_are_checked_even_when_types_fail():
    # scan_on_push is wrong, so pydantic builds no model; the duplicate name is still found.
    text = BASE + "    scan_on_push: maybe\n  - name: web\n"
    assert errors(text) == [
        (8, "repositories[0].scan_on_push", "must be true or false"),
        (9, "repositories[1].name", "duplicate repository name 'web' (also repositories[0])"),
    ]


def test_a_bad_value_does_not_cascade_into_rule_errors():
    # encryption is invalid: no second error about kms_key belonging to KMS.
    assert errors(BASE + "    encryption: kms\n    kms_key: alias/x\n") == [
        (8, "repositories[0].encryption", "must be one of AES256, KMS (got 'kms')"),
    ]


# -- huge values ----------------------------------------------------------------------------------

HUGE = "x" * 100_000


@pytest.mark.parametrize("text", [
    base_with("project: demo-project", f"project: {HUGE}"),
    base_with("prefix: apps", f"prefix: {HUGE}"),
    base_with("name: web", f"name: {HUGE}"),
    base_with("[us-west-2]", f"[{HUGE}]"),
    BASE + f"environment: {HUGE}\n",
    BASE + f"{HUGE}: 1\n",
    BASE + f"    {HUGE}: 1\n",
    BASE + f"tags: {{'{HUGE}': x}}\n",
    BASE + f"tags: {{team: '{HUGE};'}}\n",
    BASE + f"notifications: {{email: {HUGE}}}\n",
    BASE + f"cleanup: {{schedule: 'cron({HUGE})'}}\n",
    BASE + f"cleanup: {{retention_days: {{{HUGE}: 1}}}}\n",
    BASE + f"    encryption: KMS\n    kms_key: {HUGE}\n",
    BASE + f"    tag_mutability: {HUGE}\n",
    BASE + f"    lifecycle: [{{select: tagged, tag_prefixes: [{HUGE}], keep_last: 1}}]\n",
    BASE + "    access: custom\n    policy: {Statement: [{Effect: Allow, "
           f"Principal: {{AWS: {HUGE}}}, Action: ecr:{HUGE}}}]}}\n",
])
def test_a_huge_invalid_value_is_never_echoed_whole(text: str):
    found = errors(text)
    assert found
    for _, path, message in found:
        assert len(path) <= 100 and len(message) <= 300, (path[:200], message[:400])
