"""Custom repository policies and raw lifecycle policies: who they name, what they grant,
whether they open a repository to anyone, and the types of their fields; each problem with its
line, path and exact message."""

from __future__ import annotations

import json

import pytest

from ecrrep.spec import policy_rules
from ecrrep.spec.policy_rules import ecr_actions
from tests.support.spec_texts import BASE as SPEC_BASE
from tests.support.spec_texts import errors, load, warnings

# Lines 1..8: the shared spec with a custom policy; a test appends the policy from line 9.
BASE = SPEC_BASE + "    access: custom\n"
STATEMENT_PATH = "repositories[0].policy.Statement[0]"
AWS_HELP = ("must be a 12-digit account id, an IAM ARN (arn:aws:iam::ACCOUNT:root, "
            "arn:aws:iam::ACCOUNT:role/NAME, arn:aws:iam::ACCOUNT:user/NAME) or '*'")


def with_statement(principal: str, action: str, extra: str = "") -> str:
    """The policy in block style: Statement[0] at line 11, Principal 12, Action 13."""
    return BASE + (
        f"{extra}"
        "    policy:\n"
        "      Statement:\n"
        "        - Effect: Allow\n"
        f"          Principal: {principal}\n"
        f"          Action: {action}\n"
    )








# -- principals --------------------------------------------------------------------------------


@pytest.mark.parametrize("principal", [
    "'123456789012'",
    "arn:aws:iam::123456789012:root",
    "arn:aws:iam::123456789012:role/deployer",
    "arn:aws:iam::123456789012:role/github/actions",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:sts::123456789012:assumed-role/deployer/session-1",
    "['123456789012', 'arn:aws:iam::210987654321:root']",
])
def test_account_ids_and_iam_arns_are_principals(principal: str):
    loaded = load(with_statement(f"{{AWS: {principal}}}", "ecr:BatchGetImage"))
    assert loaded.warnings == []


def test_a_service_principal_is_accepted():
    assert load(with_statement("{Service: codebuild.amazonaws.com}", "ecr:BatchGetImage"))


@pytest.mark.parametrize("principal", [
    "garbage", "'12345'", "arn:aws:iam::123456789012:role/*", "arn:aws-cn:iam::123456789012:root",
    "arn:aws:s3:::bucket", "'arn:aws:iam::*:root'",
])
def test_an_aws_principal_that_is_no_account_nor_arn_is_refused(principal: str):
    text = with_statement(f"{{AWS: {principal}}}", "ecr:BatchGetImage")
    value = principal.strip("'")
    assert errors(text) == [(12, f"{STATEMENT_PATH}.Principal.AWS", f"{AWS_HELP} (got {value!r})")]


def test_each_bad_principal_of_a_list_has_its_own_path():
    text = with_statement("{AWS: ['123456789012', garbage, 42]}", "ecr:BatchGetImage")
    assert errors(text) == [
        (12, f"{STATEMENT_PATH}.Principal.AWS[1]", f"{AWS_HELP} (got 'garbage')"),
        (12, f"{STATEMENT_PATH}.Principal.AWS[2]", f"{AWS_HELP} (got 42)"),
    ]


def test_a_bad_service_principal_and_another_kind_of_principal():
    text = with_statement("{Service: codebuild, Federated: cognito-identity.amazonaws.com}",
                          "ecr:BatchGetImage")
    assert errors(text) == [
        (12, f"{STATEMENT_PATH}.Principal.Federated",
         "a repository policy names AWS principals (accounts, roles, users) or Service "
         "principals, not 'Federated'"),
        (12, f"{STATEMENT_PATH}.Principal.Service",
         "must be a service principal such as codebuild.amazonaws.com (got 'codebuild')"),
    ]


def test_a_principal_that_is_neither_a_star_nor_a_mapping():
    assert errors(with_statement("everyone", "ecr:BatchGetImage")) == [
        (12, f"{STATEMENT_PATH}.Principal",
         "must be '*' or a mapping such as {AWS: ACCOUNT-ID-OR-ARN}"),
    ]


# -- actions -----------------------------------------------------------------------------------


