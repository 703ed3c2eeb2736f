"""The engine end to end: the installed `ecrrep` against a moto server, checked with boto3."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.support.account import ACCOUNT_ID
from tests.support.e2e_account import account_is_empty
from tests.support.e2e_steps import apply_ok, changes_by_address, plan_json

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
PREFIX = "my-company-apps"
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
REPOS = [f"{PREFIX}/production", f"{PREFIX}/testing"]
ROLES = [f"{PROJECT}-ecr-production", f"{PROJECT}-ecr-ci", f"{PROJECT}-ecr-cleanup"]
# The registry side of the seed example: 3 roles, 2 repositories × 3 regions with their
# lifecycle and repository policies, and one replication rule.
REGISTRY_TYPES = {"ecr_repository": 6, "ecr_lifecycle_policy": 6,
                  "ecr_repository_policy": 6, "ecr_replication_rule": 1}








def tags_of(ecr, name: str) -> dict[str, str]:
    arn = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["repositoryArn"]
    return {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}


def lifecycle_rules(ecr, name: str) -> list[dict]:
    text = ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
    return sorted(json.loads(text)["rules"], key=lambda r: r["rulePriority"])


def policy_statements(ecr, name: str) -> dict[str, dict]:
    text = ecr.get_repository_policy(repositoryName=name)["policyText"]
    return {s["Sid"]: s for s in json.loads(text)["Statement"]}


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def only_production(spec: dict) -> None:
    spec["repositories"] = spec["repositories"][:1]
    spec["cleanup"]["retention_days"].pop("testing")


def test_seed_example_creates_repositories_policies_roles_and_rule_then_plans_nothing(
        cli, aws, write_spec):
    write_spec()
    apply_ok(cli)

    for region in REGIONS:
        ecr = aws.client("ecr", region)
        found = {r["repositoryName"]: r for r in ecr.describe_repositories()["repositories"]}
        assert sorted(found) == REPOS, region
        production, testing = found[REPOS[0]], found[REPOS[1]]
        assert production["imageTagMutability"] == "IMMUTABLE"
        assert testing["imageTagMutability"] == "MUTABLE"
        for repo in (production, testing):
            assert repo["imageScanningConfiguration"]["scanOnPush"] is True
            assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"
            tags = tags_of(ecr, repo["repositoryName"])
            assert tags["ecrrep:project"] == PROJECT
            assert tags["Team"] == "DevOps" and tags["CostCenter"] == "Engineering"

        prod_rules = lifecycle_rules(ecr, REPOS[0])
        assert [r["selection"] for r in prod_rules] == [
            {"tagStatus": "tagged", "tagPrefixList": ["prod"],
             "countType": "imageCountMoreThan", "countNumber": 15},
            {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
             "countNumber": 2},
        ]
        test_rules = lifecycle_rules(ecr, REPOS[1])
        assert [r["selection"]["tagStatus"] for r in test_rules] == ["tagged", "any"]
        assert test_rules[1]["selection"]["countNumber"] == 7

        restricted = policy_statements(ecr, REPOS[0])
        prod_role = f"arn:aws:iam::{ACCOUNT_ID}:role/{PROJECT}-ecr-production"
        ci_role = f"arn:aws:iam::{ACCOUNT_ID}:role/{PROJECT}-ecr-ci"
        assert as_list(restricted["ProductionPull"]["Principal"]["AWS"]) == [prod_role]
        assert "ecr:PutImage" not in as_list(restricted["ProductionPull"]["Action"])
        assert as_list(restricted["CIPushPull"]["Principal"]["AWS"]) == [ci_role]
        assert "ecr:PutImage" in as_list(restricted["CIPushPull"]["Action"])
        opened = policy_statements(ecr, REPOS[1])
        assert as_list(opened["AccountPull"]["Principal"]["AWS"]) == [
            f"arn:aws:iam::{ACCOUNT_ID}:root"]

    rules = aws.client("ecr", "us-east-1").describe_registry()["replicationConfiguration"]["rules"]
    assert len(rules) == 1
    assert rules[0]["repositoryFilters"] == [{"filter": f"{PREFIX}/", "filterType": "PREFIX_MATCH"}]
    assert sorted(rules[0]["destinations"], key=lambda d: d["region"]) == [
        {"region": "eu-west-1", "registryId": ACCOUNT_ID},
        {"region": "us-west-2", "registryId": ACCOUNT_ID},
    ]

    iam = aws.client("iam")
    for role in ROLES:
        got = iam.get_role(RoleName=role)["Role"]
        assert {"Key": "ecrrep:project", "Value": PROJECT} in got["Tags"]
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
            for statement in as_list(document["Statement"]):
                assert "*" not in as_list(statement["Action"]), (role, statement)

    second = cli("plan", "--detailed-exitcode")
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.strip().splitlines()[-1] == "Plan: 0 to add, 0 to change, 0 to destroy."


def test_first_plan_lists_every_resource_and_ends_with_the_summary(cli, aws, write_spec):
    write_spec()
    result = cli("plan", "--detailed-exitcode")
    assert result.returncode == 2, result.stderr
    lines = result.stdout.strip().splitlines()
    added = plan_json(cli)["summary"]["add"]
    assert lines[-1] == f"Plan: {added} to add, 0 to change, 0 to destroy."
    # What is made alike in several regions is shown once, under the regions it is made in.
    for heading in ("IAM (global)", "Regions us-east-1, us-west-2, eu-west-1 — the same in each",
                    "Regions us-west-2, eu-west-1 — the same in each", "Region us-east-1"):
        assert heading in lines
    for change in plan_json(cli)["resource_changes"]:
        assert change["name"] in result.stdout
    assert account_is_empty(aws)


def test_full_lists_each_resource_of_a_folded_group_on_its_own_line(cli, aws, write_spec):
    write_spec()
    folded, full = cli("plan").stdout, cli("plan", "--full").stdout
    assert "+ create 2 CloudWatch alarms, all with:" in folded
    assert "create 2 CloudWatch alarms" not in full
    for name in ("container-registry-replication-production-pull-count",
                 "container-registry-replication-testing-pull-count"):
        assert f"+ create {name}" in full
    assert full.splitlines()[-1] == folded.splitlines()[-1]
    assert account_is_empty(aws)


def test_plan_json_is_terraform_resource_changes_shape(cli, aws, write_spec):
    write_spec()
    doc = plan_json(cli)
    assert doc["format_version"] == "1.0"
    creates = Counter(c["type"] for c in doc["resource_changes"]
                      if c["change"]["actions"] == ["create"])
    assert {t: creates[t] for t in REGISTRY_TYPES} == REGISTRY_TYPES
    for role in ROLES:
        assert changes_by_address(doc)[f"iam_role.global.{role}"]["change"]["actions"] == ["create"]
    assert doc["summary"] == {"add": sum(creates.values()), "change": 0, "destroy": 0}
    by_address = changes_by_address(doc)
    repo = by_address[f"ecr_repository.us-east-1.{PREFIX}/production"]
    assert repo["type"] == "ecr_repository" and repo["region"] == "us-east-1"
    assert repo["change"]["actions"] == ["create"] and repo["change"]["before"] is None
    assert repo["change"]["after"]["tag_mutability"] == "IMMUTABLE"
    rule = by_address[f"ecr_replication_rule.us-east-1.{PROJECT}"]
    assert rule["change"]["actions"] == ["create"]


def test_out_of_band_drift_shows_as_update_and_apply_repairs_it(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    west = aws.client("ecr", "us-west-2")
    west.put_image_tag_mutability(repositoryName=REPOS[0], imageTagMutability="MUTABLE")
    europe = aws.client("ecr", "eu-west-1")
    europe.put_lifecycle_policy(repositoryName=REPOS[1], lifecyclePolicyText=json.dumps({
        "rules": [{"rulePriority": 1, "description": "changed by hand",
                   "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                 "countNumber": 1},
                   "action": {"type": "expire"}}]}))

    detailed = cli("plan", "--detailed-exitcode")
    assert detailed.returncode == 2
    by_address = changes_by_address(plan_json(cli))
    mutability = by_address[f"ecr_repository.us-west-2.{REPOS[0]}"]
    assert mutability["change"]["actions"] == ["update"]
    assert mutability["change"]["fields"] == ["tag_mutability"]
    assert mutability["change"]["before"]["tag_mutability"] == "MUTABLE"
    lifecycle = by_address[f"ecr_lifecycle_policy.eu-west-1.{REPOS[1]}"]
    assert lifecycle["change"]["actions"] == ["update"]
    assert "tag_mutability: MUTABLE → IMMUTABLE" in detailed.stdout

    apply_ok(cli)
    repo = west.describe_repositories(repositoryNames=[REPOS[0]])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert [r["selection"]["tagStatus"] for r in lifecycle_rules(europe, REPOS[1])] == [
        "tagged", "any"]
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_a_deleted_lifecycle_policy_is_recreated(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    aws.client("ecr", "eu-west-1").delete_lifecycle_policy(repositoryName=REPOS[0])
    by_address = changes_by_address(plan_json(cli))
    assert by_address[f"ecr_lifecycle_policy.eu-west-1.{REPOS[0]}"]["change"]["actions"] == [
        "create"]
    apply_ok(cli)
    assert len(lifecycle_rules(aws.client("ecr", "eu-west-1"), REPOS[0])) == 2


def test_foreign_replication_rule_is_kept_exactly(cli, aws, write_spec):
    foreign = {
        "destinations": [{"region": "ap-southeast-1", "registryId": ACCOUNT_ID}],
        "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}],
    }
    ecr = aws.client("ecr", "us-east-1")
    ecr.put_replication_configuration(replicationConfiguration={"rules": [foreign]})
    write_spec()

    doc = plan_json(cli)
    kept = [c for c in doc["resource_changes"] if c.get("kept")]
    assert len(kept) == 1 and kept[0]["change"]["actions"] == ["no-op"]
    plan_text = cli("plan").stdout
    assert "Kept as they are" in plan_text and "other-team" in plan_text

    apply_ok(cli)
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert rules[0] == foreign
    assert rules[1]["repositoryFilters"] == [{"filter": f"{PREFIX}/", "filterType": "PREFIX_MATCH"}]
    assert len(rules) == 2
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_unowned_same_named_repository_is_a_conflict_and_nothing_is_changed(
        cli, aws, write_spec):
    west = aws.client("ecr", "us-west-2")
    west.create_repository(repositoryName=REPOS[0], imageTagMutability="MUTABLE",
                           tags=[{"Key": "owner", "Value": "someone-else"}])
    write_spec()

    plan_result = cli("plan")
    assert plan_result.returncode == 0
    assert "cannot be applied" in plan_result.stdout
    assert f"ecr_repository.us-west-2.{REPOS[0]}" in plan_result.stdout
    assert f"exists without the ownership tag ecrrep:project={PROJECT}" in plan_result.stdout
    doc = plan_json(cli)
    conflict = changes_by_address(doc)[f"ecr_repository.us-west-2.{REPOS[0]}"]
    assert conflict["change"]["actions"] == ["no-op"] and "ownership tag" in conflict["blocked"]

    result = cli("apply", "--auto-approve")
    assert result.returncode == 1
    assert "apply refused" in result.stderr
    repo = west.describe_repositories(repositoryNames=[REPOS[0]])["repositories"][0]
    assert repo["imageTagMutability"] == "MUTABLE"
    assert tags_of(west, REPOS[0]) == {"owner": "someone-else"}
    # Check first, then act: nothing else was created either.
    assert aws.client("ecr", "us-east-1").describe_repositories()["repositories"] == []
    assert aws.client("iam").list_roles()["Roles"] == []


def test_adopt_takes_over_an_unowned_repository(cli, aws, write_spec):
    west = aws.client("ecr", "us-west-2")
    west.create_repository(repositoryName=REPOS[0], imageTagMutability="MUTABLE")
    write_spec()
    apply_ok(cli, "--adopt")
    assert tags_of(west, REPOS[0])["ecrrep:project"] == PROJECT
    repo = west.describe_repositories(repositoryNames=[REPOS[0]])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_repository_removed_from_spec_is_planned_for_deletion(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    write_spec(edit=only_production)

    doc = plan_json(cli)
    deletions = sorted(c["address"] for c in doc["resource_changes"]
                       if c["change"]["actions"] == ["delete"]
                       and c["type"] == "ecr_repository")
    assert deletions == sorted(f"ecr_repository.{r}.{REPOS[1]}" for r in REGIONS)

    apply_ok(cli)
    for region in REGIONS:
        names = [r["repositoryName"] for r in
                 aws.client("ecr", region).describe_repositories()["repositories"]]
        assert names == [REPOS[0]]


def test_repository_with_images_is_not_deleted_without_the_flag(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    ecr = aws.client("ecr", "us-east-1")
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "size": 1, "digest": "sha256:" + "1" * 64},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1, "digest": "sha256:" + "2" * 64}],
    })
    ecr.put_image(repositoryName=REPOS[1], imageManifest=manifest, imageTag="test-1")
    write_spec(edit=only_production)

    plan_result = cli("plan")
    assert "holds 1 images: deleting it needs --force-delete-images" in plan_result.stdout
    refused = cli("apply", "--auto-approve")
    assert refused.returncode == 1
    for region in REGIONS:
        names = [r["repositoryName"] for r in
                 aws.client("ecr", region).describe_repositories()["repositories"]]
        assert sorted(names) == REPOS

    apply_ok(cli, "--force-delete-images")
    assert [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]] == [
        REPOS[0]]


def test_encryption_change_is_refused_not_recreated(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    key = "arn:aws:kms:us-east-1:123456789012:key/mrk-11112222333344445555666677778888"

    def to_kms(spec):
        spec["repositories"][0]["encryption"] = "KMS"
        spec["repositories"][0]["kms_key"] = key

    write_spec(edit=to_kms)
    plan_result = cli("plan")
    assert "encryption cannot change in place (AES256 → KMS)" in plan_result.stdout
    result = cli("apply", "--auto-approve")
    assert result.returncode == 1
    repo = aws.client("ecr", "us-east-1").describe_repositories(
        repositoryNames=[REPOS[0]])["repositories"][0]
    assert repo["encryptionConfiguration"]["encryptionType"] == "AES256"


def test_apply_without_a_terminal_and_without_auto_approve_changes_nothing(
        cli, aws, write_spec):
    write_spec()
    result = cli("apply", input="yes\n")
    assert result.returncode == 1
    assert "no terminal" in result.stderr
    assert account_is_empty(aws)


def test_saved_plan_applies_and_a_stale_one_is_refused(cli, aws, write_spec, tmp_path):
    write_spec()
    assert cli("plan", "--out", "first.plan").returncode == 0
    assert account_is_empty(aws)
    apply_ok(cli, "first.plan")
    assert cli("plan", "--detailed-exitcode").returncode == 0

    aws.client("ecr", "us-west-2").put_image_tag_mutability(
        repositoryName=REPOS[0], imageTagMutability="MUTABLE")
    assert cli("plan", "--out", "second.plan").returncode == 0
    aws.client("ecr", "eu-west-1").put_image_tag_mutability(
        repositoryName=REPOS[0], imageTagMutability="MUTABLE")
    stale = cli("apply", "--auto-approve", "second.plan")
    assert stale.returncode == 1
    assert "has since changed" in stale.stderr
    europe = aws.client("ecr", "eu-west-1").describe_repositories(
        repositoryNames=[REPOS[0]])["repositories"][0]
    west = aws.client("ecr", "us-west-2").describe_repositories(
        repositoryNames=[REPOS[0]])["repositories"][0]
    assert europe["imageTagMutability"] == west["imageTagMutability"] == "MUTABLE"


def test_verbose_reports_api_calls(cli, aws, write_spec):
    write_spec()
    result = cli("plan", "-v")
    assert result.returncode == 0
    assert "API calls:" in result.stderr and "ecr " in result.stderr


def test_aws_error_is_one_line_without_traceback(cli, aws, write_spec):
    write_spec()
    result = cli("plan", env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1 and "EndpointUnreachable" in error_lines[0]
