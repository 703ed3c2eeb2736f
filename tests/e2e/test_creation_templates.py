"""Repository creation templates end to end (`templates:`): the installed `ecrrep` against the
sandbox; the templates, and the repositories ECR creates from them when it replicates a
repository the spec does not list, checked with plain boto3."""

from __future__ import annotations

import json

import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from ecrrep.spec.documents import normalise_lifecycle_policy, normalise_policy
from tests.support.e2e_account import (
    DESTINATIONS,
    PREFIX,
    PROJECT,
    REGIONS,
    SOURCE,
    account_is_empty,
    repositories_only,
)
from tests.support.e2e_steps import apply_ok, changes_by_address, plan_json

pytestmark = pytest.mark.e2e

DELAY = 60.0  # seconds between a push in the source and the replicas, on the sandbox clock
UNLISTED = f"{PREFIX}/new-service"  # pushed by CI; not in the spec
DESCRIPTION = f"Managed by ecrrep project {PROJECT}"
ROLE = "arn:aws:iam::123456789012:role/ecr-template-creator"
LIFECYCLE = [{"select": "untagged", "expire_after_days": 7}]
LIFECYCLE_DOCUMENT = {"rules": [{
    "rulePriority": 1, "description": "Expire untagged images after 7 days",
    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                  "countUnit": "days", "countNumber": 7},
    "action": {"type": "expire"}}]}
FOREIGN = {"prefix": PREFIX, "appliedFor": ["REPLICATION"], "imageTagMutability": "MUTABLE",
           "description": "written by hand"}


def with_templates(templates: dict | None):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        if templates is not None:
            spec["templates"] = templates
    return edit


def templates_in(aws, region: str) -> dict[str, dict]:
    found = aws.client("ecr", region).describe_repository_creation_templates()
    return {t["prefix"]: t for t in found["repositoryCreationTemplates"]}


def all_templates(aws) -> dict[str, dict[str, dict]]:
    return {region: templates_in(aws, region) for region in REGIONS}


def address(region: str) -> str:
    return f"ecr_repository_creation_template.{region}.{PREFIX}"


def sids(policy_text: str) -> list[str]:
    return sorted(s["Sid"] for s in normalise_policy(policy_text)["Statement"])


def converged(cli) -> None:
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def kms_keys(aws) -> dict[str, str]:
    """A key in every destination region: ECR encrypts only with a key of its own region."""
    return {region: aws.client("kms", region).create_key()["KeyMetadata"]["Arn"]
            for region in DESTINATIONS}


def push_unlisted(aws) -> str:
    """CI creates a repository under the prefix and pushes; replication copies it."""
    settings.configure(replication_delay_seconds=DELAY)
    ecr = aws.client("ecr", SOURCE)
    ecr.create_repository(repositoryName=UNLISTED)
    digest = push_sample_image(ecr, UNLISTED, "one", ["v1"]).digest
    settings.advance(DELAY)
    return digest


def test_apply_writes_the_template_in_every_destination_and_converges(cli, aws, write_spec):
    write_spec(edit=with_templates({"lifecycle": LIFECYCLE}))
    apply_ok(cli)

    found = all_templates(aws)
    assert found[SOURCE] == {}
    for region in DESTINATIONS:
        template = found[region][PREFIX]
        assert template["appliedFor"] == ["REPLICATION"]
        assert template["description"] == DESCRIPTION
        assert template["imageTagMutability"] == "IMMUTABLE"
        assert template["encryptionConfiguration"] == {"encryptionType": "AES256"}
        assert normalise_lifecycle_policy(template["lifecyclePolicy"]) == LIFECYCLE_DOCUMENT
        assert sids(template["repositoryPolicy"]) == ["CIPushPull", "ProductionPull"]
        assert "resourceTags" not in template or template["resourceTags"] == []
    converged(cli)


