"""Every class of spec error, through the installed command: the exact line a user sees,
exit 1, and an account that nothing touched."""

from __future__ import annotations

import pytest

from ecrrep.spec import policy_rules
from tests.support.e2e_account import account_is_empty
from tests.support.specs import EXAMPLE_SPEC

pytestmark = pytest.mark.e2e

BASE = EXAMPLE_SPEC.read_text()

# (name, text replaced, replacement, the line that replacement lands on → expected message)
CASES = [
    ("unknown key", "    tag_mutability: IMMUTABLE", "    tag_mutabilty: IMMUTABLE",
     "repositories[0].tag_mutabilty: unknown key 'tag_mutabilty' "
     "(did you mean 'tag_mutability'?)"),
    ("unknown region", "destination_regions: [us-west-2, eu-west-1]",
     "destination_regions: [us-west-2, eu-west-9]",
     "destination_regions[1]: unknown AWS region 'eu-west-9' (did you mean 'eu-west-1'?)"),
    ("destination is the source", "destination_regions: [us-west-2, eu-west-1]",
     "destination_regions: [us-west-2, us-east-1]",
     "destination_regions[1]: 'us-east-1' is the source_region, not a destination"),
    ("project name too long", "project: container-registry-replication", "project: " + "a" * 40,
     "project: must be 3..32 characters of a-z, 0-9 and '-' (got '" + "a" * 40 + "')"),
    ("repository name too long after prefixing", "repository_prefix: my-company-apps",
     "repository_prefix: " + "a" * 248,
     None),  # reported on the repository's own line: see test below
    ("wildcard injected into the prefix", "repository_prefix: my-company-apps",
     'repository_prefix: "my-company-apps/*"',
     "repository_prefix: must be lowercase letters and digits, separated by single '.', '_', "
     "'-' or '/' (got 'my-company-apps/*')"),
    ("keep_last and expire_after_days together",
     "{select: tagged, tag_prefixes: [prod], keep_last: 15}",
     "{select: tagged, tag_prefixes: [prod], keep_last: 15, expire_after_days: 3}",
     "repositories[0].lifecycle[0].expire_after_days: use keep_last or expire_after_days, "
     "not both"),
    ("any rule not last",
     "      - {select: tagged, tag_prefixes: [test], keep_last: 8}\n"
     "      - {select: any, expire_after_days: 7}",
     "      - {select: any, expire_after_days: 7}\n"
     "      - {select: tagged, tag_prefixes: [test], keep_last: 8}",
     "repositories[1].lifecycle[0].select: any must be the last rule (so only one rule may "
     "select any)"),
    ("tag list without tagged", "{select: untagged, expire_after_days: 2}",
     "{select: untagged, tag_prefixes: [x], expire_after_days: 2}",
     "repositories[0].lifecycle[1].tag_prefixes: only used with select: tagged"),
    ("email", "email: devops@company.com", "email: not-an-email",
     "notifications.email: must be an email address (got 'not-an-email')"),
    ("schedule", "schedule: cron(0 2 * * ? *)", "schedule: cron(99 99 * * ? *)",
     "cleanup.schedule: cron minutes field '99' is invalid (allowed: 0-59 and , - * /)"),
    ("retention for an unknown repository", "retention_days: {production: 90, testing: 7}",
     "retention_days: {production: 90, tesing: 7}",
     "cleanup.retention_days.tesing: no repository named 'tesing' in this spec "
     "(did you mean 'testing'?)"),
    ("KMS without a key", "    encryption: AES256", "    encryption: KMS",
     "repositories[0].encryption: KMS needs kms_key (a KMS key ARN or alias/NAME)"),
    ("single-Region KMS key", "    encryption: AES256",
     "    kms_key: arn:aws:kms:us-east-1:123456789012:key/"
     "11111111-2222-3333-4444-555555555555\n    encryption: KMS",
     "repositories[0].kms_key: the single-Region key 'arn:aws:kms:us-east-1:123456789012:key/"
     "11111111-2222-3333-4444-555555555555' works only in us-east-1, and this repository is in "
     "us-east-1, us-west-2, eu-west-1: use an alias, a multi-Region key (mrk-…) or a key per "
     "region"),
    ("trust policy over IAM's limit", "  # production_principals: [arn:aws:iam::123456789012:"
     "role/deployer]",
     "  production_principals: [" + ", ".join(
         f"arn:aws:iam::123456789012:role/github-actions-deployer-{i}" for i in range(40)) + "]",
     "iam.production_principals: the trust policy of the role "
     "container-registry-replication-ecr-production would be 2635 characters with these 40 "
     "principals; IAM takes at most 2048 (its default quota): list fewer roles"),
]


