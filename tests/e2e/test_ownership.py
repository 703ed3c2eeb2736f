"""Ownership end to end: two projects in one registry, hand-made look-alikes, a renamed prefix
and a dropped region; the installed `ecrrep` against a moto server, checked with plain boto3.

Project A is the example spec. Project B shares its prefix and has never been applied.
"""

from __future__ import annotations

import json

import pytest

from ecrrep.sandbox.images import push_sample_image
from tests.support.account import FAKE_CREDENTIALS
from tests.support.e2e_steps import apply_ok, changes_by_address

pytestmark = pytest.mark.e2e

A = "container-registry-replication"
B = "team-b"
PREFIX = "my-company-apps"
SOURCE = "us-east-1"
REGIONS = [SOURCE, "us-west-2", "eu-west-1"]
PRODUCTION = f"{PREFIX}/production"
DASHBOARD = f"{A}-ecr"
RULE_A = f"ecr_replication_rule.{SOURCE}.{A}"


# -- the account, read with plain boto3 ------------------------------------------------------


def repositories(aws) -> dict[tuple[str, str], dict[str, str]]:
    """(region, name) → tags, of every repository in every region."""
    found = {}
    for region in [*REGIONS, "ap-south-1"]:
        ecr = aws.client("ecr", region)
        for repo in ecr.describe_repositories()["repositories"]:
            tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
            found[(region, repo["repositoryName"])] = {t["Key"]: t["Value"] for t in tags}
    return found


def rules(aws) -> list[dict]:
    return aws.client("ecr", SOURCE).describe_registry()["replicationConfiguration"]["rules"]


def claims(aws) -> list[str]:
    ssm = aws.client("ssm", SOURCE)
    found = ssm.get_parameters_by_path(Path="/ecrrep", Recursive=True)["Parameters"]
    return sorted(p["Name"] for p in found)


