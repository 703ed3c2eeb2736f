"""A destination in another account that the spec drops: its claim remembers how ecrrep reached
that account, so the plan deletes what ecrrep made there (replicas, under the image guard, and
our registry policy statement), or, when the account is out of reach, says why it stays."""

from __future__ import annotations

import json

import pytest

from ecrrep.replication.registry_policy import statement_id
from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from ecrrep.spec import naming
from tests.e2e.test_other_account_destinations import (
    OTHER_ACCOUNT,
    OTHER_REGION,
    ROLE_ARN,
    apply,
    other_client,
    other_state,
    user_keys,
    with_destination,
    write_profile,
)
from tests.support.e2e_account import (
    PREFIX,
    PRODUCTION,
    PROJECT,
    SOURCE,
    TESTING,
    repositories_only,
)

pytestmark = pytest.mark.e2e

CLAIM = naming.claim_parameter_name(PROJECT, "destination", f"{OTHER_ACCOUNT}/{OTHER_REGION}")
FOREIGN = {"Sid": "TheirPull", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
           "Action": ["ecr:ReplicateImage"],
           "Resource": [f"arn:aws:ecr:{OTHER_REGION}:{OTHER_ACCOUNT}:repository/*"]}


def claim_value(aws) -> str | None:
    ssm = aws.client("ssm", SOURCE)
    try:
        return ssm.get_parameter(Name=CLAIM)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None


def someone_elses(aws, keys: tuple[str, str]) -> None:
    """A statement and a repository under our prefix in the other account that are not ours."""
    ecr = other_client(aws, keys, "ecr")
    ecr.put_registry_policy(policyText=json.dumps({"Version": "2012-10-17",
                                                   "Statement": [FOREIGN]}))
    ecr.create_repository(repositoryName=f"{PREFIX}/theirs")


def changes_there(plan: dict) -> list[tuple[str, str, str]]:
    return sorted((c["type"], c["name"], c["change"]["actions"][0])
                  for c in plan["resource_changes"] if c.get("account") == OTHER_ACCOUNT
                  and c["change"]["actions"] != ["no-op"])


def notes_of(plan: dict) -> list[str]:
    return [n for c in plan["resource_changes"] for n in c.get("notes", [])]


def test_a_dropped_destination_reached_by_role_is_cleaned_up(cli, aws, write_spec):
    keys = user_keys(aws, OTHER_ACCOUNT)
    someone_elses(aws, keys)
    write_spec(edit=with_destination(role_arn=ROLE_ARN))
    apply(cli, {})
    assert claim_value(aws).endswith(f"; reach: role_arn={ROLE_ARN}")
    settings.configure(replication_delay_seconds=60)
    push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"])
    settings.advance(60)
    write_spec(edit=repositories_only)

    planned = cli("plan", "--json", env={})

    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads(planned.stdout)
    assert changes_there(plan) == [  # testing has no documents in this spec
        ("ecr_lifecycle_policy", PRODUCTION, "delete"),
        ("ecr_registry_policy", statement_id(PROJECT), "delete"),
        ("ecr_repository", PRODUCTION, "delete"), ("ecr_repository", TESTING, "delete"),
        ("ecr_repository_policy", PRODUCTION, "delete")]
    assert not [n for n in notes_of(plan) if "no longer replicating" in n]
    before = other_state(aws, keys)

    refused = cli("apply", "--auto-approve", env={})

    assert refused.returncode == 1
    assert "holds 1 images: deleting it needs --force-delete-images" in refused.stdout
    assert other_state(aws, keys) == before

    forced = cli("apply", "--auto-approve", "--force-delete-images", env={})

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert other_state(aws, keys) == {
        "repositories": [f"{PREFIX}/theirs"],
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [FOREIGN]})}
    assert claim_value(aws) is None
    again = cli("plan", "--detailed-exitcode", env={})
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_dropped_destination_whose_profile_is_missing_is_left_and_said_why(
        cli, aws, write_spec, tmp_path):
    keys = user_keys(aws, OTHER_ACCOUNT)
    env = write_profile(tmp_path, "prod-eu", keys)
    write_spec(edit=with_destination(profile="prod-eu"))
    apply(cli, env)
    assert claim_value(aws).endswith("; reach: profile=prod-eu")
    before = other_state(aws, keys)
    write_spec(edit=repositories_only)
    elsewhere = write_profile(tmp_path, "someone-else", ("AKIAX", "x"))

    planned = cli("plan", "--json", env=elsewhere)

    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads(planned.stdout)
    assert changes_there(plan) == []
    assert notes_of(plan) == [
        f"no longer replicating to {OTHER_REGION} (account {OTHER_ACCOUNT}): the replicas and "
        "the registry policy statement ecrrep made there stay, since the spec no longer says "
        "how to reach that account and ecrrep could not reach it as its claim says (profile "
        "'prod-eu': The config profile (prod-eu) could not be found); remove them there (or "
        "list the destination again and run destroy)"]
    apply(cli, elsewhere)
    assert other_state(aws, keys) == before
    assert sorted(before["repositories"]) == [PRODUCTION, TESTING]


def test_a_changed_reach_is_written_to_the_claim(cli, aws, write_spec, tmp_path):
    keys = user_keys(aws, OTHER_ACCOUNT)
    env = write_profile(tmp_path, "prod-eu", keys)
    write_spec(edit=with_destination(profile="prod-eu"))
    apply(cli, env)
    write_spec(edit=with_destination(role_arn=ROLE_ARN))

    planned = cli("plan", "--json", env=env)

    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert [(c["type"], c["change"]["actions"]) for c in json.loads(planned.stdout)[
        "resource_changes"] if c["change"]["actions"] != ["no-op"]] == [
        ("ownership_claim", ["update"])]
    apply(cli, env)
    assert claim_value(aws).endswith(f"; reach: role_arn={ROLE_ARN}")
    tags = aws.client("ssm", SOURCE).list_tags_for_resource(
        ResourceType="Parameter", ResourceId=CLAIM)["TagList"]
    assert {"Key": "ecrrep:project", "Value": PROJECT} in tags


def test_a_dropped_destination_whose_recorded_role_is_another_accounts_is_left(
        cli, aws, write_spec):
    keys = user_keys(aws, OTHER_ACCOUNT)
    write_spec(edit=with_destination(role_arn=ROLE_ARN))
    apply(cli, {})
    before = other_state(aws, keys)
    wrong = "arn:aws:iam::333333333333:role/ecrrep-replication"
    aws.client("ssm", SOURCE).put_parameter(
        Name=CLAIM, Value=claim_value(aws).replace(ROLE_ARN, wrong), Overwrite=True)
    write_spec(edit=repositories_only)

    planned = cli("plan", "--json", env={})

    assert planned.returncode == 0, planned.stdout + planned.stderr
    plan = json.loads(planned.stdout)
    assert changes_there(plan) == []
    (note,) = notes_of(plan)
    assert (f"could not reach it as its claim says (role {wrong} is account 333333333333, "
            f"not {OTHER_ACCOUNT})") in note
    assert other_state(aws, keys) == before