def test_actions_outside_ecr_and_actions_ecr_does_not_have_are_refused():
    text = with_statement("{AWS: '123456789012'}",
                          "[s3:GetObject, ecr:BatchGetImages, 'ecr:Foo*', '*', iam, 7]")
    path = f"{STATEMENT_PATH}.Action"
    assert errors(text) == [
        (13, f"{path}[0]",
         "'s3:GetObject' is not an ECR action: a repository policy grants only ecr: actions"),
        (13, f"{path}[1]",
         "'ecr:BatchGetImages' is not an ECR action (did you mean 'ecr:BatchGetImage'?)"),
        (13, f"{path}[2]", "'ecr:Foo*' matches no ECR action"),
        (13, f"{path}[3]",
         "'*' is every action of every service; write ecr:* for every ECR action"),
        (13, f"{path}[4]",
         "'iam' is not an ECR action: a repository policy grants only ecr: actions"),
        (13, f"{path}[5]", "must be an action such as ecr:BatchGetImage (got 7)"),
    ]


@pytest.mark.parametrize("action", [
    "ecr:BatchGetImage", "ECR:batchgetimage", "'ecr:Get*'", "'ecr:Describe?mages'",
    "ecr:ReplicateImage", "ecr:BatchImportUpstreamImage",
])
def test_ecr_actions_any_case_and_wildcards_that_match_are_accepted(action: str):
    assert load(with_statement("{AWS: '123456789012'}", action))


def test_not_action_is_checked_like_action():
    text = BASE + ("    policy: {Statement: [{Effect: Deny, Principal: {AWS: '123456789012'}, "
                   "NotAction: [s3:GetObject]}]}\n")
    assert errors(text) == [
        (9, "repositories[0].policy.Statement[0].NotAction[0]",
         "'s3:GetObject' is not an ECR action: a repository policy grants only ecr: actions"),
    ]


def test_every_action_of_botocores_ecr_model_is_known():
    assert {"BatchGetImage", "PutImage", "SetRepositoryPolicy", "DeleteRepository"} <= ecr_actions()


# -- anyone ------------------------------------------------------------------------------------

# ECR's write actions as botocore's model lists them: the count grows with new botocore
# releases, so it is counted, not written down.
WRITE_ACTIONS = sum(1 for a in policy_rules.ecr_actions() if not policy_rules._is_read(a))
ANYONE_WRITES = (
    "lets anyone, in any AWS account, push, delete or change policy: ecr:PutImage, "
    f"ecr:BatchDeleteImage, ecr:DeleteRepository and {WRITE_ACTIONS - 3} more write actions"
)


@pytest.mark.parametrize("principal", ["'*'", "{AWS: '*'}", "{AWS: ['123456789012', '*']}"])
def test_anyone_may_push_or_delete_is_refused_without_allow_public(principal: str):
    assert errors(with_statement(principal, "'ecr:*'")) == [
        (11, STATEMENT_PATH,
         f"{ANYONE_WRITES}; set allow_public: true on this repository if that is meant"),
    ]


def test_one_public_write_is_named():
    assert errors(with_statement("'*'", "[ecr:BatchGetImage, ecr:SetRepositoryPolicy]")) == [
        (11, STATEMENT_PATH,
         "lets anyone, in any AWS account, push, delete or change policy: "
         "ecr:SetRepositoryPolicy; set allow_public: true on this repository if that is meant"),
    ]


def test_not_principal_with_allow_lets_anyone_else():
    text = BASE + ("    policy: {Statement: [{Effect: Allow, NotPrincipal: {AWS: '123456789012'}, "
                   "Action: ecr:PutImage}]}\n")
    assert errors(text)[0][2].startswith(
        "lets anyone, in any AWS account, push, delete or change policy: ecr:PutImage;")


def test_allow_public_lets_it_through_with_a_warning():
    text = with_statement("'*'", "'ecr:*'", extra="    allow_public: true\n")
    assert warnings(text) == [
        (12, STATEMENT_PATH, f"{ANYONE_WRITES} (allowed by allow_public: true)")]


def test_public_pull_only_is_a_warning():
    text = with_statement("{AWS: '*'}", "[ecr:BatchGetImage, 'ecr:Get*', 'ecr:Describe*']")
    assert warnings(text) == [
        (11, STATEMENT_PATH, "lets anyone, in any AWS account, pull these images")]


def test_a_deny_for_anyone_is_no_public_access():
    text = with_statement("'*'", "'ecr:*'").replace("Effect: Allow", "Effect: Deny")
    assert load(text).warnings == []


