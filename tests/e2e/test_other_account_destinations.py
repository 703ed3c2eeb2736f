"""Replication destinations in another account end to end: the installed `ecrrep` against the
sandbox's two accounts, each checked with plain boto3 clients of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from tests.support.e2e_account import (
    PREFIX,
    PRODUCTION,
    PROJECT,
    SOURCE,
    TESTING,
    _text,
    account_is_empty,
    ecr_state,
    inventory,
    repositories_only,
)

pytestmark = pytest.mark.e2e

OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "eu-central-1"
ROLE_ARN = f"arn:aws:iam::{OTHER_ACCOUNT}:role/ecrrep-replication"


def as_account(aws, account: str, service: str, region: str = SOURCE) -> Any:
    """A plain client acting in `account` (the emulator's x-moto-account-id header)."""
    client = aws.client(service, region)

    def add_header(request, **_):
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign.*.*", add_header)
    return client


def user_keys(aws, account: str) -> tuple[str, str]:
    """Access keys of a new IAM user in `account`: the emulator tells the account by them."""
    iam = as_account(aws, account, "iam")
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def other_client(aws, keys: tuple[str, str], service: str, region: str = OTHER_REGION) -> Any:
    return boto3.client(service, region_name=region, endpoint_url=aws.endpoint,
                        aws_access_key_id=keys[0], aws_secret_access_key=keys[1])


def write_profile(tmp_path: Path, name: str, keys: tuple[str, str]) -> dict[str, str]:
    """An AWS config file holding profile `name`, as the environment that points at it."""
    path = tmp_path / "aws-config"
    path.write_text(f"[profile {name}]\naws_access_key_id = {keys[0]}\n"
                    f"aws_secret_access_key = {keys[1]}\n")
    return {"AWS_CONFIG_FILE": str(path), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}


def with_destination(**reach: str):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        spec["destinations"] = [{"region": OTHER_REGION, "account_id": OTHER_ACCOUNT, **reach}]
    return edit


def other_state(aws, keys: tuple[str, str]) -> dict:
    ecr = other_client(aws, keys, "ecr")
    try:
        policy = ecr.get_registry_policy()["policyText"]
    except ecr.exceptions.RegistryPolicyNotFoundException:
        policy = None
    return {"repositories": sorted(r["repositoryName"]
                                   for r in ecr.describe_repositories()["repositories"]),
            "policy": policy}


# -- refused before any change ---------------------------------------------------------------


def test_a_profile_of_the_wrong_account_is_refused_before_any_change(cli, aws, write_spec,
                                                                     tmp_path):
    keys = user_keys(aws, "333333333333")
    env = write_profile(tmp_path, "prod-eu", keys)
    write_spec(edit=with_destination(profile="prod-eu"))
    before = inventory(aws)

    result = cli("apply", "--auto-approve", env=env)

    assert result.returncode == 1
    assert ("destinations[0]: profile 'prod-eu' is account 333333333333, not 222222222222; "
            "nothing was changed") in result.stderr
    assert inventory(aws) == before


def test_a_missing_profile_is_refused_before_any_change(cli, aws, write_spec, tmp_path):
    env = write_profile(tmp_path, "someone-else", ("AKIAX", "x"))
    write_spec(edit=with_destination(profile="prod-eu"))
    before = inventory(aws)

    result = cli("apply", "--auto-approve", env=env)

    assert result.returncode == 1
    assert ("destinations[0]: profile 'prod-eu': The config profile (prod-eu) could not be "
            "found; nothing was changed") in result.stderr
    assert inventory(aws) == before


def test_a_role_of_the_wrong_account_is_refused_before_any_change(cli, aws, write_spec):
    wrong = "arn:aws:iam::333333333333:role/ecrrep-replication"
    write_spec(edit=lambda spec: (with_destination(role_arn=wrong)(spec),
                                  spec["destinations"][0].update(account_id=OTHER_ACCOUNT)))
    before = inventory(aws)

    result = cli("plan", env={})

    assert result.returncode == 1
    assert (f"destinations[0]: role {wrong} is account 333333333333, not 222222222222; "
            "nothing was changed") in result.stderr
    assert inventory(aws) == before


# -- apply, replicate, validate, destroy -----------------------------------------------------


@pytest.fixture
def other_account(cli, aws, write_spec, tmp_path):
    """Account B reached through profile prod-eu; the spec replicates there too."""
    keys = user_keys(aws, OTHER_ACCOUNT)
    env = write_profile(tmp_path, "prod-eu", keys)
    write_spec(edit=with_destination(profile="prod-eu"))
    return keys, env


def apply(cli, env) -> None:
    result = cli("apply", "--auto-approve", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    again = cli("plan", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stdout + again.stderr


def test_apply_writes_the_rule_the_registry_policy_and_the_replicas(cli, aws, other_account):
    keys, env = other_account
    apply(cli, env)

    source_account = aws.client("sts").get_caller_identity()["Account"]
    rules = aws.client("ecr", SOURCE).describe_registry()["replicationConfiguration"]["rules"]
    (rule,) = [r for r in rules if r["repositoryFilters"][0]["filter"] == f"{PREFIX}/"]
    assert {"region": OTHER_REGION, "registryId": OTHER_ACCOUNT} in rule["destinations"]
    policy = json.loads(other_client(aws, keys, "ecr").get_registry_policy()["policyText"])
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{source_account}:root"}
    assert sorted(statement["Action"]) == ["ecr:CreateRepository", "ecr:ReplicateImage"]
    assert statement["Resource"] in (
        f"arn:aws:ecr:{OTHER_REGION}:{OTHER_ACCOUNT}:repository/*",
        [f"arn:aws:ecr:{OTHER_REGION}:{OTHER_ACCOUNT}:repository/*"])
    here = ecr_state(aws)
    there = other_ecr_state(aws, keys)
    assert sorted(there) == [PRODUCTION, TESTING]
    for name, replica in there.items():
        assert replica["tags"]["ecrrep:project"] == PROJECT
        assert replica["lifecycle"] == here[(SOURCE, name)]["lifecycle"]
        assert replica["policy"] == here[(SOURCE, name)]["policy"]
        assert replica["mutability"] == here_mutability(aws, name)


def test_an_image_pushed_reaches_the_other_account(cli, aws, other_account):
    keys, env = other_account
    apply(cli, env)
    settings.configure(replication_delay_seconds=60)
    digest = push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"]).digest
    settings.advance(60)

    images = other_client(aws, keys, "ecr").describe_images(repositoryName=PRODUCTION)
    assert digest in {i["imageDigest"] for i in images["imageDetails"]}


def test_validate_replication_reads_the_other_account_with_its_session(cli, aws, other_account):
    keys, env = other_account
    apply(cli, env)
    settings.configure(replication_delay_seconds=60)
    push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"])
    settings.advance(60)

    healthy = cli("validate-replication", "--json", env=env)

    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    there = [r for r in json.loads(healthy.stdout)["results"]
             if r["region"] == f"{OTHER_ACCOUNT}/{OTHER_REGION}"]
    assert sorted(r["repository"] for r in there) == [PRODUCTION, TESTING]
    other_client(aws, keys, "ecr").put_image_tag_mutability(
        repositoryName=PRODUCTION, imageTagMutability="MUTABLE")

    drifted = cli("validate-replication", "--json", env=env)

    assert drifted.returncode == 2, drifted.stdout + drifted.stderr


def test_destroy_removes_ours_there_and_keeps_the_rest(cli, aws, other_account):
    keys, env = other_account
    ecr = other_client(aws, keys, "ecr")
    foreign = {"Sid": "TheirPull", "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
               "Action": ["ecr:ReplicateImage"],
               "Resource": [f"arn:aws:ecr:{OTHER_REGION}:{OTHER_ACCOUNT}:repository/*"]}
    ecr.put_registry_policy(policyText=json.dumps({"Version": "2012-10-17",
                                                   "Statement": [foreign]}))
    ecr.create_repository(repositoryName=f"{PREFIX}/theirs")
    apply(cli, env)
    assert len(json.loads(ecr.get_registry_policy()["policyText"])["Statement"]) == 2

    result = cli("destroy", "--auto-approve", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert other_state(aws, keys) == {
        "repositories": [f"{PREFIX}/theirs"],
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [foreign]})}
    assert account_is_empty(aws)


def here_mutability(aws, name: str) -> str:
    described = aws.client("ecr", SOURCE).describe_repositories(repositoryNames=[name])
    return described["repositories"][0]["imageTagMutability"]


def other_ecr_state(aws, keys: tuple[str, str]) -> dict:
    ecr = other_client(aws, keys, "ecr")
    out = {}
    for repo in ecr.describe_repositories()["repositories"]:
        name = repo["repositoryName"]
        tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        out[name] = {"tags": {t["Key"]: t["Value"] for t in tags},
                     "mutability": repo["imageTagMutability"],
                     "lifecycle": _text(ecr.get_lifecycle_policy, "lifecyclePolicyText", name),
                     "policy": _text(ecr.get_repository_policy, "policyText", name)}
    return out


def test_a_role_of_the_other_account_is_assumed_to_manage_it(cli, aws, write_spec):
    keys = user_keys(aws, OTHER_ACCOUNT)
    write_spec(edit=with_destination(role_arn=ROLE_ARN))

    apply(cli, {})

    there = other_ecr_state(aws, keys)
    assert sorted(there) == [PRODUCTION, TESTING]
    assert all(r["tags"]["ecrrep:project"] == PROJECT for r in there.values())
    assert other_state(aws, keys)["policy"] is not None
    outputs = cli("output")
    assert outputs.returncode == 0, outputs.stderr


def test_a_destination_in_the_source_account_is_refused_before_any_change(cli, aws, write_spec):
    source_account = aws.client("sts").get_caller_identity()["Account"]
    write_spec(edit=lambda spec: (
        with_destination(role_arn=f"arn:aws:iam::{source_account}:role/x")(spec),
        spec["destinations"][0].update(account_id=source_account)))
    before = inventory(aws)

    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert (f"destinations[0]: account {source_account} is the source account: list "
            f"{OTHER_REGION} in destination_regions instead; nothing was changed"
            ) in result.stderr
    assert inventory(aws) == before


def test_adding_a_destination_in_another_account_backfills_the_images_pushed_before(
        cli, aws, write_spec, tmp_path):
    keys = user_keys(aws, OTHER_ACCOUNT)
    env = write_profile(tmp_path, "prod-eu", keys)
    write_spec(edit=repositories_only)
    apply(cli, env)
    settings.configure(replication_delay_seconds=60)
    digest = push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"]).digest
    settings.advance(60)
    write_spec(edit=with_destination(profile="prod-eu"))

    result = cli("apply", "--auto-approve", "--json", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    (started,) = json.loads(result.stdout)["backfills"]
    assert (started["region"], started["registry_id"], started["outcome"]) == (
        OTHER_REGION, OTHER_ACCOUNT, "started")
    settings.advance(60)
    images = other_client(aws, keys, "ecr").describe_images(repositoryName=PRODUCTION)
    assert digest in {i["imageDigest"] for i in images["imageDetails"]}
    again = cli("plan", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stdout + again.stderr


def test_dropping_a_destination_in_another_account_stops_replicating_there(cli, aws, write_spec,
                                                                           tmp_path):
    """Production goes to us-west-2 only, so the rules name repositories. Once the spec drops
    the other account, and its profile is gone from this machine, our rules stop naming it
    (they are still ours: the claims remember the destination), and the plan says what stays
    there, out of ecrrep's reach."""
    keys = user_keys(aws, OTHER_ACCOUNT)
    env = write_profile(tmp_path, "prod-eu", keys)

    def narrowed(spec: dict) -> None:
        spec["repositories"][0]["replicate_to"] = ["us-west-2"]

    write_spec(edit=lambda spec: (with_destination(profile="prod-eu")(spec), narrowed(spec)))
    apply(cli, env)
    write_spec(edit=lambda spec: (repositories_only(spec), narrowed(spec)))
    env = write_profile(tmp_path, "someone-else", ("AKIAX", "x"))  # prod-eu is gone here

    planned = cli("plan", "--json", env=env)

    assert planned.returncode == 0, planned.stdout + planned.stderr
    notes = [n for c in json.loads(planned.stdout)["resource_changes"]
             for n in c.get("notes", [])]
    assert sum(f"no longer replicating to {OTHER_REGION} (account {OTHER_ACCOUNT})" in n
               for n in notes) == 2  # one per rule
    apply(cli, env)
    rules = aws.client("ecr", SOURCE).describe_registry()["replicationConfiguration"]["rules"]
    assert sorted((sorted(f["filter"] for f in r["repositoryFilters"]),
                   sorted(d["region"] for d in r["destinations"])) for r in rules) == [
        ([PRODUCTION], ["us-west-2"]), ([TESTING], ["eu-west-1", "us-west-2"])]
    there = other_state(aws, keys)
    assert there["repositories"] == [PRODUCTION, TESTING]  # left, as the plan said
    assert there["policy"] is not None
