"""The `templates:` block (ecrrep/spec/templates.py): a repository's settings with a repository's
rules, plus what a creation template needs beyond them, refused at their line."""

from __future__ import annotations

from ecrrep.spec.templates import template_regions
from tests.support.spec_texts import BASE, error, load

# BASE ends at line 7 (regions us-east-1 → us-west-2); the block starts at line 8.
ROLE = "arn:aws:iam::123456789012:role/creator"
KEY = "arn:aws:kms:{region}:123456789012:key/11111111-2222-3333-4444-555555555555"
MRK = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"


def with_templates(*lines: str) -> str:
    return BASE + "templates:\n" + "".join(f"  {line}\n" for line in lines)


def test_absent_means_not_managed():
    assert load(BASE).spec.templates is None


def test_defaults_are_a_repository_s_for_replication():
    templates = load(BASE + "templates: {}\n").spec.templates
    assert templates is not None
    assert (templates.applied_for, templates.tag_mutability, templates.encryption,
            templates.access, templates.lifecycle, templates.resource_tags) == (
        ["REPLICATION"], "IMMUTABLE", "AES256", "restricted", None, {})


def test_the_template_goes_to_the_destinations_and_with_create_on_push_the_source():
    assert template_regions("us-east-1", ["us-west-2", "eu-west-1"], ["REPLICATION"]) == [
        "us-west-2", "eu-west-1"]
    assert template_regions("us-east-1", ["us-west-2"], ["REPLICATION", "CREATE_ON_PUSH"]) == [
        "us-east-1", "us-west-2"]


def test_replication_must_be_among_the_uses():
    assert error(with_templates("applied_for: [CREATE_ON_PUSH]")) == (
        9, "templates.applied_for", "must include REPLICATION: the template gives the "
        "repositories that replication creates in the destinations their settings")


def test_pull_through_cache_is_not_offered():
    assert error(with_templates("applied_for: [PULL_THROUGH_CACHE]")) == (
        9, "templates.applied_for[0]",
        "must be one of REPLICATION, CREATE_ON_PUSH (got 'PULL_THROUGH_CACHE')")


def test_a_use_listed_twice():
    assert error(with_templates("applied_for: [REPLICATION, REPLICATION]")) == (
        9, "templates.applied_for", "REPLICATION is listed twice")


def test_a_template_takes_no_kms_alias():
    assert error(with_templates("encryption: KMS", "kms_key: alias/ecr", f"role_arn: {ROLE}")) == (
        10, "templates.kms_key", "a creation template takes a key ARN, not an alias (got "
        "'alias/ecr'): use a multi-Region key ARN (key/mrk-…) or a mapping of each region to "
        "its key ARN")


def test_kms_needs_a_role_as_aws_says():
    assert error(with_templates("encryption: KMS", f"kms_key: {MRK}")) == (
        8, "templates", "role_arn: needed with encryption: KMS or resource_tags: ECR creates "
        "such repositories only through a role you give it (customRoleArn)")


def test_resource_tags_need_a_role_too_and_never_carry_the_ownership_tag():
    assert error(with_templates("resource_tags: {Team: DevOps}")) == (
        8, "templates", "role_arn: needed with encryption: KMS or resource_tags: ECR creates "
        "such repositories only through a role you give it (customRoleArn)")
    assert error(with_templates(f"role_arn: {ROLE}", "resource_tags: {ecrrep:project: x}")) == (
        10, "templates.resource_tags", "ecrrep:project cannot be set here: the repositories ECR "
        "creates from the template are not this project's (the spec does not list them; "
        "destroy leaves them)")


def test_a_single_region_key_is_refused_where_the_template_is_written():
    assert error(with_templates("encryption: KMS", f"kms_key: {KEY.format(region='us-east-1')}",
                                f"role_arn: {ROLE}")) == (
        8, "templates", "kms_key: the single-Region key "
        "'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555' works "
        "only in us-east-1, and the template is written in us-west-2: use a multi-Region key "
        "ARN (key/mrk-…) or a mapping of each region to its key ARN")


def test_a_mapping_names_the_regions_where_the_template_applies():
    west = KEY.format(region="us-west-2")
    # REPLICATION only: the destinations are enough.
    spec = load(with_templates("encryption: KMS", f"kms_key: {{us-west-2: '{west}'}}",
                               f"role_arn: {ROLE}")).spec
    assert spec.templates is not None and spec.templates.kms_key_for("us-west-2") == west
    # With CREATE_ON_PUSH the source region needs its key too.
    assert error(with_templates("applied_for: [REPLICATION, CREATE_ON_PUSH]", "encryption: KMS",
                                f"kms_key: {{us-west-2: '{west}'}}", f"role_arn: {ROLE}")) == (
        8, "templates", "kms_key: no key for us-east-1: a mapping names the key of the source "
        "region and of every destination region")


def test_a_repository_s_rules_apply_to_the_block():
    assert error(with_templates("tag_mutability: IMMUTABLE_WITH_EXCLUSION")) == (
        8, "templates", "tag_mutability: IMMUTABLE_WITH_EXCLUSION needs "
        "tag_mutability_exclusions (the tags it excludes, e.g. [latest, dev-*])")
    assert error(with_templates("access: custom")) == (
        8, "templates", "access: custom needs policy (the repository policy document)")
    assert error(with_templates("lifecycle: [{select: untagged, keep_last: 2}]",
                                "lifecycle_policy: {rules: [{rulePriority: 1, selection: "
                                "{tagStatus: any, countType: imageCountMoreThan, "
                                "countNumber: 1}, action: {type: expire}}]}")) == (
        8, "templates", "lifecycle_policy: use either lifecycle or lifecycle_policy, not both")


def test_an_unknown_key_is_named():
    assert error(with_templates("tag_mutabilty: MUTABLE")) == (
        9, "templates.tag_mutabilty", "unknown key 'tag_mutabilty' (did you mean "
        "'tag_mutability'?)")


def test_a_policy_longer_than_a_template_takes_is_refused():
    roles = ", ".join(f"'arn:aws:iam::123456789012:role/puller-{n:04d}'" for n in range(200))
    policy = ("{Version: '2012-10-17', Statement: [{Sid: Pull, Effect: Allow, "
              f"Principal: {{AWS: [{roles}]}}, Action: ['ecr:BatchGetImage']}}]}}")
    line, path, message = error(with_templates("access: custom", f"policy: {policy}"))
    assert (line, path) == (8, "templates")
    assert message.startswith("policy: the repository policy would be ")
    assert message.endswith(" characters; a creation template takes at most 10240")