def expected_line(text: str, new: str, message: str | None) -> str:
    if message is None:  # the long-prefix case: the error names the repository it breaks
        name = "a" * 58 + "…" + "a" * 8 + "/production"  # a long value is shown cut
        return (f"ecrrep.yaml:{line_of(text, '  - name: production')}: repositories[0].name: "
                f"the full repository name '{name}' (259 characters) is not a valid ECR name "
                "of 2..256 characters")
    return f"ecrrep.yaml:{line_of(text, new)}: {message}"


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize("name, old, new, message", CASES, ids=[c[0] for c in CASES])
def test_spec_error_is_reported_with_file_and_line_and_nothing_is_sent(
        cli, aws, write_spec, name, old, new, message):
    assert old in BASE
    text = BASE.replace(old, new, 1)
    write_spec(text=text)
    result = cli("apply", "--auto-approve")
    assert result.returncode == 1
    expected = expected_line(text, new, message)
    assert result.stderr.splitlines() == [
        expected, "Error: the spec has 1 error; nothing was sent to AWS"]
    assert result.stdout == ""
    assert account_is_empty(aws)


def test_every_error_in_the_file_is_reported_at_once(cli, aws, write_spec):
    text = BASE
    for _, old, new, _ in (CASES[0], CASES[1], CASES[9]):
        text = text.replace(old, new, 1)
    write_spec(text=text)
    result = cli("plan")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("ecrrep.yaml:")]
    assert [int(line.split(":")[1]) for line in errors] == sorted(
        line_of(text, new) for _, _, new, _ in (CASES[0], CASES[1], CASES[9]))
    assert result.stderr.splitlines()[-1] == "Error: the spec has 3 errors; nothing was sent to AWS"


def test_a_broken_spec_leaves_an_existing_setup_untouched(cli, aws, write_spec):
    write_spec()
    assert cli("apply", "--auto-approve").returncode == 0
    before = aws.client("ecr", "us-west-2").describe_repositories()["repositories"]
    write_spec(text=BASE.replace("    tag_mutability: IMMUTABLE", "    tag_mutability: MUTABLE")
               .replace("project: container-registry-replication", "project: X"))
    result = cli("apply", "--auto-approve")
    assert result.returncode == 1
    assert aws.client("ecr", "us-west-2").describe_repositories()["repositories"] == before


def test_diagnostics_are_never_wrapped_on_a_narrow_terminal(cli, aws, write_spec):
    text = BASE.replace(CASES[0][1], CASES[0][2], 1)
    write_spec(text=text)
    result = cli("plan", env={"COLUMNS": "40"})
    assert f"ecrrep.yaml:{line_of(text, CASES[0][2])}: {CASES[0][3]}" in result.stderr.splitlines()


def test_multi_prefix_rule_warns_but_plans(cli, aws, write_spec):
    text = BASE.replace("tag_prefixes: [prod], keep_last: 15", "tag_prefixes: [prod, release], "
                        "keep_last: 15", 1)
    write_spec(text=text)
    result = cli("plan")
    assert result.returncode == 0
    warning = next(line for line in result.stderr.splitlines() if "warning:" in line)
    assert warning.startswith(f"ecrrep.yaml:{line_of(text, 'prod, release')}: "
                              "repositories[0].lifecycle[0].tag_prefixes: warning: ")
    assert "AND, not OR" in warning


def test_missing_spec_file_is_one_line(cli, aws):
    result = cli("plan")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: no spec file: neither ecrrep.yaml nor config.yaml is here (pass -c FILE or set "
        "ECRREP_CONFIG)")


