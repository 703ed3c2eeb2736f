"""destroy end to end: the installed `ecrrep` against a moto server, checked with plain boto3.

The checks cover every resource kind registered in `all_kinds()` when the tests run (through a
fresh plan, which must want to create everything again), and look directly, service by service
and region by region, for anything named after the project.
"""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from ecrrep.resources import all_kinds
from ecrrep.sandbox.images import push_sample_image
from tests.support.account import ACCOUNT_ID
from tests.support.cli_runner import ecrrep_command
from tests.support.e2e_account import (
    ecr_state,
    inventory,
    named_for_project,
    nothing_named,
    replication_rules,
    roles,
)
from tests.support.e2e_steps import plan_json

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
PREFIX = "my-company-apps"
SOURCE = "us-east-1"
REGIONS = [SOURCE, "us-west-2", "eu-west-1"]
PRODUCTION = f"{PREFIX}/production"
TESTING = f"{PREFIX}/testing"
OWNERSHIP_TAG = "ecrrep:project"
ENGINE_KINDS = {"iam_role", "ecr_repository", "ecr_lifecycle_policy", "ecr_repository_policy",
                "ecr_replication_rule"}
FOREIGN_RULE = {
    "destinations": [{"region": "eu-west-1", "registryId": ACCOUNT_ID}],
    "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}],
}


# -- helpers ---------------------------------------------------------------------------------


def apply_ok(cli, write_spec) -> None:
    # The example with registry scanning and creation templates on (commented out in the
    # example), so that destroying it exercises every registered kind.
    write_spec(lambda spec: spec.update(scanning={"rules": [{"frequency": "SCAN_ON_PUSH"}]},
                                        templates={}))
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr




# Kinds only a spec with destinations in other accounts uses.
OTHER_ACCOUNTS_ONLY = {"ecr_registry_policy"}


def kind_types() -> list[str]:
    return [kind.type for kind in all_kinds()]


def add_foreign_rule(aws) -> None:
    rules = replication_rules(aws)
    aws.client("ecr", SOURCE).put_replication_configuration(
        replicationConfiguration={"rules": [FOREIGN_RULE, *rules]})


def destroyed_order(stderr: str) -> list[str]:
    """Resource types in the order destroy reported deleting them."""
    return [m.group(1) for m in re.finditer(r"^✓ ([a-z0-9_]+)\.\S+: destroyed$", stderr,
                                            re.MULTILINE)]


# -- tests -----------------------------------------------------------------------------------


def test_destroy_removes_everything_of_every_kind_in_reverse_dependency_order(
        cli, aws, write_spec):
    apply_ok(cli, write_spec)
    applied = plan_json(cli)
    present = {c["type"] for c in applied["resource_changes"] if not c.get("kept")}
    # The example spec uses every registered kind, so destroying it exercises them all, but
    # the registry policy of another account (test_other_account_destinations.py).
    assert set(kind_types()) - OTHER_ACCOUNTS_ONLY <= present
    before = inventory(aws)
    assert {name for _, name in before["ecr"]} == {PRODUCTION, TESTING}
    assert len(before["ecr"]) == 6 and len(before["rules"]) == 1 and before["roles"]
    if set(kind_types()) - ENGINE_KINDS:  # the monitoring kinds are registered
        assert not nothing_named(before["others"])

    result = cli("destroy", "--auto-approve")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Destroy complete!" in result.stdout
    assert ecr_state(aws) == {}
    assert replication_rules(aws) == []
    assert roles(aws) == {}
    assert nothing_named(named_for_project(aws)), named_for_project(aws)
    # Generic over every kind: a fresh plan wants to create everything again.
    after = plan_json(cli)
    assert {c["type"] for c in after["resource_changes"]} >= set(kind_types()) - (
        OTHER_ACCOUNTS_ONLY)
    assert {a for c in after["resource_changes"] for a in c["change"]["actions"]} == {"create"}
    # Reverse dependency order: a kind's deletions all come before those of the kinds it
    # depends on (earlier in all_kinds()).
    destroyed = destroyed_order(result.stderr)
    order = [kind_types().index(t) for t in destroyed]
    # A repository's lifecycle and repository policies go with it: no call deletes them.
    with_repository = {"ecr_lifecycle_policy", "ecr_repository_policy"}
    assert not with_repository & set(destroyed)
    assert len(order) == applied["summary"]["add"] + sum(
        1 for c in applied["resource_changes"] if c["change"]["actions"] == ["no-op"]
        and not c.get("kept") and c["type"] not in with_repository)
    assert order == sorted(order, reverse=True)


def test_repository_with_images_blocks_the_whole_destroy(cli, aws, write_spec):
    apply_ok(cli, write_spec)
    # The push to the source is replicated to production's two replicas.
    push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "p1", ["prod-1"])
    push_sample_image(aws.client("ecr", "eu-west-1"), TESTING, "t1", ["test-1"])
    push_sample_image(aws.client("ecr", "eu-west-1"), TESTING, "t2", ["test-2"])
    before = inventory(aws)

    result = cli("destroy", "--auto-approve")

    assert result.returncode == 1
    assert "nothing was changed" in result.stderr
    blocked = [line for line in result.stdout.splitlines()
               if "deleting it needs --force-delete-images" in line and "ecr_repository." in line]
    for region in (SOURCE, "us-west-2", "eu-west-1"):
        assert any(f"ecr_repository.{region}.{PRODUCTION}: holds 1 images" in line
                   for line in blocked), result.stdout
    assert any(f"ecr_repository.eu-west-1.{TESTING}: holds 2 images" in line
               for line in blocked), result.stdout
    assert len(blocked) == 4
    assert inventory(aws) == before

    as_json = cli("destroy", "--auto-approve", "--json")
    assert as_json.returncode == 1
    doc = json.loads(as_json.stdout)
    assert doc["applied"] is False
    assert {b["address"] for b in doc["plan"]["blocked"]} == {
        f"ecr_repository.{SOURCE}.{PRODUCTION}", f"ecr_repository.us-west-2.{PRODUCTION}",
        f"ecr_repository.eu-west-1.{PRODUCTION}", f"ecr_repository.eu-west-1.{TESTING}"}
    assert inventory(aws) == before


