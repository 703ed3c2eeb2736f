"""The rules of SPEC §2: one test per kind of mistake, with its exact line, path and message."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ecrrep.spec import rules as spec_rules
from ecrrep.spec.loader import SpecError
from ecrrep.spec.models import RepositorySpec, Spec
from ecrrep.spec.regions import AWS_REGIONS
from ecrrep.spec.rules import project_problem, schedule_problem, shown
from tests.support.spec_texts import BASE, errors, load


def error(text: str) -> tuple[int, str, str]:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def base_with(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new)


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


# -- encryption and access ----------------------------------------------------------------------


def test_kms_needs_a_key():
    assert error(BASE + "    encryption: KMS\n") == (
        8,
        "repositories[0].encryption",
        "KMS needs kms_key (a KMS key ARN or alias/NAME)",
    )


def test_kms_key_only_with_kms():
    assert error(BASE + "    kms_key: alias/images\n") == (
        8,
        "repositories[0].kms_key",
        "only used with encryption: KMS",
    )


def test_kms_key_format():
    assert error(BASE + "    encryption: KMS\n    kms_key: my-key\n") == (
        9,
        "repositories[0].kms_key",
        "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) or an alias (alias/NAME) "
        "(got 'my-key')",
    )


@pytest.mark.parametrize(
    "key",
    ["alias/images", "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"],
)
def test_kms_key_alias_or_multi_region_arn_accepted(key: str):
    loaded = load(BASE + f"    encryption: KMS\n    kms_key: {key}\n")
    assert loaded.spec.repositories[0].kms_key == key


def test_encryption_is_one_of_the_allowed_values():
    assert error(BASE + "    encryption: aes256\n") == (
        8,
        "repositories[0].encryption",
        "must be one of AES256, KMS (got 'aes256')",
    )


def test_custom_access_needs_a_policy():
    assert error(BASE + "    access: custom\n") == (
        8,
        "repositories[0].access",
        "custom needs policy (the repository policy document)",
    )


def test_policy_only_with_custom_access():
    text = BASE + "    policy: {Statement: [{Effect: Allow, Principal: '*', Action: 'ecr:*'}]}\n"
    assert error(text) == (8, "repositories[0].policy", "only used with access: custom")


POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "ecr:BatchGetImage",
            }
        ],
    }
)


def test_policy_as_json_string_becomes_a_dict():
    loaded = load(BASE + f"    access: custom\n    policy: '{POLICY}'\n")
    policy = loaded.spec.repositories[0].policy
    assert isinstance(policy, dict)
    assert policy["Statement"][0]["Action"] == "ecr:BatchGetImage"


def test_policy_as_yaml_mapping():
    text = BASE + (
        "    access: custom\n"
        "    policy:\n"
        "      Statement:\n"
        "        Effect: Allow\n"
        "        Principal: {AWS: '123456789012'}\n"
        "        Action: [ecr:BatchGetImage]\n"
    )
    assert load(text).spec.repositories[0].policy == {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "123456789012"},
            "Action": ["ecr:BatchGetImage"],
        }
    }


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("'{\"Statement\": '", "must be a JSON object: Expecting value at line 1 column 15"),
        ("'[1, 2]'", "must be a JSON object (a policy document)"),
        ("{Version: '2012-10-17'}", "needs a Statement (a statement or a list of statements)"),
        ("{Statement: []}", "Statement must be a statement or a non-empty list of statements"),
        ("{Statement: [{Principal: '*', Action: x}]}", "Statement[0] needs Effect: Allow or Deny"),
        ("{Statement: [{Effect: Allow, Principal: '*'}]}", "Statement[0] needs Action"),
        (
            "{Statement: [{Effect: Allow, Action: x}]}",
            "Statement[0] needs Principal (a repository policy says who may act)",
        ),
    ],
)
def test_policy_structure(policy: str, message: str):
    assert error(BASE + f"    access: custom\n    policy: {policy}\n") == (
        9,
        "repositories[0].policy",
        message,
    )


# -- lifecycle ----------------------------------------------------------------------------------


def rules(*lines: str) -> str:
    return BASE + "    lifecycle:\n" + "".join(f"      - {line}\n" for line in lines)


RAW_SELECTION = "tagStatus: any, countType: imageCountMoreThan, countNumber: 1"
RAW_RULE = f"{{rulePriority: 1, selection: {{{RAW_SELECTION}}}, action: {{type: expire}}}}"


def test_lifecycle_and_lifecycle_policy_are_exclusive():
    text = rules("{select: untagged, expire_after_days: 1}") + (
        f"    lifecycle_policy: {{rules: [{RAW_RULE}]}}\n"
    )
    assert error(text) == (
        10,
        "repositories[0].lifecycle_policy",
        "use either lifecycle or lifecycle_policy, not both",
    )


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("{}", "must be {rules: [...]} with at least one rule"),
        ("{rules: [], extra: 1}", "must be {rules: [...]} with at least one rule"),
        (
            "{rules: [{selection: {}, action: {}}]}",
            "rules[0] needs rulePriority (a positive integer)",
        ),
        (
            f"{{rules: [{RAW_RULE}, {RAW_RULE}]}}",
            "rules[1]: rulePriority 1 is also used by rules[0]",
        ),
        ("{rules: [{rulePriority: 1, action: {}}]}", "rules[0] needs selection (a mapping)"),
        ("{rules: [{rulePriority: 1, selection: {}}]}", "rules[0] needs action (a mapping)"),
    ],
)
def test_lifecycle_policy_structure(policy: str, message: str):
    assert error(BASE + f"    lifecycle_policy: {policy}\n") == (
        8,
        "repositories[0].lifecycle_policy",
        message,
    )


def test_rule_needs_keep_last_or_expire_after_days():
    assert error(rules("{select: untagged}")) == (
        9,
        "repositories[0].lifecycle[0]",
        "needs keep_last or expire_after_days",
    )


def test_rule_takes_only_one_of_keep_last_and_expire_after_days():
    assert error(rules("{select: untagged, keep_last: 1, expire_after_days: 2}")) == (
        9,
        "repositories[0].lifecycle[0].expire_after_days",
        "use keep_last or expire_after_days, not both",
    )


def test_keep_last_must_be_a_positive_integer():
    assert errors(rules("{select: untagged, keep_last: 0}", "{select: any, keep_last: 1.5}")) == [
        (9, "repositories[0].lifecycle[0].keep_last", "must be at least 1"),
        (10, "repositories[0].lifecycle[1].keep_last", "must be an integer"),
    ]


def test_tag_prefixes_only_with_tagged():
    assert error(rules("{select: untagged, tag_prefixes: [a], keep_last: 1}")) == (
        9,
        "repositories[0].lifecycle[0].tag_prefixes",
        "only used with select: tagged",
    )


def test_tagged_needs_prefixes_or_patterns():
    assert error(rules("{select: tagged, keep_last: 1}")) == (
        9,
        "repositories[0].lifecycle[0].select",
        "tagged needs tag_prefixes or tag_patterns",
    )


def test_tagged_takes_prefixes_or_patterns_not_both():
    assert error(
        rules("{select: tagged, tag_prefixes: [a], tag_patterns: ['b*'], keep_last: 1}")
    ) == (
        9,
        "repositories[0].lifecycle[0].tag_patterns",
        "use tag_prefixes or tag_patterns, not both",
    )


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        (
            "{select: tagged, tag_prefixes: ['v*'], keep_last: 1}",
            "tag_prefixes[0]",
            "'*' is only allowed in tag_patterns (got 'v*')",
        ),
        (
            "{select: tagged, tag_prefixes: ['v 1'], keep_last: 1}",
            "tag_prefixes[0]",
            "must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-' (got 'v 1')",
        ),
        (
            "{select: tagged, tag_prefixes: [], keep_last: 1}",
            "tag_prefixes",
            "must have at least 1 item",
        ),
        (
            "{select: tagged, tag_patterns: ['*a*b*c*d*'], keep_last: 1}",
            "tag_patterns[0]",
            "at most 4 '*' wildcards per pattern (got '*a*b*c*d*')",
        ),
        (
            "{select: tagged, tag_patterns: ['re\"lease*'], keep_last: 1}",
            "tag_patterns[0]",
            "must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-', '*' (got 're\"lease*')",
        ),
    ],
)
def test_tag_prefix_and_pattern_text(rule: str, path: str, message: str):
    assert error(rules(rule)) == (9, f"repositories[0].lifecycle[0].{path}", message)


def test_any_rule_must_be_last():
    text = rules("{select: any, expire_after_days: 9}", "{select: untagged, expire_after_days: 1}")
    assert error(text) == (
        9,
        "repositories[0].lifecycle[0].select",
        "any must be the last rule (so only one rule may select any)",
    )


def test_only_one_any_rule():
    text = rules("{select: any, keep_last: 9}", "{select: any, expire_after_days: 1}")
    assert error(text) == (
        9,
        "repositories[0].lifecycle[0].select",
        "any must be the last rule (so only one rule may select any)",
    )


def test_at_most_50_lifecycle_rules():
    text = rules(*["{select: untagged, expire_after_days: 1}"] * 51)
    assert error(text) == (8, "repositories[0].lifecycle", "must have at most 50 items (got 51)")


def test_select_value():
    assert error(rules("{select: Tagged, tag_prefixes: [a], keep_last: 1}")) == (
        9,
        "repositories[0].lifecycle[0].select",
        "must be one of tagged, untagged, any (got 'Tagged')",
    )


def test_several_prefixes_warn_that_ecr_ands_them():
    loaded = load(rules("{select: tagged, tag_prefixes: [prod, release], keep_last: 5}"))
    assert [(w.line, w.path, w.message, w.severity) for w in loaded.warnings] == [
        (
            9,
            "repositories[0].lifecycle[0].tag_prefixes",
            "ECR selects an image only if it has a tag matching every one of these prefixes "
            "(AND, not OR); write one rule per prefix if you meant OR",
            "warning",
        )
    ]
    assert str(loaded.warnings[0]).startswith(
        "spec.yaml:9: repositories[0].lifecycle[0].tag_prefixes: warning: ECR selects"
    )


def test_several_patterns_warn_too():
    loaded = load(rules("{select: tagged, tag_patterns: ['prod*', 'v*'], keep_last: 5}"))
    assert [w.message for w in loaded.warnings] == [
        "ECR selects an image only if it has a tag matching every one of these patterns "
        "(AND, not OR); write one rule per pattern if you meant OR"
    ]


def test_description_has_no_control_characters():
    assert error(rules('{select: untagged, keep_last: 1, description: "a\\u0007b"}')) == (
        9,
        "repositories[0].lifecycle[0].description",
        "must not contain control characters",
    )


# -- iam ----------------------------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/deployer"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:iam::123456789012:role/*",
        "arn:aws:iam::123456789012:role/a/../admin",
        "arn:aws:iam::12345:role/deployer",
        "arn:aws-cn:iam::123456789012:role/deployer",
        "arn:aws:iam::123456789012:role/" + "r" * 65,
        "arn:aws:iam::123456789012:role/dеployer",  # Cyrillic е
    ],
)
def test_principals_are_role_arns(arn: str):
    assert error(BASE + f"iam: {{ci_principals: ['{arn}']}}\n") == (
        8,
        "iam.ci_principals[0]",
        f"must be an IAM role ARN like arn:aws:iam::123456789012:role/NAME (got {shown(arn)})",
    )


def test_role_arn_with_a_path_is_accepted():
    arn = "arn:aws:iam::123456789012:role/github/actions-oidc"
    assert load(
        BASE + f"iam: {{production_principals: ['{arn}']}}\n"
    ).spec.iam.production_principals == [arn]


def test_role_arns_only_without_created_roles():
    assert error(BASE + f"iam: {{production_role_arn: '{ROLE}'}}\n") == (
        8,
        "iam.production_role_arn",
        "only used with create_roles: false",
    )


def test_principals_only_with_created_roles():
    text = BASE + (
        f"    access: custom\n    policy: '{POLICY}'\n"
        f"iam: {{create_roles: false, ci_principals: ['{ROLE}']}}\n"
    )
    assert error(text) == (
        10,
        "iam.ci_principals",
        "only used with create_roles: true (these roles may assume the roles ecrrep creates)",
    )


def test_existing_roles_needed_by_restricted_access():
    assert error(BASE + "    access: restricted\niam:\n  create_roles: false\n") == (
        8,
        "repositories[0].access",
        "restricted needs iam.production_role_arn and iam.ci_role_arn "
        "when iam.create_roles is false",
    )


def test_existing_roles_needed_by_open_access():
    text = (
        BASE + f"    access: open\niam:\n  create_roles: false\n  production_role_arn: '{ROLE}'\n"
    )
    assert error(text) == (
        8,
        "repositories[0].access",
        "open needs iam.ci_role_arn when iam.create_roles is false",
    )


def test_default_access_reports_at_the_repository():
    assert error(BASE + "iam: {create_roles: false, ci_role_arn: '" + ROLE + "'}\n") == (
        7,
        "repositories[0].access",
        "restricted needs iam.production_role_arn when iam.create_roles is false",
    )


def test_existing_roles_satisfy_every_access():
    text = BASE + (
        f"iam: {{create_roles: false, production_role_arn: '{ROLE}', ci_role_arn: '{ROLE}'}}\n"
    )
    assert load(text).spec.iam.create_roles is False


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


# -- types and keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "path", "message"),
    [
        ("    scan_on_push: 'yes'\n", "repositories[0].scan_on_push", "must be true or false"),
        (
            "    tag_mutability: immutable\n",
            "repositories[0].tag_mutability",
            "must be one of IMMUTABLE, MUTABLE (got 'immutable')",
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
        "spec.yaml:8: repositories[0].tag_mutability: must be one of IMMUTABLE, MUTABLE "
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


# -- the models in code -------------------------------------------------------------------------


def test_spec_built_in_code_obeys_the_same_rules():
    with pytest.raises(ValidationError, match="is the source_region"):
        Spec(
            project="demo-project",
            source_region="us-east-1",
            destination_regions=["us-east-1"],
            repository_prefix="apps",
            repositories=[RepositorySpec(name="web")],
        )


def test_spec_built_in_code_with_valid_values():
    spec = Spec(
        project="demo-project",
        source_region="us-east-1",
        destination_regions=["eu-west-1"],
        repository_prefix="apps",
        repositories=[RepositorySpec(name="web", access="custom", policy=POLICY)],
    )
    assert spec.repositories[0].policy["Version"] == "2012-10-17"


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