def test_an_unlisted_repository_gets_the_template_s_settings_in_every_destination(
        cli, aws, write_spec):
    keys = kms_keys(aws)
    write_spec(edit=with_templates({
        "tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": ["latest"],
        "encryption": "KMS", "kms_key": keys, "role_arn": ROLE,
        "resource_tags": {"Team": "DevOps"}, "access": "open", "lifecycle": LIFECYCLE}))
    apply_ok(cli)
    converged(cli)
    digest = push_unlisted(aws)

    for region in DESTINATIONS:
        ecr = aws.client("ecr", region)
        (repository,) = ecr.describe_repositories(repositoryNames=[UNLISTED])["repositories"]
        assert repository["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
        assert repository["imageTagMutabilityExclusionFilters"] == [
            {"filterType": "WILDCARD", "filter": "latest"}]
        assert repository["encryptionConfiguration"] == {
            "encryptionType": "KMS", "kmsKey": keys[region]}
        lifecycle = ecr.get_lifecycle_policy(repositoryName=UNLISTED)["lifecyclePolicyText"]
        assert normalise_lifecycle_policy(lifecycle) == LIFECYCLE_DOCUMENT
        policy = ecr.get_repository_policy(repositoryName=UNLISTED)["policyText"]
        assert sids(policy) == ["AccountPull", "CIPushPull"]
        tags = ecr.list_tags_for_resource(resourceArn=repository["repositoryArn"])["tags"]
        assert tags == [{"Key": "Team", "Value": "DevOps"}]  # not ecrrep:project: not ours
        images = ecr.describe_images(repositoryName=UNLISTED)["imageDetails"]
        assert [i["imageDigest"] for i in images] == [digest]
    converged(cli)  # the unlisted repositories are nothing the plan manages

    result = cli("destroy", "--auto-approve")

    assert result.returncode == 0, result.stdout + result.stderr
    assert all_templates(aws) == {region: {} for region in REGIONS}
    for region in REGIONS:  # ECR created them for CI: destroy leaves them
        names = [r["repositoryName"]
                 for r in aws.client("ecr", region).describe_repositories()["repositories"]]
        assert names == [UNLISTED]


def test_a_change_is_diffed_and_applied_in_every_destination(cli, aws, write_spec):
    write_spec(edit=with_templates({"lifecycle": LIFECYCLE}))
    apply_ok(cli)
    write_spec(edit=with_templates({"tag_mutability": "MUTABLE", "access": "open"}))

    changes = changes_by_address(plan_json(cli))
    for region in DESTINATIONS:
        change = changes[address(region)]["change"]
        assert change["actions"] == ["update"]
        assert change["before"]["tag_mutability"] == "IMMUTABLE"
        assert change["after"]["tag_mutability"] == "MUTABLE"
        assert change["after"]["lifecycle_policy"] is None
    assert address(SOURCE) not in changes
    apply_ok(cli)

    for region in DESTINATIONS:
        template = templates_in(aws, region)[PREFIX]
        assert template["imageTagMutability"] == "MUTABLE"
        assert not template.get("lifecyclePolicy")
        assert sids(template["repositoryPolicy"]) == ["AccountPull", "CIPushPull"]
    converged(cli)


def test_create_on_push_adds_the_source_region_and_dropping_it_removes_it(
        cli, aws, write_spec):
    write_spec(edit=with_templates({"applied_for": ["REPLICATION", "CREATE_ON_PUSH"]}))
    apply_ok(cli)

    for region in REGIONS:
        assert templates_in(aws, region)[PREFIX]["appliedFor"] == [
            "CREATE_ON_PUSH", "REPLICATION"]
    converged(cli)

    write_spec(edit=with_templates({}))
    changes = changes_by_address(plan_json(cli))
    assert changes[address(SOURCE)]["change"]["actions"] == ["delete"]
    apply_ok(cli)

    assert templates_in(aws, SOURCE) == {}
    for region in DESTINATIONS:
        assert templates_in(aws, region)[PREFIX]["appliedFor"] == ["REPLICATION"]
    converged(cli)


def test_a_dropped_destination_loses_its_template(cli, aws, write_spec):
    write_spec(edit=with_templates({}))
    apply_ok(cli)

    def without_eu(spec: dict) -> None:
        with_templates({})(spec)
        spec["destination_regions"] = ["us-west-2"]

    write_spec(edit=without_eu)
    changes = changes_by_address(plan_json(cli))
    assert changes[address("eu-west-1")]["change"]["actions"] == ["delete"]
    apply_ok(cli)

    assert templates_in(aws, "eu-west-1") == {}
    assert templates_in(aws, "us-west-2")[PREFIX]["description"] == DESCRIPTION
    converged(cli)


def test_a_template_another_tool_wrote_on_our_prefix_is_a_conflict_left_unchanged(
        cli, aws, write_spec):
    # The project has applied before: it holds the prefix claim.
    write_spec(edit=with_templates(None))
    apply_ok(cli)
    aws.client("ecr", "us-west-2").create_repository_creation_template(**FOREIGN)
    before = templates_in(aws, "us-west-2")
    other = aws.client("ecr", "eu-west-1").create_repository_creation_template(
        **{**FOREIGN, "prefix": "other-team"})["repositoryCreationTemplate"]
    write_spec(edit=with_templates({}))

    changes = changes_by_address(plan_json(cli))
    assert changes[address("us-west-2")]["blocked"] == (
        f"a repository creation template on {PREFIX} exists that this project did not write "
        f"(its description is not '{DESCRIPTION}'): left untouched (use --adopt to take it "
        "over)")
    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert templates_in(aws, "us-west-2") == before
    assert templates_in(aws, "eu-west-1") == {"other-team": other}  # never read: not ours
    # --adopt takes it over; the other prefix's template stays as it is.
    apply_ok(cli, "--adopt")
    assert templates_in(aws, "us-west-2")[PREFIX]["description"] == DESCRIPTION
    assert templates_in(aws, "eu-west-1")["other-team"] == other
    converged(cli)


def test_without_the_block_no_template_is_read_or_touched(cli, aws, write_spec):
    aws.client("ecr", "us-west-2").create_repository_creation_template(**FOREIGN)
    before = all_templates(aws)
    write_spec(edit=with_templates(None))
    apply_ok(cli)

    assert all_templates(aws) == before
    assert not [a for a in changes_by_address(plan_json(cli)) if "creation_template" in a]
    assert cli("destroy", "--auto-approve").returncode == 0
    assert all_templates(aws) == before


def test_a_bad_block_is_refused_at_its_line_and_nothing_is_sent(cli, aws, write_spec):
    path = write_spec(edit=with_templates({"encryption": "KMS", "kms_key": "alias/ecr",
                                           "role_arn": ROLE}))
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "kms_key: alias/ecr" in text)

    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"ecrrep.yaml:{line}: templates.kms_key: a creation template takes a key ARN, not an "
        "alias (got 'alias/ecr'): use a multi-Region key ARN (key/mrk-…) or a mapping of each "
        "region to its key ARN",
        "Error: the spec has 1 error; nothing was sent to AWS"]
    assert account_is_empty(aws)
    assert all_templates(aws) == {region: {} for region in REGIONS}


def test_the_plan_json_carries_the_template_document(cli, aws, write_spec):
    write_spec(edit=with_templates({"access": "custom", "policy": {
        "Version": "2012-10-17", "Statement": [{
            "Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": ROLE},
            "Action": ["ecr:BatchGetImage"]}]}}))

    changes = changes_by_address(plan_json(cli))

    after = changes[address("eu-west-1")]["change"]["after"]
    assert after["repository_policy"]["Statement"][0]["Sid"] == "Pull"
    assert json.dumps(after["applied_for"]) == '["REPLICATION"]'