def test_schema_is_json_schema_of_the_spec(cli, aws):
    import json

    result = cli("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert "repositories" in schema["properties"]
    assert schema["additionalProperties"] is False


# -- custom repository policies -----------------------------------------------------------------

STATEMENT = "repositories[0].policy.Statement[0]"
# ECR's write actions as botocore's model lists them: the count grows with new botocore
# releases, so it is counted, not written down.
WRITE_ACTIONS = sum(1 for a in policy_rules.ecr_actions() if not policy_rules._is_read(a))
ANYONE_WRITES = (f"{STATEMENT}: lets anyone, in any AWS account, push, delete or change "
                 "policy: ecr:PutImage, ecr:BatchDeleteImage, ecr:DeleteRepository and "
                 f"{WRITE_ACTIONS - 3} more write actions")


def custom_policy(principal: str, action: str, allow_public: bool = False) -> str:
    """The example with its first repository's access a custom policy; the statement, its
    Principal and its Action each on a line of its own."""
    return BASE.replace("    access: restricted\n", (
        "    access: custom\n"
        + ("    allow_public: true\n" if allow_public else "")
        + "    policy:\n"
        "      Version: '2012-10-17'\n"
        "      Statement:\n"
        "        - Sid: Shared\n"
        "          Effect: Allow\n"
        f"          Principal: {principal}\n"
        f"          Action: {action}\n"), 1)


# (name, Principal, Action, the text on the line reported, the message after FILE:LINE: )
POLICY_CASES = [
    ("principal that is no account nor ARN", "{AWS: garbage}", "[ecr:BatchGetImage]",
     "Principal:",
     f"{STATEMENT}.Principal.AWS: must be a 12-digit account id, an IAM ARN "
     "(arn:aws:iam::ACCOUNT:root, arn:aws:iam::ACCOUNT:role/NAME, arn:aws:iam::ACCOUNT:user/NAME) "
     "or '*' (got 'garbage')"),
    ("action outside ecr", "{AWS: '123456789012'}", "[s3:GetObject]", "Action:",
     f"{STATEMENT}.Action[0]: 's3:GetObject' is not an ECR action: a repository policy grants "
     "only ecr: actions"),
    ("action ECR does not have", "{AWS: '123456789012'}", "[ecr:BatchGetImages]", "Action:",
     f"{STATEMENT}.Action[0]: 'ecr:BatchGetImages' is not an ECR action (did you mean "
     "'ecr:BatchGetImage'?)"),
    ("anyone may push and delete", "'*'", "'ecr:*'", "- Sid: Shared",
     f"{ANYONE_WRITES}; set allow_public: true on this repository if that is meant"),
    ("anyone as {AWS: '*'} may push", "{AWS: '*'}", "[ecr:BatchGetImage, ecr:PutImage]",
     "- Sid: Shared",
     f"{STATEMENT}: lets anyone, in any AWS account, push, delete or change policy: "
     "ecr:PutImage; set allow_public: true on this repository if that is meant"),
]


@pytest.mark.parametrize("name, principal, action, at, message", POLICY_CASES,
                         ids=[c[0] for c in POLICY_CASES])
def test_a_bad_repository_policy_is_refused_at_its_line_and_nothing_is_sent(
        cli, aws, write_spec, name, principal, action, at, message):
    text = custom_policy(principal, action)
    write_spec(text=text)

    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"ecrrep.yaml:{line_of(text, at)}: {message}",
        "Error: the spec has 1 error; nothing was sent to AWS"]
    assert result.stdout == ""
    assert account_is_empty(aws)


def test_a_public_push_policy_leaves_an_existing_setup_untouched(cli, aws, write_spec):
    write_spec()
    assert cli("apply", "--auto-approve").returncode == 0
    name = "my-company-apps/production"
    before = {region: aws.client("ecr", region).get_repository_policy(repositoryName=name)
              ["policyText"] for region in ("us-east-1", "us-west-2", "eu-west-1")}

    write_spec(text=custom_policy("'*'", "'ecr:*'"))
    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "Error: the spec has 1 error; nothing was sent to AWS"
    for region, text in before.items():
        assert aws.client("ecr", region).get_repository_policy(
            repositoryName=name)["policyText"] == text


@pytest.mark.parametrize("principal, action, allow_public, message", [
    ("{AWS: '*'}", "[ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]", False,
     f"{STATEMENT}: warning: lets anyone, in any AWS account, pull these images"),
    ("'*'", "'ecr:*'", True,
     f"{ANYONE_WRITES.replace(': lets', ': warning: lets')} (allowed by allow_public: true)"),
], ids=["pull only", "allow_public"])
def test_public_access_that_is_allowed_is_a_warning_before_the_plan(
        cli, aws, write_spec, principal, action, allow_public, message):
    text = custom_policy(principal, action, allow_public)
    write_spec(text=text)

    result = cli("plan")

    assert result.returncode == 0, result.stderr
    assert f"ecrrep.yaml:{line_of(text, '- Sid: Shared')}: {message}" in result.stderr.splitlines()
    assert "my-company-apps/production" in result.stdout
    assert account_is_empty(aws)
