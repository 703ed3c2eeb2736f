"""The rules of SPEC §2 about single values (names, regions, tags, addresses, schedules,
characters): one test per kind of mistake, with its exact line, path and message."""

from __future__ import annotations

import pytest

from ecrrep.spec import rules as spec_rules
from ecrrep.spec.regions import AWS_REGIONS
from ecrrep.spec.rules import project_problem, schedule_problem, shown
from tests.support.spec_texts import BASE, base_with, error, errors, load


def test_the_base_spec_is_valid():
    loaded = load(BASE)
    assert loaded.warnings == []
    assert loaded.spec.regions == ["us-east-1", "us-west-2"]


# -- top-level values ---------------------------------------------------------------------------


def test_version_must_be_1():
    assert error(base_with("version: 1", "version: 2")) == (1, "version", "must be 1 (got 2)")
    assert error(base_with("version: 1", "version: true")) == (
        1,
        "version",
        "must be 1 (got True)",
    )


@pytest.mark.parametrize(
    ("project", "message"),
    [
        ("Demo_Project", "must be 3..32 characters of a-z, 0-9 and '-' (got 'Demo_Project')"),
        ("ab", "must be 3..32 characters of a-z, 0-9 and '-' (got 'ab')"),
        ("a" * 33, f"must be 3..32 characters of a-z, 0-9 and '-' (got '{'a' * 33}')"),
        ("-demo", "must not start or end with '-' (got '-demo')"),
        ("demo-", "must not start or end with '-' (got 'demo-')"),
    ],
)
def test_project_name(project: str, message: str):
    assert error(base_with("demo-project", project)) == (2, "project", message)


def test_derived_names_fit_aws_limits_for_the_longest_project():
    assert project_problem("a" * 32) is None


def test_derived_name_limits_are_checked_not_assumed(monkeypatch: pytest.MonkeyPatch):
    def long_role_name(project: str) -> str:
        return f"{project}-elastic-container-registry-production-pull-role"

    monkeypatch.setattr(spec_rules, "_DERIVED_NAMES", (("IAM role", long_role_name, 64),))
    assert project_problem("a" * 20) == (
        "too long: the IAM role name "
        f"'{'a' * 20}-elastic-container-registry-production-pull-role' would exceed 64 characters"
    )


def test_environment_name():
    text = BASE + "environment: prod env\n"
    assert error(text) == (
        8,
        "environment",
        "must be 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-' (got 'prod env')",
    )


def test_source_region_must_be_real_with_a_suggestion():
    assert error(base_with("source_region: us-east-1", "source_region: us-est-1")) == (
        3,
        "source_region",
        "unknown AWS region 'us-est-1' (did you mean 'us-east-1'?)",
    )


def test_unknown_region_without_a_close_match():
    assert error(base_with("[us-west-2]", "[us-west-2, xyz]")) == (
        4,
        "destination_regions[1]",
        "unknown AWS region 'xyz'",
    )


def test_region_of_another_partition():
    assert error(base_with("[us-west-2]", "[cn-north-1]")) == (
        4,
        "destination_regions[0]",
        "'cn-north-1' is in the aws-cn partition; ecrrep manages the aws partition only",
    )


def test_destination_must_not_be_the_source():
    assert error(base_with("[us-west-2]", "[us-west-2, us-east-1]")) == (
        4,
        "destination_regions[1]",
        "'us-east-1' is the source_region, not a destination",
    )


def test_destinations_must_be_distinct():
    assert error(base_with("[us-west-2]", "[us-west-2, eu-west-1, us-west-2]")) == (
        4,
        "destination_regions[2]",
        "duplicate region 'us-west-2' (also destination_regions[0])",
    )


def test_destinations_count_1_to_25():
    assert error(base_with("[us-west-2]", "[]")) == (
        4,
        "destination_regions",
        "must have at least 1 item",
    )
    many = sorted(AWS_REGIONS - {"us-east-1"})[:26]
    assert error(base_with("[us-west-2]", f"[{', '.join(many)}]")) == (
        4,
        "destination_regions",
        "must have at most 25 items (got 26)",
    )


# -- repository names ---------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["Apps", "apps/", "apps//web", "a..b", "apps/*", "apps-"])
def test_repository_prefix(prefix: str):
    assert error(base_with("prefix: apps", f"prefix: '{prefix}'")) == (
        5,
        "repository_prefix",
        "must be lowercase letters and digits, separated by single '.', '_', '-' or '/' "
        f"(got '{prefix}')",
    )


def test_nested_repository_prefix_is_allowed():
    assert load(base_with("prefix: apps", "prefix: my-company/apps")).spec.repository_prefix


@pytest.mark.parametrize("name", ["Web", "web/api", "web--api", "_web"])
def test_repository_name(name: str):
    assert error(base_with("name: web", f"name: '{name}'")) == (
        7,
        "repositories[0].name",
        f"must be lowercase letters and digits, separated by single '.', '_' or '-' (got '{name}')",
    )