def test_force_delete_images_removes_ours_and_keeps_what_we_do_not_own(cli, aws, write_spec):
    apply_ok(cli, write_spec)
    source = aws.client("ecr", SOURCE)
    # Replicated to production's replicas: they hold the image too.
    push_sample_image(source, PRODUCTION, "p1", ["prod-1"])
    add_foreign_rule(aws)
    # Someone else's repository under our prefix, holding an image: replication (our rule
    # filters on the prefix) creates its replicas, which are not ours either.
    source.create_repository(repositoryName=f"{PREFIX}/legacy")
    push_sample_image(source, f"{PREFIX}/legacy", "l1", ["v1"])
    legacy = [(region, f"{PREFIX}/legacy") for region in (SOURCE, "us-west-2", "eu-west-1")]
    # Resources with our names but without the ownership tag: never deleted.
    eu = aws.client("ecr", "eu-west-1")
    eu_arn = eu.describe_repositories(repositoryNames=[TESTING])["repositories"][0][
        "repositoryArn"]
    eu.untag_resource(resourceArn=eu_arn, tagKeys=[OWNERSHIP_TAG])
    ci_role = f"{PROJECT}-ecr-ci"
    aws.client("iam").untag_role(RoleName=ci_role, TagKeys=[OWNERSHIP_TAG])
    before = inventory(aws)

    result = cli("destroy", "--auto-approve", "--force-delete-images")

    assert result.returncode == 0, result.stdout + result.stderr
    after = inventory(aws)
    assert after["rules"] == [FOREIGN_RULE]
    assert before["ecr"][("us-west-2", PRODUCTION)]["images"]
    assert set(after["ecr"]) == {*legacy, ("eu-west-1", TESTING)}
    for where in legacy:
        assert after["ecr"][where] == before["ecr"][where]
    # The unowned replica keeps its settings too: its policies are owned through it.
    assert after["ecr"][("eu-west-1", TESTING)] == before["ecr"][("eu-west-1", TESTING)]
    assert after["ecr"][("eu-west-1", TESTING)]["lifecycle"] is not None
    assert after["roles"] == {ci_role: before["roles"][ci_role]}
    assert nothing_named(after["others"]), after["others"]

    again = cli("destroy", "--auto-approve", "--force-delete-images")
    assert again.returncode == 0, again.stderr
    assert "Nothing to destroy" in again.stdout
    assert inventory(aws) == after


def test_second_destroy_and_destroy_on_an_empty_account_do_nothing_and_exit_0(
        cli, aws, write_spec):
    write_spec()
    empty = cli("destroy", "--auto-approve")
    assert empty.returncode == 0, empty.stderr
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in empty.stdout
    assert "Nothing to destroy" in empty.stdout

    apply_ok(cli, write_spec)
    first = cli("destroy", "--auto-approve")
    assert first.returncode == 0, first.stderr
    second = cli("destroy", "--auto-approve")
    assert second.returncode == 0, second.stderr
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in second.stdout
    assert ecr_state(aws) == {} and roles(aws) == {} and replication_rules(aws) == []

    as_json = cli("destroy", "--auto-approve", "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout)["plan"]["summary"] == {"add": 0, "change": 0,
                                                             "destroy": 0}


def test_without_a_terminal_or_auto_approve_destroy_refuses_and_deletes_nothing(
        cli, aws, write_spec):
    apply_ok(cli, write_spec)
    before = inventory(aws)

    # Even a "yes" on a pipe is not a confirmation: no one is there to read the plan.
    result = cli("destroy", input="yes\n")

    assert result.returncode == 1
    assert "no terminal to ask on" in result.stderr
    assert re.search(r"^Plan: 0 to add, 0 to change, [1-9]\d* to destroy\.$", result.stdout,
                     re.MULTILINE)
    assert inventory(aws) == before


def run_on_terminal(cli, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ecrrep with stdin on a pseudo-terminal, typing `answer` at the prompt."""
    master, slave = os.openpty()
    try:
        os.write(master, answer.encode() + b"\n")
        return subprocess.run([*ecrrep_command(), *args], cwd=cli.workdir, env=cli.aws.env(),
                              stdin=slave, capture_output=True, text=True, timeout=120)
    finally:
        os.close(slave)
        os.close(master)


def test_destroy_asks_on_a_terminal_and_only_yes_goes_ahead(cli, aws, write_spec):
    apply_ok(cli, write_spec)
    before = inventory(aws)

    refused = run_on_terminal(cli, "y", "destroy")
    assert refused.returncode == 1
    assert "Only 'yes' will be accepted" in refused.stdout
    assert "cancelled" in refused.stderr
    assert inventory(aws) == before

    accepted = run_on_terminal(cli, "yes", "destroy")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert ecr_state(aws) == {} and roles(aws) == {} and replication_rules(aws) == []
