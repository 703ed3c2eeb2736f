"""replicate_deletions end to end: the installed `ecrrep` against the sandbox, the replication
rule's deleteReplication and what a deletion in the source does to the replicas checked with
plain boto3."""

from __future__ import annotations

import pytest

from ecrrep.sandbox import settings
from ecrrep.sandbox.images import push_sample_image
from tests.support.e2e_account import (
    DESTINATIONS,
    PREFIX,
    PRODUCTION,
    SOURCE,
    account_is_empty,
    repositories_only,
)

pytestmark = pytest.mark.e2e

DELAY = 60.0  # seconds between a change in the source and the replicas, on the sandbox clock
WARNING = ("warning: deletions will be replicated: deleting an image (or a tag) in us-east-1, "
           "by hand or by a lifecycle policy, then deletes it in eu-west-1, us-west-2")


def replicating_deletions(value: bool):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        spec["replicate_deletions"] = value
    return edit


def our_rule(aws) -> dict:
    rules = aws.client("ecr", SOURCE).describe_registry()["replicationConfiguration"]["rules"]
    (rule,) = [r for r in rules
               if r["repositoryFilters"][0]["filter"] == f"{PREFIX}/"]
    return rule


def apply(cli) -> None:
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stderr
    again = cli("plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def digests(aws, region: str) -> set[str]:
    details = aws.client("ecr", region).describe_images(repositoryName=PRODUCTION)
    return {d["imageDigest"] for d in details["imageDetails"]}


def push_replicated(aws) -> str:
    """An image pushed to the source and, once the delay has passed, in every destination."""
    settings.configure(replication_delay_seconds=DELAY)
    digest = push_sample_image(aws.client("ecr", SOURCE), PRODUCTION, "one", ["v1"]).digest
    settings.advance(DELAY)
    for region in DESTINATIONS:
        assert digest in digests(aws, region)
    return digest


def delete_in_source(aws, digest: str) -> None:
    aws.client("ecr", SOURCE).batch_delete_image(repositoryName=PRODUCTION,
                                                 imageIds=[{"imageDigest": digest}])
    assert digest not in digests(aws, SOURCE)


def test_plan_warns_and_apply_writes_delete_replication(cli, aws, write_spec):
    write_spec(edit=replicating_deletions(True))

    plan = cli("plan", "--json")
    assert plan.returncode == 0, plan.stderr
    assert WARNING in plan.stdout
    text = cli("plan", env={"COLUMNS": "400"})
    assert "warning: deletions will be replicated" in text.stdout
    apply(cli)

    assert our_rule(aws)["deleteReplication"] == {"enabled": True}


def test_a_deletion_in_the_source_reaches_every_replica(cli, aws, write_spec):
    write_spec(edit=replicating_deletions(True))
    apply(cli)
    digest = push_replicated(aws)

    delete_in_source(aws, digest)
    for region in DESTINATIONS:  # not before the replication delay
        assert digest in digests(aws, region)
    settings.advance(DELAY)

    for region in DESTINATIONS:
        assert digest not in digests(aws, region)


def test_by_default_replicas_keep_what_the_source_deletes(cli, aws, write_spec):
    write_spec(edit=repositories_only)
    apply(cli)
    assert not our_rule(aws).get("deleteReplication", {}).get("enabled", False)
    digest = push_replicated(aws)

    delete_in_source(aws, digest)
    settings.advance(DELAY)

    for region in DESTINATIONS:
        assert digest in digests(aws, region)


def test_turning_it_off_takes_it_off_the_rule_without_a_warning(cli, aws, write_spec):
    write_spec(edit=replicating_deletions(True))
    apply(cli)
    write_spec(edit=replicating_deletions(False))

    plan = cli("plan", "--detailed-exitcode", env={"COLUMNS": "400"})
    assert plan.returncode == 2, plan.stderr
    assert "delete_replication" in plan.stdout and "warning" not in plan.stdout
    apply(cli)

    assert not our_rule(aws).get("deleteReplication", {}).get("enabled", False)
    digest = push_replicated(aws)
    delete_in_source(aws, digest)
    settings.advance(DELAY)
    for region in DESTINATIONS:
        assert digest in digests(aws, region)


def test_a_rule_saying_enabled_false_is_no_drift(cli, aws, write_spec):
    write_spec(edit=repositories_only)
    apply(cli)
    rule = our_rule(aws)
    aws.client("ecr", SOURCE).put_replication_configuration(replicationConfiguration={
        "rules": [{**rule, "deleteReplication": {"enabled": False}}]})

    plan = cli("plan", "--detailed-exitcode")

    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_a_value_that_is_not_a_boolean_is_refused_and_nothing_changes(cli, aws, write_spec):
    path = write_spec(edit=replicating_deletions(True))
    path.write_text(path.read_text().replace("replicate_deletions: true",
                                             "replicate_deletions: sometimes"))
    line = path.read_text().splitlines().index("replicate_deletions: sometimes") + 1

    result = cli("apply", "--auto-approve")

    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        f"ecrrep.yaml:{line}: replicate_deletions: must be true or false")
    assert account_is_empty(aws)
