"""The `scanning:` block (ecrrep/spec/scanning.py): what ECR refuses is refused at its line,
what is allowed but surprising is a warning, and rules without filters get the prefix."""

from __future__ import annotations

from ecrrep.spec.scanning import rule_filters
from tests.support.spec_texts import BASE, error, errors, load, warnings

# BASE ends at line 7; the block starts at line 8.
SCANNING = "scanning:\n  type: {type}\n  rules:\n"


def with_rules(scan_type: str, *rules: str) -> str:
    return BASE + SCANNING.format(type=scan_type) + "".join(f"    - {r}\n" for r in rules)


def test_absent_means_not_managed():
    assert load(BASE).spec.scanning is None


def test_a_rule_without_filters_scans_the_spec_s_repositories():
    spec = load(with_rules("ENHANCED", "{frequency: CONTINUOUS_SCAN}")).spec
    assert spec.scanning is not None
    assert rule_filters(spec.scanning.rules[0], spec.repository_prefix) == ["apps/*"]


def test_type_defaults_to_basic_and_rules_to_none():
    spec = load(BASE + "scanning: {}\n").spec
    assert spec.scanning is not None
    assert (spec.scanning.type, spec.scanning.rules) == ("BASIC", [])


def test_continuous_scanning_needs_enhanced():
    assert error(with_rules("BASIC", "{frequency: CONTINUOUS_SCAN}")) == (
        11, "scanning.rules[0].frequency",
        "CONTINUOUS_SCAN needs type: ENHANCED (BASIC scans on push or by hand)")


def test_manual_is_not_an_enhanced_frequency():
    assert error(with_rules("ENHANCED", "{frequency: MANUAL}")) == (
        11, "scanning.rules[0].frequency",
        "MANUAL is not an ENHANCED frequency (SCAN_ON_PUSH or CONTINUOUS_SCAN)")


def test_one_rule_per_frequency():
    assert error(with_rules("BASIC", "{frequency: SCAN_ON_PUSH}",
                            "{frequency: SCAN_ON_PUSH, filters: ['apps/web']}")) == (
        12, "scanning.rules[1].frequency",
        "duplicate frequency SCAN_ON_PUSH (also scanning.rules[0]): one rule per frequency")


def test_at_most_two_rules():
    assert errors(with_rules("ENHANCED", "{frequency: SCAN_ON_PUSH, filters: [apps/a]}",
                             "{frequency: CONTINUOUS_SCAN}",
                             "{frequency: SCAN_ON_PUSH, filters: [apps/b]}"))[0] == (
        10, "scanning.rules", "must have at most 2 items (got 3)")


def test_unknown_type_and_frequency():
    assert errors(with_rules("enhanced", "{frequency: DAILY}")) == [
        (9, "scanning.type", "must be one of BASIC, ENHANCED (got 'enhanced')"),
        (11, "scanning.rules[0].frequency",
         "must be one of SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL (got 'DAILY')"),
    ]


def test_a_filter_follows_ecr_s_pattern():
    assert error(with_rules("BASIC", "{frequency: SCAN_ON_PUSH, filters: ['Apps/*']}")) == (
        11, "scanning.rules[0].filters[0]",
        "must be lowercase letters, digits, '*' and single '.', '_', '-' or '/' between them "
        "(got 'Apps/*')")


def test_at_most_100_filters():
    filters = ", ".join(f"apps/r{i}" for i in range(101))
    line, path, message = error(with_rules("BASIC", f"{{frequency: SCAN_ON_PUSH, "
                                                    f"filters: [{filters}]}}"))
    assert (line, path) == (11, "scanning.rules[0].filters")
    assert "at most 100" in message


def test_an_empty_filter_list_is_refused():
    line, path, _ = error(with_rules("BASIC", "{frequency: SCAN_ON_PUSH, filters: []}"))
    assert (line, path) == (11, "scanning.rules[0].filters")


def test_a_filter_outside_the_prefix_is_a_warning():
    assert warnings(with_rules("BASIC", "{frequency: SCAN_ON_PUSH, filters: ['*', apps/*]}")) == [
        (11, "scanning.rules[0].filters[0]",
         "'*' can match repositories outside apps/: the registry's scanning configuration is "
         "account-wide"),
    ]


def test_a_repository_s_scan_on_push_is_a_warning_once_registry_scanning_is_set():
    text = (BASE + "    scan_on_push: true\n" + SCANNING.format(type="BASIC")
            + "    - {frequency: SCAN_ON_PUSH}\n")
    assert warnings(text) == [
        (8, "repositories[0].scan_on_push",
         "registry scanning (scanning:) decides which repositories are scanned; a repository's "
         "scan_on_push no longer does"),
    ]
    assert warnings(BASE + "    scan_on_push: true\n") == []
