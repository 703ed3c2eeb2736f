"""replicate_to end to end: the installed `ecrrep` against the sandbox; the replication rules,
the replicas and where a pushed image goes checked with plain boto3."""

from __future__ import annotations

import json

import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from tests.support.e2e_account import (
    PRODUCTION,
    SOURCE,
    TESTING,
    account_is_empty,
    replication_rules,
    repositories_only,
)

pytestmark = pytest.mark.e2e

DELAY = 60.0  # seconds between a push and its replicas, on the sandbox clock


def replicating(production: list[str] | None, testing: list[str] | None):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        for repo, regions in zip(spec["repositories"], (production, testing), strict=True):
            repo.pop("replicate_to", None)
            if regions is not None:
                repo["replicate_to"] = regions
    return edit


def apply(cli, *args: str) -> None:
    result = cli("apply", "--auto-approve", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def where(aws, repository: str) -> set[str]:
    """The regions holding the repository."""
    return {region for region in ("us-east-1", "us-west-2", "eu-west-1")
            if any(r["repositoryName"] == repository for r in
                   aws.client("ecr", region).describe_repositories()["repositories"])}


def digests(aws, region: str, repository: str) -> set[str]:
    details = aws.client("ecr", region).describe_images(repositoryName=repository)
    return {d["imageDigest"] for d in details["imageDetails"]}


def rules_by_filters(aws) -> dict[tuple[str, ...], list[str]]:
    return {tuple(sorted(f["filter"] for f in rule["repositoryFilters"])):
            sorted(d["region"] for d in rule["destinations"]) for rule in replication_rules(aws)}


def test_none_stays_home_and_one_destination_is_the_only_one(cli, aws, write_spec):
    write_spec(edit=replicating(["eu-west-1"], []))
    plan = cli("plan", env={"COLUMNS": "400"})
    assert f"replicate {PRODUCTION} to eu-west-1 (this account)" in plan.stdout
    apply(cli)

    assert rules_by_filters(aws) == {(PRODUCTION,): ["eu-west-1"]}
    assert where(aws, TESTING) == {SOURCE}
    assert where(aws, PRODUCTION) == {SOURCE, "eu-west-1"}

    settings.configure(replication_delay_seconds=DELAY)
    ecr = aws.client("ecr", SOURCE)
    kept = push_sample_image(ecr, TESTING, "stays", ["v1"]).digest
    sent = push_sample_image(ecr, PRODUCTION, "goes", ["v1"]).digest
    settings.advance(DELAY)

    assert where(aws, TESTING) == {SOURCE}  # ECR created no replica for it either
    assert digests(aws, SOURCE, TESTING) == {kept}
    assert where(aws, PRODUCTION) == {SOURCE, "eu-west-1"}
    assert digests(aws, "eu-west-1", PRODUCTION) == {sent}

    result = cli("validate-replication", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads(result.stdout)
    assert doc["healthy"] is True
    assert [(r["repository"], r["region"], r["status"]) for r in doc["results"]] == [
        (PRODUCTION, "eu-west-1", "ok")]
    text = cli("validate-replication")
    assert text.returncode == 0, text.stdout + text.stderr


def test_changing_replicate_to_rewrites_the_rules_and_deletes_the_unneeded_replica(
        cli, aws, write_spec):
    write_spec(edit=replicating(None, None))
    apply(cli)
    assert rules_by_filters(aws) == {("my-company-apps/",): ["eu-west-1", "us-west-2"]}
    settings.configure(replication_delay_seconds=DELAY)
    push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"])
    settings.advance(DELAY)
    assert where(aws, PRODUCTION) == {SOURCE, "eu-west-1", "us-west-2"}

    write_spec(edit=replicating(["eu-west-1"], None))
    plan = cli("plan", "--json")
    assert plan.returncode == 0, plan.stderr
    doc = json.loads(plan.stdout)
    deleted = [(c["type"], c["region"], c["name"]) for c in doc["resource_changes"]
               if c["change"]["actions"] == ["delete"] and c["type"] == "ecr_repository"]
    assert deleted == [("ecr_repository", "us-west-2", PRODUCTION)]
    assert [b["address"] for b in doc["blocked"]] == [
        f"ecr_repository.us-west-2.{PRODUCTION}"]
    # The replica holds the replicated image: as destroy does, deleting it needs the flag.
    refused = cli("apply", "--auto-approve")
    assert refused.returncode != 0
    assert where(aws, PRODUCTION) == {SOURCE, "eu-west-1", "us-west-2"}

    apply(cli, "--force-delete-images")

    assert rules_by_filters(aws) == {(PRODUCTION,): ["eu-west-1"],
                                     (TESTING,): ["eu-west-1", "us-west-2"]}
    assert where(aws, PRODUCTION) == {SOURCE, "eu-west-1"}
    assert where(aws, TESTING) == {SOURCE, "eu-west-1", "us-west-2"}

    # Back to the default: the one rule on the prefix again, and the replica again.
    write_spec(edit=replicating(None, None))
    apply(cli)
    assert rules_by_filters(aws) == {("my-company-apps/",): ["eu-west-1", "us-west-2"]}
    assert where(aws, PRODUCTION) == {SOURCE, "eu-west-1", "us-west-2"}


def test_a_region_outside_destination_regions_is_refused_and_nothing_changes(
        cli, aws, write_spec):
    def edit(spec: dict) -> None:
        replicating(None, ["us-west-2"])(spec)
        spec["destination_regions"] = ["us-west-2"]
        spec["repositories"][0]["replicate_to"] = ["us-west-2", "eu-west-1"]
    path = write_spec(edit=edit)
    # eu-west-1 is not a destination region: refused before any call.
    result = cli("apply", "--auto-approve")
    assert result.returncode == 1
    line = next(i for i, text in enumerate(path.read_text().splitlines(), start=1)
                if "- eu-west-1" in text)
    assert result.stderr.splitlines()[0] == (
        f"ecrrep.yaml:{line}: repositories[0].replicate_to[1]: 'eu-west-1' is not one of "
        "destination_regions (add it there first)")
    assert account_is_empty(aws)


def test_a_region_named_twice_is_refused_and_nothing_changes(cli, aws, write_spec):
    write_spec(edit=replicating(["eu-west-1", "eu-west-1"], None))
    result = cli("plan")
    assert result.returncode == 1
    assert "repositories[0].replicate_to[1]: duplicate region 'eu-west-1' (also " \
           "replicate_to[0])" in result.stderr.splitlines()[0]
    assert account_is_empty(aws)
