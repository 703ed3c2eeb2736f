"""Registry scanning end to end (`scanning:`): the installed `ecrrep` against the sandbox,
the registry's scanning configuration checked in every region with plain boto3."""

from __future__ import annotations

import json

import pytest

from tests.support.e2e_account import account_is_empty, repositories_only
from tests.support.e2e_steps import apply_ok, changes_by_address, plan_json

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
PREFIX = "my-company-apps"
SOURCE = "us-east-1"
REGIONS = [SOURCE, "us-west-2", "eu-west-1"]
SCANNING = {"type": "ENHANCED", "rules": [
    {"frequency": "CONTINUOUS_SCAN", "filters": [f"{PREFIX}/production"]},
    {"frequency": "SCAN_ON_PUSH"}]}
# What AWS answers for it (rule order is ours: sorted by frequency).
CONFIGURED = {"scanType": "ENHANCED", "rules": [
    {"scanFrequency": "CONTINUOUS_SCAN",
     "repositoryFilters": [{"filter": f"{PREFIX}/production", "filterType": "WILDCARD"}]},
    {"scanFrequency": "SCAN_ON_PUSH",
     "repositoryFilters": [{"filter": f"{PREFIX}/*", "filterType": "WILDCARD"}]}]}
DEFAULT = {"scanType": "BASIC", "rules": []}
FOREIGN = {"scanType": "BASIC", "rules": [
    {"scanFrequency": "SCAN_ON_PUSH",
     "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]}


def with_scanning(spec: dict, scanning: dict | None = SCANNING) -> None:
    repositories_only(spec)
    for repository in spec["repositories"]:
        repository.pop("scan_on_push", None)  # registry scanning decides (a warning otherwise)
    if scanning is not None:
        spec["scanning"] = scanning


def configuration(aws, region: str) -> dict:
    found = aws.client("ecr", region).get_registry_scanning_configuration()
    return found["scanningConfiguration"]


def configurations(aws) -> dict[str, dict]:
    return {region: configuration(aws, region) for region in REGIONS}


def scanning_claims(aws) -> list[str]:
    ssm = aws.client("ssm", SOURCE)
    names = [p["Name"] for p in ssm.get_parameters_by_path(
        Path="/ecrrep", Recursive=True)["Parameters"]]
    return sorted(n for n in names if "/scanning/" in n)


def address(region: str) -> str:
    return f"ecr_registry_scanning.{region}.registry"


def test_apply_sets_the_configuration_in_every_region_and_converges(cli, aws, write_spec):
    write_spec(edit=with_scanning)
    apply_ok(cli)

    assert configurations(aws) == {region: CONFIGURED for region in REGIONS}
    assert scanning_claims(aws) == [f"/ecrrep/{PROJECT}/scanning/{r}" for r in sorted(REGIONS)]
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_configuration_changed_out_of_band_is_diffed_and_repaired(cli, aws, write_spec):
    write_spec(edit=with_scanning)
    apply_ok(cli)
    aws.client("ecr", "us-west-2").put_registry_scanning_configuration(**FOREIGN)

    changes = changes_by_address(plan_json(cli))
    assert changes[address("us-west-2")]["change"]["actions"] == ["update"]
    assert {changes[address(r)]["change"]["actions"][0] for r in (SOURCE, "eu-west-1")} == {
        "no-op"}
    assert cli("plan", "--detailed-exitcode").returncode == 2
    apply_ok(cli)

    assert configuration(aws, "us-west-2") == CONFIGURED
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_a_configuration_set_by_another_tool_is_left_untouched_and_reported(
        cli, aws, write_spec):
    aws.client("ecr", "eu-west-1").put_registry_scanning_configuration(**FOREIGN)
    write_spec(edit=with_scanning)

    blocked = changes_by_address(plan_json(cli))[address("eu-west-1")]["blocked"]
    assert "no ecrrep project claims it (unowned" in blocked
    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert configurations(aws) == {SOURCE: DEFAULT, "us-west-2": DEFAULT, "eu-west-1": FOREIGN}
    assert scanning_claims(aws) == []
    assert account_is_empty(aws)
    # Destroy has nothing of ours to restore and leaves it too.
    assert cli("destroy", "--auto-approve").returncode == 0
    assert configuration(aws, "eu-west-1") == FOREIGN
    # --adopt takes it over.
    apply_ok(cli, "--adopt")
    assert configurations(aws) == {region: CONFIGURED for region in REGIONS}


def test_destroy_puts_back_aws_s_default_in_every_region(cli, aws, write_spec):
    write_spec(edit=with_scanning)
    apply_ok(cli)

    result = cli("destroy", "--auto-approve")

    assert result.returncode == 0, result.stdout + result.stderr
    assert configurations(aws) == {region: DEFAULT for region in REGIONS}
    assert scanning_claims(aws) == []
    assert plan_json(cli)["summary"]["change"] == 0


def test_dropping_the_block_restores_the_default_and_releases_the_claims(
        cli, aws, write_spec):
    write_spec(edit=with_scanning)
    apply_ok(cli)
    write_spec(edit=lambda spec: with_scanning(spec, None))

    changes = changes_by_address(plan_json(cli))
    assert {changes[address(r)]["change"]["actions"][0] for r in REGIONS} == {"delete"}
    apply_ok(cli)

    assert configurations(aws) == {region: DEFAULT for region in REGIONS}
    assert scanning_claims(aws) == []
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_without_the_block_the_configuration_is_not_read_or_touched(cli, aws, write_spec):
    aws.client("ecr", "us-west-2").put_registry_scanning_configuration(**FOREIGN)
    write_spec(edit=repositories_only)
    apply_ok(cli)

    assert configuration(aws, "us-west-2") == FOREIGN
    assert not [a for a in changes_by_address(plan_json(cli)) if "registry_scanning" in a]


def test_a_bad_block_is_refused_at_its_line_and_nothing_is_sent(cli, aws, write_spec):
    path = write_spec(edit=lambda spec: with_scanning(
        spec, {"type": "BASIC", "rules": [{"frequency": "CONTINUOUS_SCAN"}]}))
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "frequency: CONTINUOUS_SCAN" in text)

    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"ecrrep.yaml:{line}: scanning.rules[0].frequency: CONTINUOUS_SCAN needs type: "
        "ENHANCED (BASIC scans on push or by hand)",
        "Error: the spec has 1 error; nothing was sent to AWS"]
    assert account_is_empty(aws)
    assert configurations(aws) == {region: DEFAULT for region in REGIONS}


def test_scan_on_push_is_not_drift_once_registry_scanning_decides(cli, aws, write_spec):
    write_spec(edit=with_scanning)
    apply_ok(cli)
    aws.client("ecr", "eu-west-1").put_image_scanning_configuration(
        repositoryName=f"{PREFIX}/testing", imageScanningConfiguration={"scanOnPush": False})

    result = cli("validate-replication", "--json")

    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["healthy"] is True
    assert all(r["drift"] == [] for r in doc["results"])


def test_a_dropped_region_gets_aws_s_default_back(cli, aws, write_spec):
    write_spec(edit=with_scanning)
    apply_ok(cli)

    def without_eu(spec: dict) -> None:
        with_scanning(spec)
        spec["destination_regions"] = ["us-west-2"]

    write_spec(edit=without_eu)
    changes = changes_by_address(plan_json(cli))
    assert changes[address("eu-west-1")]["change"]["actions"] == ["delete"]
    apply_ok(cli)

    assert configurations(aws) == {SOURCE: CONFIGURED, "us-west-2": CONFIGURED,
                                   "eu-west-1": DEFAULT}
    assert scanning_claims(aws) == [f"/ecrrep/{PROJECT}/scanning/{r}"
                                    for r in (SOURCE, "us-west-2")]
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_adopt_from_does_not_take_another_project_s_scanning_configuration(
        cli, aws, write_spec):
    def team_b(spec: dict) -> None:
        with_scanning(spec, {"rules": [{"frequency": "SCAN_ON_PUSH"}]})
        spec.update(project="team-b", repository_prefix="team-b-apps")

    write_spec(edit=team_b)
    apply_ok(cli)
    theirs = configurations(aws)
    their_claims = scanning_claims(aws)
    write_spec(edit=with_scanning)

    plan = cli("plan", "--json", "--adopt-from", "team-b")
    assert plan.returncode == 0, plan.stderr
    planned = changes_by_address(json.loads(plan.stdout))
    result = cli("apply", "--auto-approve", "--adopt-from", "team-b")

    for region in REGIONS:
        assert planned[address(region)]["blocked"] == (
            "claimed by ecrrep project 'team-b': --adopt-from does not transfer the registry "
            "scanning configuration; remove `scanning:` from team-b's spec and apply it first")
    assert result.returncode == 1
    assert configurations(aws) == theirs
    assert scanning_claims(aws) == their_claims
    assert all("/team-b/" in claim for claim in their_claims) and len(their_claims) == 3