def dashboards(aws) -> dict[str, str]:
    cloudwatch = aws.client("cloudwatch", SOURCE)
    return {d["DashboardName"]: cloudwatch.get_dashboard(DashboardName=d["DashboardName"])
            ["DashboardBody"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}


def event_rules(aws) -> dict[str, list[str]]:
    return {region: sorted(r["Name"] for r in aws.client("events", region).list_rules()["Rules"])
            for region in REGIONS}


def account(aws) -> dict:
    """Everything the tests compare before and after a command that must change nothing."""
    return {"repositories": repositories(aws), "rules": rules(aws), "claims": claims(aws),
            "dashboards": dashboards(aws), "event_rules": event_rules(aws),
            "roles": sorted(r["RoleName"] for r in aws.client("iam").list_roles()["Roles"])}


# -- specs -----------------------------------------------------------------------------------


def project_b(destinations: list[str] | None = None, prefix: str = PREFIX):
    def edit(spec: dict) -> None:
        spec["project"] = B
        spec["repository_prefix"] = prefix
        if destinations:
            spec["destination_regions"] = destinations

    return edit


def as_b(cli, *args: str):
    return cli("-c", "b.yaml", *args)


def plan_doc(cli, *args: str) -> dict:
    result = cli(*args, "plan", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# -- another project -------------------------------------------------------------------------


def test_b_never_applied_destroys_nothing_of_a_and_cannot_apply_over_it(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    write_spec(edit=project_b(["ap-south-1"]), name="b.yaml")
    before = account(aws)

    destroyed = as_b(cli, "destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert "Nothing to destroy" in destroyed.stdout
    assert account(aws) == before

    b_plan = plan_doc(cli, "-c", "b.yaml")
    by_address = changes_by_address(b_plan)
    kept = [c for c in b_plan["resource_changes"] if c.get("kept")]
    assert [c["notes"] for c in kept] == [[f"owned by ecrrep project '{A}'"]]
    ours = by_address[f"ecr_replication_rule.{SOURCE}.{B}"]
    assert ours["change"]["actions"] == ["create"]
    assert f"overlaps another project's in this registry: ecrrep project '{A}'" in ours["blocked"]
    repo = by_address[f"ecr_repository.{SOURCE}.{PRODUCTION}"]
    assert repo["blocked"].startswith(f"owned by ecrrep project '{A}': left untouched "
                                      f"(--adopt never takes another project's resources; "
                                      f"--adopt-from {A} transfers it)")

    for args in ((), ("--adopt",)):
        refused = as_b(cli, "apply", "--auto-approve", *args)
        assert refused.returncode == 1, refused.stdout
        assert "apply refused" in refused.stderr
        assert account(aws) == before

    destroyed = as_b(cli, "destroy", "--auto-approve")
    assert destroyed.returncode == 0
    assert account(aws) == before
    assert cli("plan", "--detailed-exitcode").returncode == 0


def in_process(aws, monkeypatch):
    """An AwsContext of ecrrep's own in this process, pointed at the test server."""
    from ecrrep.aws.context import AwsContext

    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return AwsContext(endpoint_url=aws.endpoint)


def test_adopt_from_transfers_a_projects_repositories_and_rule(aws, write_spec, cli,
                                                               monkeypatch):
    from ecrrep.engine.diff import DiffOptions
    from ecrrep.engine.planner import apply_plan, plan_for
    from ecrrep.resources.base import ApplyOptions
    from ecrrep.spec.loader import load_spec

    write_spec()
    apply_ok(cli)
    spec = load_spec(str(write_spec(edit=project_b(), name="b.yaml"))).spec
    ctx = in_process(aws, monkeypatch)
    try:
        plan = plan_for(ctx, spec, DiffOptions(B, adopt_from=A))
        assert not plan.blocked, [c.blocked for c in plan.blocked]
        by_address = {c.address: c for c in plan.changes}
        rule = by_address[f"ecr_replication_rule.{SOURCE}.{B}"]
        assert rule.notes == [f"transferred from project {A}"]
        repo = by_address[f"ecr_repository.{SOURCE}.{PRODUCTION}"]
        assert repo.action == "update" and repo.notes == [f"transferred from project {A}"]
        assert by_address[f"ownership_claim.{SOURCE}./ecrrep/{A}/prefix/{PREFIX}"].action \
            == "delete"
        report = apply_plan(ctx, plan, ApplyOptions())
        assert report.ok, [e.line() for _, e in report.failed]
    finally:
        ctx.close()
    assert repositories(aws)[(SOURCE, PRODUCTION)]["ecrrep:project"] == B
    assert f"/ecrrep/{B}/prefix/{PREFIX}" in claims(aws)
    assert f"/ecrrep/{A}/prefix/{PREFIX}" not in claims(aws)
    assert [r["repositoryFilters"][0]["filter"] for r in rules(aws)] == [f"{PREFIX}/"]


def test_a_prefix_under_another_projects_is_refused_with_zero_writes(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    write_spec(edit=project_b(prefix=f"{PREFIX}/team"), name="b.yaml")
    before = account(aws)

    plan_text = as_b(cli, "plan")
    assert (f"repository_prefix {PREFIX}/team overlaps another project's in this registry: "
            f"ecrrep project '{A}' (it claims the prefix {PREFIX})") in plan_text.stdout
    refused = as_b(cli, "apply", "--auto-approve")
    assert refused.returncode == 1
    assert account(aws) == before


# -- hand-made look-alikes -------------------------------------------------------------------


def test_a_hand_made_rule_with_our_filter_is_not_taken_over(cli, aws, write_spec):
    hand_made = {"destinations": [{"region": "eu-west-1", "registryId": "999999999999"}],
                 "repositoryFilters": [{"filter": f"{PREFIX}/", "filterType": "PREFIX_MATCH"}]}
    aws.client("ecr", SOURCE).put_replication_configuration(
        replicationConfiguration={"rules": [hand_made]})
    write_spec()
    before = account(aws)

    doc = plan_doc(cli)
    rule = changes_by_address(doc)[RULE_A]
    assert rule["blocked"].startswith(f"a replication rule filtering on {PREFIX}/ exists, and "
                                      "no ecrrep project claims it (unowned; ")
    assert cli("apply", "--auto-approve").returncode == 1
    assert cli("destroy", "--auto-approve").returncode == 0
    assert account(aws) == before
    assert rules(aws) == [hand_made]


def test_a_hand_made_dashboard_of_our_name_is_neither_overwritten_nor_deleted(
        cli, aws, write_spec):
    body = json.dumps({"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3,
                                    "properties": {"markdown": "made by hand"}}]})
    aws.client("cloudwatch", SOURCE).put_dashboard(DashboardName=DASHBOARD, DashboardBody=body)
    write_spec()

    doc = plan_doc(cli)
    dashboard = changes_by_address(doc)[f"cloudwatch_dashboard.{SOURCE}.{DASHBOARD}"]
    assert "no ecrrep project claims it (unowned" in dashboard["blocked"]
    assert cli("apply", "--auto-approve").returncode == 1
    destroyed = cli("destroy", "--auto-approve")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    assert dashboards(aws) == {DASHBOARD: body}


def test_our_old_bare_prefix_rule_is_recognised_and_replaced(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    (rule,) = rules(aws)
    rule["repositoryFilters"] = [{"filter": PREFIX, "filterType": "PREFIX_MATCH"}]
    aws.client("ecr", SOURCE).put_replication_configuration(
        replicationConfiguration={"rules": [rule]})

    change = changes_by_address(plan_doc(cli))[RULE_A]
    assert change["change"]["actions"] == ["update"]
    assert change["change"]["fields"] == ["repository_filters"]
    apply_ok(cli)
    assert [r["repositoryFilters"] for r in rules(aws)] == [
        [{"filter": f"{PREFIX}/", "filterType": "PREFIX_MATCH"}]]
    assert cli("plan", "--detailed-exitcode").returncode == 0


# -- what the spec no longer names -----------------------------------------------------------


def test_a_changed_prefix_shows_and_removes_the_old_repositories(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)

    def renamed(spec: dict) -> None:
        spec["repository_prefix"] = "platform-apps"

    write_spec(edit=renamed)
    doc = plan_doc(cli)
    deleted = sorted(c["address"] for c in doc["resource_changes"]
                     if c["type"] == "ecr_repository" and c["change"]["actions"] == ["delete"])
    assert deleted == sorted(f"ecr_repository.{r}.{PREFIX}/{n}" for r in REGIONS
                             for n in ("production", "testing"))
    rule = changes_by_address(doc)[RULE_A]
    assert rule["change"]["actions"] == ["update"]

    apply_ok(cli)
    names = {name for _, name in repositories(aws)}
    assert names == {"platform-apps/production", "platform-apps/testing"}
    assert [r["repositoryFilters"][0]["filter"] for r in rules(aws)] == ["platform-apps/"]
    assert f"/ecrrep/{A}/prefix/{PREFIX}" not in claims(aws)
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_a_dropped_region_plans_deleting_its_replicas_and_event_rule(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    failed_rule = f"{A}-ecr-replication-failed"
    assert failed_rule in event_rules(aws)["eu-west-1"]
    push_sample_image(aws.client("ecr", "eu-west-1"), PRODUCTION, "p1", ["prod-1"])

    def without_europe(spec: dict) -> None:
        spec["destination_regions"] = ["us-west-2"]

    write_spec(edit=without_europe)
    doc = plan_doc(cli)
    by_address = changes_by_address(doc)
    replica = by_address[f"ecr_repository.eu-west-1.{PRODUCTION}"]
    assert replica["change"]["actions"] == ["delete"]
    assert replica["blocked"] == "holds 1 images: deleting it needs --force-delete-images"
    assert by_address[f"replication_event_rule.eu-west-1.{failed_rule}"]["change"][
        "actions"] == ["delete"]
    before = account(aws)
    assert cli("apply", "--auto-approve").returncode == 1
    assert account(aws) == before

    apply_ok(cli, "--force-delete-images")
    assert not [key for key in repositories(aws) if key[0] == "eu-west-1"]
    assert failed_rule not in event_rules(aws)["eu-west-1"]
    assert f"/ecrrep/{A}/region/eu-west-1" not in claims(aws)
    assert cli("plan", "--detailed-exitcode").returncode == 0


def test_destroy_removes_the_claims_last(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    assert claims(aws) == sorted([f"/ecrrep/{A}/dashboard/{DASHBOARD}",
                                  f"/ecrrep/{A}/prefix/{PREFIX}",
                                  *(f"/ecrrep/{A}/region/{r}" for r in REGIONS)])
    result = cli("destroy", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    assert claims(aws) == []
    destroyed = [line for line in result.stderr.splitlines() if line.startswith("✓ ")]
    assert all(line.startswith("✓ ownership_claim.") for line in destroyed[-5:])


# -- apply touches only what its own run read as ours ----------------------------------------


def test_apply_refuses_a_hand_made_plan_deleting_what_is_not_ours(aws, write_spec, monkeypatch):
    from ecrrep.engine.diff import DiffOptions
    from ecrrep.engine.ownership import RUN_LEDGER
    from ecrrep.engine.plan import Change, Plan
    from ecrrep.engine.planner import apply_plan, plan_for
    from ecrrep.resources.base import ApplyOptions
    from ecrrep.spec.loader import load_spec

    ecr = aws.client("ecr", SOURCE)
    ecr.create_repository(repositoryName="victim/important")
    ecr.create_repository(repositoryName=PRODUCTION)  # under our name, without our tag
    spec = load_spec(str(write_spec())).spec

    def deleting(name: str) -> Plan:
        return Plan([Change("ecr_repository", SOURCE, name, "delete", {}, None)])

    ctx = in_process(aws, monkeypatch)
    try:
        RUN_LEDGER.forget()
        report = apply_plan(ctx, deleting("victim/important"), ApplyOptions(True))
        ((_, error),) = report.failed
        assert error.code == "NotOwned" and "has read nothing" in error.message
        plan_for(ctx, spec, DiffOptions(A))
        for name, why in (("victim/important", "this run did not read it in the account"),
                          (PRODUCTION, "this run read it as unowned, not as ours")):
            report = apply_plan(ctx, deleting(name), ApplyOptions(True))
            ((_, error),) = report.failed
            assert error.line() == (f"Delete ecr_repository.{SOURCE}.{name}: NotOwned: "
                                    f"refused: {why}")
    finally:
        RUN_LEDGER.forget()
        ctx.close()
    names = {r["repositoryName"] for r in ecr.describe_repositories()["repositories"]}
    assert names == {"victim/important", PRODUCTION}


def test_a_deployment_without_claims_is_taken_back_once_with_adopt(cli, aws, write_spec):
    """What an older version left: the rule on the bare prefix and the dashboard, no claims.
    Nothing proves them ours, so the plan refuses until `apply --adopt` claims them."""
    write_spec()
    apply_ok(cli)
    ssm = aws.client("ssm", SOURCE)
    for name in claims(aws):
        ssm.delete_parameter(Name=name)
    (rule,) = rules(aws)
    rule["repositoryFilters"] = [{"filter": PREFIX, "filterType": "PREFIX_MATCH"}]
    aws.client("ecr", SOURCE).put_replication_configuration(
        replicationConfiguration={"rules": [rule]})
    before = account(aws)

    by_address = changes_by_address(plan_doc(cli))
    assert "no ecrrep project claims it (unowned" in by_address[RULE_A]["blocked"]
    assert "no ecrrep project claims it (unowned" in by_address[
        f"cloudwatch_dashboard.{SOURCE}.{DASHBOARD}"]["blocked"]
    assert cli("apply", "--auto-approve").returncode == 1
    assert account(aws) == before

    apply_ok(cli, "--adopt")
    assert [r["repositoryFilters"] for r in rules(aws)] == [
        [{"filter": f"{PREFIX}/", "filterType": "PREFIX_MATCH"}]]
    assert f"/ecrrep/{A}/dashboard/{DASHBOARD}" in claims(aws)
    assert cli("plan", "--detailed-exitcode").returncode == 0