def test_full_repository_name_must_fit_ecr():
    prefix = "p" * 250
    assert error(base_with("prefix: apps", f"prefix: {prefix}").replace("web", "web-server")) == (
        7,
        "repositories[0].name",
        # A long value is shown cut in the middle, both of its ends kept.
        f"the full repository name '{'p' * 58}…{'p' * 8}/web-server' (261 characters) is not a "
        "valid ECR name of 2..256 characters",
    )


def test_repository_names_are_unique():
    text = BASE + "  - name: api\n  - name: web\n"
    assert error(text) == (
        9,
        "repositories[2].name",
        "duplicate repository name 'web' (also repositories[0])",
    )


def test_at_least_one_repository():
    assert error(base_with("repositories:\n  - name: web\n", "repositories: []\n")) == (
        6,
        "repositories",
        "must have at least 1 item",
    )


def test_missing_required_key_points_at_the_mapping():
    assert error(base_with("  - name: web\n", "  - access: open\n")) == (
        7,
        "repositories[0].name",
        "required",
    )
    assert error(base_with("project: demo-project\n", "")) == (1, "project", "required")


# -- tags ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "path", "message"),
    [
        (
            "{'aws:team': x}",
            'tags["aws:team"]',
            "tag keys starting with 'aws:' are reserved by AWS (got 'aws:team')",
        ),
        (
            "{'ecrrep:project': x}",
            'tags["ecrrep:project"]',
            "tag key 'ecrrep:project' is reserved: ecrrep sets it to the project name",
        ),
        (f"{{{'k' * 129}: x}}", "tags." + "k" * 59 + "…" + "k" * 20,
         "tag key must be 1..128 characters (got 129)"),
        (
            "{Team: '" + "v" * 257 + "'}",
            "tags.Team",
            "tag value must be at most 256 characters (got 257)",
        ),
        (
            "{Team: 'dev;ops'}",
            "tags.Team",
            "tag value may hold only letters, digits, spaces and _ . : / = + - @ (got 'dev;ops')",
        ),
        (
            '{Team: "dev\\tops"}',
            "tags.Team",
            "tag value may hold only letters, digits, spaces and _ . : / = + - @ (got 'dev\\tops')",
        ),
        (
            "{'Cost\"Center': x}",
            'tags["Cost\\"Center"]',
            "tag key may hold only letters, digits, spaces and _ . : / = + - @ "
            "(got 'Cost\"Center')",
        ),
        ("{CostCenter: 1234}", "tags.CostCenter", "must be a string (put it in quotes)"),
    ],
)
def test_tags(tags: str, path: str, message: str):
    assert error(BASE + f"tags: {tags}\n") == (8, path, message)


def test_at_most_40_tags():
    tags = ", ".join(f"k{i}: v" for i in range(41))
    assert error(BASE + f"tags: {{{tags}}}\n") == (8, "tags", "must have at most 40 items (got 41)")


def test_tags_may_hold_unicode_letters_as_aws_allows():
    loaded = load(BASE + "tags: {Équipe: Développement, 'cost center': 'a.b:c/d=e+f-g@h'}\n")
    assert loaded.spec.tags["Équipe"] == "Développement"


# -- notifications ------------------------------------------------------------------------------


@pytest.mark.parametrize("email", ["devops", "a@b", "dev ops@company.com", "'a'@company.com"])
def test_email_must_be_an_address(email: str):
    assert error(BASE + f'notifications: {{email: "{email}"}}\n') == (
        8,
        "notifications.email",
        f"must be an email address (got {shown(email)})",
    )


def test_email_at_most_254_characters():
    email = "a" * 250 + "@b.io"
    assert error(BASE + f"notifications: {{email: {email}}}\n")[2] == (
        f"must be an email address (got {shown(email)})"
    )


def test_email_is_optional():
    assert load(BASE + "notifications: {enabled: true}\n").spec.notifications.email is None


