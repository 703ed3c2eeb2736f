"""The rules of SPEC §2 that relate values of a repository (encryption and access, lifecycle
rules, IAM roles and principals), also for a spec built in code: one test per kind of
mistake, with its exact line, path and message."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from ecrrep.spec.models import RepositorySpec, Spec
from ecrrep.spec.rules import shown
from tests.support.spec_texts import BASE, error, errors, load

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
