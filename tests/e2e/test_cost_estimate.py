"""The plan's replication cost estimate end to end: the installed `ecrrep` against the sandbox,
the images' sizes checked with plain boto3."""

from __future__ import annotations

import json

import pytest

from ecrrep.aws.context import AwsContext
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.planner import plan_for
from ecrrep.replication.cost import BYTES_PER_GB
from ecrrep.sandbox.images import put_image, sample_manifest
from ecrrep.spec.loader import load_spec
from ecrrep.workflows.plan import plan_cost
from tests.support.e2e_account import (
    DESTINATIONS,
    PRODUCTION,
    SOURCE,
    TESTING,
    repositories_only,
)

pytestmark = pytest.mark.e2e

NEW_REGION = "eu-central-1"
IMAGE_BYTES = 3 * BYTES_PER_GB


def with_destinations(*regions: str):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        spec["destination_regions"] = list(regions)
    return edit


def push(aws, seed: str) -> None:
    put_image(aws.client("ecr", SOURCE), PRODUCTION, sample_manifest(seed, IMAGE_BYTES), [seed])


def stored_bytes(aws) -> int:
    details = aws.client("ecr", SOURCE).describe_images(repositoryName=PRODUCTION)
    return sum(d["imageSizeInBytes"] for d in details["imageDetails"])


def estimate(cli) -> dict | None:
    result = cli("plan", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout).get("cost_estimate")


def test_adding_a_destination_estimates_a_cost_that_grows_with_the_images(cli, aws,
                                                                          write_spec):
    write_spec(edit=with_destinations(*DESTINATIONS))
    assert cli("apply", "--auto-approve").returncode == 0
    push(aws, "one")
    assert estimate(cli) is None  # nothing changes destination

    write_spec(edit=with_destinations(*DESTINATIONS, NEW_REGION))
    first = estimate(cli)
    push(aws, "two")
    second = estimate(cli)

    (region,) = first["regions"]
    assert region["region"] == NEW_REGION
    assert region["repositories_added"] == [PRODUCTION, TESTING]  # testing holds nothing
    assert region["storage_bytes"] == region["transfer_bytes"] == IMAGE_BYTES
    assert second["regions"][0]["storage_bytes"] == stored_bytes(aws) == 2 * IMAGE_BYTES
    assert 0 < first["total_usd"] < second["total_usd"]
    assert second["storage_usd"] == pytest.approx(2 * 3 * 0.10)
    assert second["transfer_usd"] == pytest.approx(2 * 3 * 0.02)
    assert first["prices_date"] and not first["price_assumed"]
    text = cli("plan", env={"COLUMNS": "400"})
    assert ("Estimated replication cost: +$0.72/month (storage +$0.60 in eu-central-1; "
            "transfer +$0.12)") in text.stdout


def test_a_saved_plan_with_an_estimate_applies(cli, aws, write_spec, tmp_path):
    write_spec(edit=with_destinations(*DESTINATIONS))
    assert cli("apply", "--auto-approve").returncode == 0
    push(aws, "one")
    write_spec(edit=with_destinations(*DESTINATIONS, NEW_REGION))

    saved = cli("plan", "--json", "--out", str(tmp_path / "plan.json"))
    assert json.loads(saved.stdout)["cost_estimate"]
    applied = cli("apply", "--auto-approve", str(tmp_path / "plan.json"))

    assert applied.returncode == 0, applied.stderr
    assert aws.client("ecr", NEW_REGION).describe_repositories(
        repositoryNames=[PRODUCTION])["repositories"]
    assert estimate(cli) is None


def describe_images_calls(aws, monkeypatch, spec_path) -> int:
    """DescribeImages calls a plan and its estimate make, in process, counted by the context."""
    for key, value in aws.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    spec = load_spec(spec_path).spec
    ctx = AwsContext(endpoint_url=aws.endpoint)
    try:
        plan_cost(ctx, spec, plan_for(ctx, spec, DiffOptions(spec.project)))
        return ctx.stats().calls[("ecr", "DescribeImages")]
    finally:
        ctx.close()


def test_no_op_and_first_plans_read_no_image(cli, aws, write_spec, monkeypatch):
    spec_path = write_spec(edit=with_destinations(*DESTINATIONS))
    assert describe_images_calls(aws, monkeypatch, spec_path) == 0  # an empty account
    assert cli("apply", "--auto-approve").returncode == 0
    push(aws, "one")
    assert describe_images_calls(aws, monkeypatch, spec_path) == 0  # a no-op plan
