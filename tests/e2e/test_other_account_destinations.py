"""Replication destinations in another account end to end: the installed `ecrrep` against the
sandbox's two accounts, each checked with plain boto3 clients of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.e2e_account import SOURCE, inventory, repositories_only

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
