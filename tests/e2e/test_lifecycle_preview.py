"""The lifecycle preview in `ecrrep plan`: the installed command against a moto server, with
real images of chosen ages put into the repositories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.pushed_images import push

pytestmark = pytest.mark.e2e

PREFIX = "my-company-apps"
PRODUCTION = f"{PREFIX}/production"
SOURCE, REPLICA, EMPTY_REPLICA = "us-east-1", "us-west-2", "eu-west-1"
ADDRESS = "ecr_lifecycle_policy.{region}." + PRODUCTION
DAY = timedelta(days=1)


def monitoring_off(spec: dict) -> None:
    """Only the registry: these tests are about lifecycle policies."""
    spec["monitoring"]["enabled"] = False
    spec["notifications"]["enabled"] = False
    spec["cleanup"]["enabled"] = False


def keep_last(n: int):
    def edit(spec: dict) -> None:
        monitoring_off(spec)
        spec["repositories"][0]["lifecycle"][0]["keep_last"] = n
    return edit


@pytest.fixture
def ten_prod_images(cli, aws, write_spec) -> list[str]:
    """The example applied (keep_last 15), then ten prod-* images in production, n+1 days old
    for the n-th; copied to us-west-2 with the same ages, as replication long ago would have
    (the emulator's own replication is held back: its copies would be new). Digests, newest
    first."""
    from ecrrep.sandbox import settings

    settings.configure(replication_delay_seconds=3600)
    write_spec(keep_last(15))
    applied = cli("apply", "--auto-approve")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    source, replica = aws.client("ecr", SOURCE), aws.client("ecr", REPLICA)
    now = datetime.now(UTC)
    digests = []
    for n in range(10):
        digests.append(push(source, PRODUCTION, f"prod-{n}", [f"prod-1.{n}"], (n + 1) * DAY, now))
        push(replica, PRODUCTION, f"prod-{n}", [f"prod-1.{n}"], (n + 1) * DAY, now)
    return digests


def plan_doc(cli) -> dict:
    result = cli("plan", "--json")
    assert result.returncode == 0, result.stderr
    return {c["address"]: c for c in json.loads(result.stdout)["resource_changes"]}


def oldest_first(aws, region: str, digests: set[str]) -> list[str]:
    """The given digests ordered by the push time ECR reports, oldest first."""
    details = aws.client("ecr", region).describe_images(repositoryName=PRODUCTION)["imageDetails"]
    ordered = sorted(details, key=lambda d: d["imagePushedAt"])
    return [d["imageDigest"] for d in ordered if d["imageDigest"] in digests]


def test_keep_last_15_to_2_on_ten_prod_images_says_8_would_expire(
        cli, aws, write_spec, ten_prod_images):
    assert not any(c["change"]["actions"] != ["no-op"] for c in plan_doc(cli).values())
    write_spec(keep_last(2))
    changes = plan_doc(cli)

    source = changes[ADDRESS.format(region=SOURCE)]
    assert source["change"]["actions"] == ["update"]
    assert "would expire 8 of 10 current images" in source["notes"]
    expiring = [e["digest"] for e in source["facts"]["would_expire"]]
    # The eight oldest of the images put, as ECR itself orders them; the two newest stay.
    assert expiring == oldest_first(aws, SOURCE, set(ten_prod_images))[:8]
    assert set(expiring) == set(ten_prod_images[2:])
    assert {e["rule"] for e in source["facts"]["would_expire"]} == {1}
    assert all(e["tags"][0].startswith("prod-") for e in source["facts"]["would_expire"])

    replica = changes[ADDRESS.format(region=REPLICA)]
    assert "would expire 8 of 10 current images" in replica["notes"]
    empty = changes[ADDRESS.format(region=EMPTY_REPLICA)]
    assert "would expire 0 of 0 current images" in empty["notes"]

    # Nothing was expired or changed by planning.
    remaining = aws.client("ecr", SOURCE).describe_images(repositoryName=PRODUCTION)
    assert len(remaining["imageDetails"]) == 10


def test_plan_shows_the_count_and_lists_the_images_with_verbose(
        cli, aws, write_spec, ten_prod_images):
    write_spec(keep_last(2))
    plain = cli("plan")
    assert plain.returncode == 0, plain.stderr
    assert "would expire 8 of 10 current images" in plain.stdout
    oldest = ten_prod_images[-1].split(":")[1][:12]
    assert oldest not in plain.stdout

    verbose = cli("plan", "-v")
    assert verbose.returncode == 0, verbose.stderr
    for digest in ten_prod_images[2:]:
        assert digest.split(":")[1][:12] in verbose.stdout
    for digest in ten_prod_images[:2]:
        assert digest.split(":")[1][:12] not in verbose.stdout
    assert "prod-1.9" in verbose.stdout and "rule 1" in verbose.stdout


def test_a_policy_created_in_a_destination_region_is_previewed_there(
        cli, aws, write_spec, ten_prod_images):
    # The replica holds images but lost its policy (or was made by replication before ecrrep).
    aws.client("ecr", REPLICA).delete_lifecycle_policy(repositoryName=PRODUCTION)
    write_spec(keep_last(3))
    changes = plan_doc(cli)
    replica = changes[ADDRESS.format(region=REPLICA)]
    assert replica["change"]["actions"] == ["create"]
    assert "would expire 7 of 10 current images" in replica["notes"]
    assert {e["digest"] for e in replica["facts"]["would_expire"]} == set(ten_prod_images[3:])


def test_untagged_images_are_previewed_by_the_untagged_rule(cli, aws, write_spec):
    write_spec(keep_last(15))
    assert cli("apply", "--auto-approve").returncode == 0
    source = aws.client("ecr", SOURCE)
    now = datetime.now(UTC)
    old = push(source, PRODUCTION, "bare-old", None, 5 * DAY, now)
    push(source, PRODUCTION, "bare-new", None, timedelta(hours=2), now)
    push(source, PRODUCTION, "tagged", ["prod-1"], 30 * DAY, now)

    def untagged_after_one_day(spec: dict) -> None:
        keep_last(15)(spec)
        spec["repositories"][0]["lifecycle"][1]["expire_after_days"] = 1

    write_spec(untagged_after_one_day)
    source_change = plan_doc(cli)[ADDRESS.format(region=SOURCE)]
    assert "would expire 1 of 3 current images" in source_change["notes"]
    assert source_change["facts"]["would_expire"] == [
        {"digest": old, "tags": [], "rule": 2,
         "pushed_at": source_change["facts"]["would_expire"][0]["pushed_at"]}]


def test_several_prefixes_warn_and_select_only_images_with_both(cli, aws, write_spec):
    write_spec(keep_last(15))
    assert cli("apply", "--auto-approve").returncode == 0
    source = aws.client("ecr", SOURCE)
    now = datetime.now(UTC)
    both = push(source, PRODUCTION, "both", ["prod-1", "release-1"], 40 * DAY, now)
    push(source, PRODUCTION, "prod-only", ["prod-2"], 40 * DAY, now)
    push(source, PRODUCTION, "release-only", ["release-2"], 40 * DAY, now)

    def seed_recipe_rule(spec: dict) -> None:
        monitoring_off(spec)
        spec["repositories"][0]["lifecycle"][0] = {
            "select": "tagged", "tag_prefixes": ["prod", "release"], "expire_after_days": 30}

    write_spec(seed_recipe_rule)
    result = cli("plan")
    assert result.returncode == 0, result.stderr
    # The spec loader's warning, with its file and line, and the plan's own note.
    assert "warning:" in result.stderr and "AND, not OR" in result.stderr
    assert "rule 1 selects only images with a tag matching each of prod, release (AND, not OR)" \
        in result.stdout
    assert "would expire 1 of 3 current images" in result.stdout
    change = plan_doc(cli)[ADDRESS.format(region=SOURCE)]
    assert [e["digest"] for e in change["facts"]["would_expire"]] == [both]


def test_a_new_repository_gets_no_preview(cli, aws, write_spec):
    write_spec(monitoring_off)
    changes = plan_doc(cli)
    created = changes[ADDRESS.format(region=SOURCE)]
    assert created["change"]["actions"] == ["create"]
    assert "facts" not in created or "would_expire" not in created["facts"]
    assert not any(n.startswith("would expire") for n in created.get("notes", []))