def test_a_json_string_policy_is_checked_on_its_own_line():
    policy = json.dumps({"Statement": {"Effect": "Allow", "Principal": "*",
                                       "Action": "ecr:PutImage"}})
    [(line, path, message)] = errors(BASE + f"    policy: '{policy}'\n")
    assert (line, path) == (9, "repositories[0].policy.Statement")
    assert message.startswith("lets anyone, in any AWS account, push, delete or change policy")


def test_allow_public_only_with_custom_access():
    text = BASE.replace("access: custom", "access: open") + "    allow_public: true\n"
    assert errors(text) == [(9, "repositories[0].allow_public", "only used with access: custom")]


def test_a_spec_built_in_code_obeys_the_same_rules():
    from pydantic import ValidationError

    from ecrrep.spec.models import Spec

    with pytest.raises(ValidationError, match="Principal.AWS"):
        Spec.model_validate({
            "project": "demo-project", "source_region": "us-east-1",
            "destination_regions": ["us-west-2"], "repository_prefix": "apps",
            "repositories": [{"name": "web", "access": "custom", "policy": {
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "garbage"},
                               "Action": "ecr:BatchGetImage"}]}}],
        })


# -- raw lifecycle policies --------------------------------------------------------------------

SELECTION = "tagStatus: tagged, countType: imageCountMoreThan, countNumber: 3"


def lifecycle(selection: str, action: str = "{type: expire}", extra: str = "") -> str:
    text = BASE.replace("    access: custom\n", "")
    return text + (f"    lifecycle_policy: {{rules: [{{rulePriority: 1{extra}, "
                   f"selection: {{{selection}}}, action: {action}}}]}}\n")


def test_a_well_typed_raw_lifecycle_policy_loads():
    assert load(lifecycle(SELECTION + ", tagPrefixList: [prod]"))


@pytest.mark.parametrize(("selection", "message"), [
    (SELECTION + ", tagPrefixList: prod",
     "rules[0].selection.tagPrefixList must be a non-empty list of strings (got the string "
     "'prod')"),
    (SELECTION + ", tagPatternList: [prod*, 3]",
     "rules[0].selection.tagPatternList must be a non-empty list of strings (got ['prod*', 3])"),
    (SELECTION + ", tagPrefixList: []",
     "rules[0].selection.tagPrefixList must be a non-empty list of strings (got [])"),
    ("tagStatus: tagged, countType: 5, countNumber: 3",
     "rules[0].selection.countType must be a string (got 5)"),
    ("tagStatus: tagged, countType: imageCountMoreThan, countNumber: '3'",
     "rules[0].selection.countNumber must be a positive integer (got the string '3')"),
    ("tagStatus: tagged, countType: imageCountMoreThan",
     "rules[0].selection.countNumber must be a positive integer (got nothing)"),
    ("tagStatus: Tagged, countType: imageCountMoreThan, countNumber: 3",
     "rules[0].selection.tagStatus must be tagged, untagged or any (got the string 'Tagged')"),
    (SELECTION + ", countUnit: [days]",
     "rules[0].selection.countUnit must be a string (got ['days'])"),
])
def test_a_raw_lifecycle_field_of_the_wrong_type_fails_with_its_path(selection, message):
    assert errors(lifecycle(selection)) == [(8, "repositories[0].lifecycle_policy", message)]


def test_a_raw_lifecycle_action_and_description_of_the_wrong_type():
    assert errors(lifecycle(SELECTION, action="{type: [expire]}")) == [
        (8, "repositories[0].lifecycle_policy",
         "rules[0].action.type must be a string (got ['expire'])")]
    assert errors(lifecycle(SELECTION, extra=", description: {a: b}")) == [
        (8, "repositories[0].lifecycle_policy",
         "rules[0].description must be a string (got {'a': 'b'})")]


def test_a_huge_invalid_value_is_shown_cut_to_80_characters():
    huge = "p" * 100_000
    [(_, _, message)] = errors(lifecycle(SELECTION + f", tagPrefixList: {huge}"))
    shown = "'" + "p" * 58 + "…" + "p" * 19 + "'"
    assert message == ("rules[0].selection.tagPrefixList must be a non-empty list of strings "
                       f"(got the string {shown})")
    assert len(shown) == 80
