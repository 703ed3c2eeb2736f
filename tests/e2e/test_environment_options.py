"""Options from the environment: destructive flags are never read from it (a variable left set
in a shell or a CI job changes nothing), and the other per-command options say when they came
from it."""

from __future__ import annotations

import json

import pytest

from tests.support.account_snapshot import account_snapshot, differences
from tests.support.e2e_steps import apply_ok
from tests.support.fault_runs import REGIONS
from tests.support.pushed_images import push

pytestmark = pytest.mark.e2e

PRODUCTION = "my-company-apps/production"


def test_destroy_flags_in_the_environment_change_nothing(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    push(aws.client("ecr", "us-east-1"), PRODUCTION, "kept", ["v1"])
    before = account_snapshot(aws, REGIONS)

    result = cli("destroy", env={"ECRREP_DESTROY_FORCE_DELETE_IMAGES": "1",
                                 "ECRREP_DESTROY_AUTO_APPROVE": "1"})

    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines()[:2] == [
        "ignoring ECRREP_DESTROY_AUTO_APPROVE: --auto-approve is never read from the environment",
        "ignoring ECRREP_DESTROY_FORCE_DELETE_IMAGES: --force-delete-images is never read from "
        "the environment"]
    assert "holds 1 image" in result.stdout and "--force-delete-images" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("Error: destroy refused")
    assert differences(before, account_snapshot(aws, REGIONS)) == []
    images = aws.client("ecr", "us-east-1").list_images(repositoryName=PRODUCTION)["imageIds"]
    assert len(images) == 1


def test_adopt_in_the_environment_adopts_nothing(cli, aws, write_spec):
    write_spec()
    ecr = aws.client("ecr", "us-east-1")
    ecr.create_repository(repositoryName=PRODUCTION, imageTagMutability="MUTABLE")
    before = account_snapshot(aws, REGIONS)

    result = cli("apply", env={"ECRREP_APPLY_ADOPT": "1", "ECRREP_APPLY_AUTO_APPROVE": "1",
                               "ECRREP_APPLY_FORCE_DELETE_IMAGES": "1"})

    assert result.returncode == 1, result.stdout + result.stderr
    assert "exists without the ownership tag" in result.stdout
    assert differences(before, account_snapshot(aws, REGIONS)) == []
    arn = ecr.describe_repositories(repositoryNames=[PRODUCTION])["repositories"][0][
        "repositoryArn"]
    assert ecr.list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_an_option_read_from_the_environment_is_named_on_stderr(cli, aws, write_spec):
    write_spec()

    result = cli("plan", env={"ECRREP_PLAN_AS_JSON": "1"})

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == "using --json from ECRREP_PLAN_AS_JSON"
    assert json.loads(result.stdout)["summary"]["add"] > 0


def test_help_lists_the_environment_variables_and_not_the_destructive_flags(cli, aws):
    result = cli("destroy", "--help")

    assert "ECRREP_DESTROY_AS_JSON" in result.stdout
    assert "ECRREP_DESTROY_AUTO_APPROVE" not in result.stdout
    assert "ECRREP_DESTROY_FORCE_DELETE_IMAGES" not in result.stdout
