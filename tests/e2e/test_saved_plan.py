"""A saved plan is a file anyone who can write it may edit: `apply FILE` executes only what a
fresh plan of the saved spec contains, and refuses, before any change, a file whose changes
differ from it in any way, naming the addresses that differ."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.account_snapshot import account_snapshot, differences
from tests.support.fault_runs import REGIONS

pytestmark = pytest.mark.e2e

VICTIM = "victim/important"
PRODUCTION = "my-company-apps/production"


@pytest.fixture
def saved(cli, aws, write_spec, tmp_path) -> Path:
    """A plan of the example spec saved on an account that holds one unrelated, untagged
    repository with images' worth of value: `victim/important`."""
    ecr = aws.client("ecr", "us-east-1")
    ecr.create_repository(repositoryName=VICTIM)
    ecr.set_repository_policy(repositoryName=VICTIM, policyText=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Owner", "Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                       "Action": ["ecr:BatchGetImage"]}]}))
    write_spec()
    result = cli("plan", "--out", "saved.plan")
    assert result.returncode == 0, result.stderr
    return tmp_path / "saved.plan"


def edit(path: Path, change: Callable[[list[dict]], None]) -> None:
    doc = json.loads(path.read_text())
    change(doc["plan"]["resource_changes"])
    path.write_text(json.dumps(doc, indent=2))


def entry(changes: list[dict], type_: str, region: str, name: str) -> dict:
    return next(c for c in changes
                if (c["type"], c["region"], c["name"]) == (type_, region, name))


def add_victim_delete(changes: list[dict]) -> None:
    changes.append({
        "address": f"ecr_repository.us-east-1.{VICTIM}", "type": "ecr_repository",
        "region": "us-east-1", "name": VICTIM,
        "change": {"actions": ["delete"], "before": {"tag_mutability": "MUTABLE"},
                   "after": None},
    })


def add_victim_policy(changes: list[dict]) -> None:
    forged = copy.deepcopy(entry(changes, "ecr_repository_policy", "us-east-1", PRODUCTION))
    forged.update(address=f"ecr_repository_policy.us-east-1.{VICTIM}", name=VICTIM)
    forged["change"]["after"] = {"policy": {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Anyone", "Effect": "Allow", "Principal": "*",
                       "Action": ["ecr:*"]}]}}
    changes.append(forged)


def alter_after(changes: list[dict]) -> None:
    repository = entry(changes, "ecr_repository", "us-east-1", PRODUCTION)
    repository["change"]["after"]["tag_mutability"] = "MUTABLE"


def drop_a_change(changes: list[dict]) -> None:
    changes.remove(entry(changes, "ecr_lifecycle_policy", "eu-west-1", PRODUCTION))


@pytest.mark.parametrize("tamper, named", [
    (add_victim_delete, f"ecr_repository.us-east-1.{VICTIM}"),
    (add_victim_policy, f"ecr_repository_policy.us-east-1.{VICTIM}"),
    (alter_after, f"ecr_repository.us-east-1.{PRODUCTION}"),
    (drop_a_change, f"ecr_lifecycle_policy.eu-west-1.{PRODUCTION}"),
], ids=["delete-added", "policy-change-added", "after-altered", "change-dropped"])
def test_an_edited_saved_plan_is_refused_and_nothing_changes(cli, aws, saved, tamper, named):
    edit(saved, tamper)
    before = account_snapshot(aws, REGIONS)

    result = cli("apply", "--auto-approve", saved.name)

    assert result.returncode == 1, result.stdout + result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error == (
        f"Error: {saved.name} lists changes that a fresh plan of its own spec does not make "
        f"(the file was edited, or made by another version of ecrrep): {named}; nothing was "
        "changed. Make the plan again with `ecrrep plan --out FILE`"), error
    assert differences(before, account_snapshot(aws, REGIONS)) == []
    ecr = aws.client("ecr", "us-east-1")
    victim = ecr.get_repository_policy(repositoryName=VICTIM)["policyText"]
    assert '"Principal": "*"' not in victim.replace("'", '"')


def test_an_untouched_saved_plan_is_applied_and_its_digest_shown(cli, aws, saved):
    digest = "sha256:" + hashlib.sha256(saved.read_bytes()).hexdigest()

    result = cli("apply", "--auto-approve", saved.name)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Applying the saved plan {saved.name} ({digest})" in result.stderr
    names = {r["repositoryName"] for region in REGIONS for r in
             aws.client("ecr", region).describe_repositories()["repositories"]}
    assert PRODUCTION in names and VICTIM in names
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_plan_out_prints_the_digest_of_the_file_it_wrote(cli, aws, write_spec, tmp_path):
    write_spec()

    result = cli("plan", "--out", "p.plan")

    data = (tmp_path / "p.plan").read_bytes()
    assert f"(sha256:{hashlib.sha256(data).hexdigest()})" in result.stderr


def test_saved_plan_options_cannot_be_overridden_at_apply(cli, aws, saved):
    result = cli("apply", "--auto-approve", "--force-delete-images", saved.name)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: with PLANFILE, the options saved in the plan apply; --adopt, --adopt-from and "
        "--force-delete-images belong to `ecrrep plan --out`")
    assert aws.client("iam").list_roles()["Roles"] == []
