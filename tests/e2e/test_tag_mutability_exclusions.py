"""Tag mutability with exclusions end to end: the installed `ecrrep` against the sandbox, each
region's repository checked with plain boto3."""

from __future__ import annotations

import json

import pytest

from tests.support.e2e_account import (
    PRODUCTION,
    REGIONS,
    account_is_empty,
    repositories_only,
)

pytestmark = pytest.mark.e2e

REPLICA = "us-west-2"


def excluding(mutability: str, *wildcards: str):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        production = spec["repositories"][0]
        production["tag_mutability"] = mutability
        if wildcards:
            production["tag_mutability_exclusions"] = list(wildcards)
    return edit


def mutability(aws, region: str) -> tuple[str, set[str]]:
    """The production repository's mutability and exclusion wildcards in `region`."""
    (repo,) = aws.client("ecr", region).describe_repositories(
        repositoryNames=[PRODUCTION])["repositories"]
    filters = repo.get("imageTagMutabilityExclusionFilters") or []
    assert all(f["filterType"] == "WILDCARD" for f in filters)
    return repo["imageTagMutability"], {f["filter"] for f in filters}


def apply(cli) -> None:
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stderr
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_every_region_is_immutable_except_the_excluded_tags(cli, aws, write_spec):
    write_spec(edit=excluding("IMMUTABLE_WITH_EXCLUSION", "latest", "dev-*"))
    apply(cli)

    for region in REGIONS:
        assert mutability(aws, region) == ("IMMUTABLE_WITH_EXCLUSION", {"latest", "dev-*"})


def test_a_filter_changed_by_hand_is_shown_and_repaired(cli, aws, write_spec):
    write_spec(edit=excluding("IMMUTABLE_WITH_EXCLUSION", "latest", "dev-*"))
    apply(cli)
    aws.client("ecr", REPLICA).put_image_tag_mutability(
        repositoryName=PRODUCTION, imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}])

    plan = cli("plan", "--json")
    doc = json.loads(plan.stdout)
    (change,) = [c for c in doc["resource_changes"] if c["change"]["actions"] != ["no-op"]]
    assert (change["region"], change["name"]) == (REPLICA, PRODUCTION)
    assert change["change"]["before"]["tag_mutability_exclusions"] == ["latest"]
    assert change["change"]["after"]["tag_mutability_exclusions"] == ["dev-*", "latest"]
    assert change["change"]["fields"] == ["tag_mutability_exclusions"]
    text = cli("plan", env={"COLUMNS": "200"}).stdout
    assert "tag_mutability_exclusions" in text
    apply(cli)

    for region in REGIONS:
        assert mutability(aws, region) == ("IMMUTABLE_WITH_EXCLUSION", {"latest", "dev-*"})


def test_validate_replication_reports_a_replica_with_other_filters(cli, aws, write_spec):
    write_spec(edit=excluding("MUTABLE_WITH_EXCLUSION", "release-*"))
    apply(cli)
    aws.client("ecr", REPLICA).put_image_tag_mutability(
        repositoryName=PRODUCTION, imageTagMutability="MUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "v*"}])

    result = cli("validate-replication", "--json")

    doc = json.loads(result.stdout)
    drifts = {(r["repository"], r["region"]): r["drift"] for r in doc["results"] if r["drift"]}
    assert drifts == {(PRODUCTION, REPLICA): [{
        "field": "tag_mutability_exclusions", "source": ["release-*"], "replica": ["v*"]}]}
    assert result.returncode == 2


def test_changing_the_spec_sets_the_new_filters_and_plain_mutability_clears_them(
        cli, aws, write_spec):
    write_spec(edit=excluding("IMMUTABLE_WITH_EXCLUSION", "latest", "dev-*"))
    apply(cli)
    write_spec(edit=excluding("MUTABLE_WITH_EXCLUSION", "release-*"))
    apply(cli)
    for region in REGIONS:
        assert mutability(aws, region) == ("MUTABLE_WITH_EXCLUSION", {"release-*"})

    write_spec(edit=excluding("IMMUTABLE"))
    apply(cli)

    for region in REGIONS:
        assert mutability(aws, region) == ("IMMUTABLE", set())


def test_exclusions_without_a_with_exclusion_value_are_refused_and_nothing_changes(
        cli, aws, write_spec):
    path = write_spec(edit=excluding("IMMUTABLE", "latest"))
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "tag_mutability_exclusions" in text)

    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"ecrrep.yaml:{line}: repositories[0].tag_mutability_exclusions: only used with "
        "tag_mutability: IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION",
        "Error: the spec has 1 error; nothing was sent to AWS"]
    assert account_is_empty(aws)


def test_a_sixth_filter_is_refused_and_nothing_changes(cli, aws, write_spec):
    path = write_spec(edit=excluding("IMMUTABLE_WITH_EXCLUSION", *"abcdef"))
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "tag_mutability_exclusions" in text)

    result = cli("plan")

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"ecrrep.yaml:{line}: repositories[0].tag_mutability_exclusions: must have at most "
        "5 items (got 6)")
    assert account_is_empty(aws)