# -- cleanup ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("cron(99 99 * * ? *)", "cron minutes field '99' is invalid (allowed: 0-59 and , - * /)"),
        ("cron(0 24 * * ? *)", "cron hours field '24' is invalid (allowed: 0-23 and , - * /)"),
        (
            "cron(0 2 32 * ? *)",
            "cron day-of-month field '32' is invalid (allowed: 1-31 and , - * ? / L W)",
        ),
        (
            "cron(0 2 ? 13 * *)",
            "cron month field '13' is invalid (allowed: 1-12 or JAN-DEC and , - * /)",
        ),
        (
            "cron(0 2 ? * MON/2 *)",
            "cron day-of-week field 'MON/2' is invalid (allowed: 1-7 or SUN-SAT and , - * ? L #)",
        ),
        (
            "cron(0 2 ? * 2#6 *)",
            "cron day-of-week field '2#6' is invalid (allowed: 1-7 or SUN-SAT and , - * ? L #)",
        ),
        (
            "cron(0 2 * * ? 1969)",
            "cron year field '1969' is invalid (allowed: 1970-2199 and , - * /)",
        ),
        ("cron(0 2 * * * *)", "cron(...) needs '?' in exactly one of day-of-month and day-of-week"),
        ("cron(0 2 ? * ? *)", "cron(...) needs '?' in exactly one of day-of-month and day-of-week"),
        (
            "cron(0 2 * * ?)",
            "cron(...) needs six fields separated by single spaces: minutes hours day-of-month "
            "month day-of-week year (got '0 2 * * ?')",
        ),
        ("rate(1 days)", "rate(...) with 1 takes the singular: rate(1 day)"),
        ("rate(5 minute)", "rate(...) with 5 takes the plural: rate(5 minutes)"),
        ("rate(0 minutes)", "rate(...) needs a value of at least 1"),
        (
            "rate(2 dayss)",
            "rate(...) must be rate(N minutes|hours|days), e.g. rate(12 hours) (got '2 dayss')",
        ),
        (
            "rate(2 weeks)",
            "rate(...) must be rate(N minutes|hours|days), e.g. rate(12 hours) (got '2 weeks')",
        ),
        (
            "daily",
            "must be an EventBridge schedule: cron(minutes hours day-of-month month day-of-week "
            "year) or rate(N unit), e.g. cron(0 2 * * ? *) (got 'daily')",
        ),
    ],
)
def test_schedule(schedule: str, message: str):
    assert error(BASE + f"cleanup: {{schedule: '{schedule}'}}\n") == (
        8,
        "cleanup.schedule",
        message,
    )


@pytest.mark.parametrize(
    "schedule",
    [
        "cron(0 2 * * ? *)",
        "cron(0/15 * * * ? *)",
        "cron(*/5 8-17 ? * MON-FRI *)",
        "cron(0 18 ? * 2,4,6 *)",
        "cron(0 10 L * ? *)",
        "cron(0 9 15W * ? 2025-2030)",
        "cron(0 8 ? * 6#3 *)",
        "cron(0 8 ? * 6L *)",
        "cron(30 1 1 JAN,JUL ? *)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(7 days)",
    ],
)
def test_valid_schedules(schedule: str):
    assert schedule_problem(schedule) is None


def test_retention_days_keys_are_repository_names():
    assert error(BASE + "cleanup: {retention_days: {wbe: 7}}\n") == (
        8,
        "cleanup.retention_days.wbe",
        "no repository named 'wbe' in this spec (did you mean 'web'?)",
    )
    assert error(BASE + "cleanup: {retention_days: {other: 7}}\n") == (
        8,
        "cleanup.retention_days.other",
        "no repository named 'other' in this spec",
    )


def test_retention_days_range():
    text = BASE + "  - name: api\ncleanup:\n  retention_days:\n    web: 0\n    api: 3651\n"
    assert errors(text) == [
        (11, "cleanup.retention_days.web", "must be at least 1"),
        (12, "cleanup.retention_days.api", "must be at most 3650"),
    ]


def test_retention_days_default():
    spec = load(BASE + "cleanup: {retention_days: {web: 90}}\n").spec
    assert spec.retention_days_for("web") == 90
    assert spec.retention_days_for("other") == 30


def test_protected_tag_prefixes_are_tag_prefixes():
    assert error(BASE + "cleanup: {protected_tag_prefixes: ['prod*']}\n") == (
        8,
        "cleanup.protected_tag_prefixes[0]",
        "'*' is only allowed in tag_patterns (got 'prod*')",
    )


# -- characters that must never reach a name or a policy ----------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "path"),
    [
        ("project: demo-project", 'project: "demo\'project"', 2, "project"),
        ("project: demo-project", "project: demo*project", 2, "project"),
        ("project: demo-project", "project: demo..project", 2, "project"),
        ("project: demo-project", 'project: "demo\\u0000project"', 2, "project"),
        ("project: demo-project", "project: dеmo-project", 2, "project"),  # Cyrillic е
        ("prefix: apps", 'prefix: "ap\\"ps"', 5, "repository_prefix"),
        ("prefix: apps", "prefix: ápps", 5, "repository_prefix"),
        ("name: web", "name: 'w*b'", 7, "repositories[0].name"),
        ("name: web", 'name: "we\\nb"', 7, "repositories[0].name"),
        ("name: web", "name: wеb", 7, "repositories[0].name"),  # Cyrillic е
        ("source_region: us-east-1", "source_region: us-eаst-1", 3, "source_region"),  # Cyrillic а
    ],
)
def test_names_reject_quotes_wildcards_control_characters_and_look_alikes(
    old: str, new: str, line: int, path: str
):
    found_line, found_path, message = error(base_with(old, new))
    assert (found_line, found_path) == (line, path)
    assert message.startswith(("must ", "unknown AWS region"))


def test_look_alike_region_is_called_out():
    assert error(base_with("source_region: us-east-1", "source_region: us-eаst-1"))[2] == (
        "unknown AWS region 'us-eаst-1': it has non-ASCII characters (a look-alike?)"
    )
