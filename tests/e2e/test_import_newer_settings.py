"""`ecrrep import` reads back deletion replication, tag mutability exclusions, the registry's
scanning configuration and the latency alarm: a spec applied with them comes back with them,
and the imported spec plans as no change."""

from __future__ import annotations

from tests.e2e.test_import import changes_other_than_ownership, import_spec, plan_doc
from tests.support.e2e_account import PROJECT, SOURCE
from tests.support.e2e_steps import apply_ok

SCANNING = {"type": "ENHANCED", "rules": [
    {"frequency": "CONTINUOUS_SCAN", "filters": ["my-company-apps/production"]},
    {"frequency": "SCAN_ON_PUSH"}]}


def with_newer_settings(spec: dict) -> None:
    spec["replicate_deletions"] = True
    production = spec["repositories"][0]
    production["tag_mutability"] = "IMMUTABLE_WITH_EXCLUSION"
    production["tag_mutability_exclusions"] = ["dev-*", "latest"]
    spec["monitoring"]["replication_latency_seconds"] = 900
    spec["scanning"] = SCANNING


def test_newer_settings_round_trip(cli, aws, write_spec):
    write_spec(edit=with_newer_settings)
    apply_ok(cli)
    ecr = aws.client("ecr", SOURCE)
    (rule,) = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert rule["deleteReplication"] == {"enabled": True}
    assert ecr.get_registry_scanning_configuration()["scanningConfiguration"]["scanType"] \
        == "ENHANCED"

    _, spec = import_spec(cli)

    assert spec["replicate_deletions"] is True
    production, testing = spec["repositories"]
    assert (production["tag_mutability"], production["tag_mutability_exclusions"]) == (
        "IMMUTABLE_WITH_EXCLUSION", ["dev-*", "latest"])
    assert "tag_mutability_exclusions" not in testing
    assert spec["monitoring"]["replication_latency_seconds"] == 900
    alarm = aws.client("cloudwatch", SOURCE).describe_alarms(
        AlarmNames=[f"{PROJECT}-replication-latency"])["MetricAlarms"][0]
    assert alarm["Threshold"] == 900
    assert spec["scanning"] == SCANNING
    assert changes_other_than_ownership(plan_doc(cli, "-c", "B.yaml", "--adopt")) == []
    apply_ok(cli, "-c", "B.yaml")
    assert cli("plan", "-c", "B.yaml", "--detailed-exitcode").returncode == 0


def test_without_them_the_import_writes_none_of_them(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)

    _, spec = import_spec(cli)

    assert "replicate_deletions" not in spec and "scanning" not in spec
    assert "replication_latency_seconds" not in spec["monitoring"]
    assert all("tag_mutability_exclusions" not in r for r in spec["repositories"])


def test_replicate_to_round_trips(cli, aws, write_spec):
    def narrowed(spec: dict) -> None:
        production, testing = spec["repositories"][:2]
        production["replicate_to"] = ["eu-west-1"]
        testing["replicate_to"] = []
        spec["repositories"].append({"name": "tools"})  # to every destination

    write_spec(edit=narrowed)
    apply_ok(cli)
    rules = aws.client("ecr", SOURCE).describe_registry()["replicationConfiguration"]["rules"]
    assert sorted([f["filter"] for f in r["repositoryFilters"]] for r in rules) == [
        ["my-company-apps/production"], ["my-company-apps/tools"]]

    _, spec = import_spec(cli)

    production, testing, tools = spec["repositories"]
    assert production["replicate_to"] == ["eu-west-1"]
    assert testing["replicate_to"] == []
    assert "replicate_to" not in tools
    assert spec["destination_regions"] == ["us-west-2", "eu-west-1"]
    assert changes_other_than_ownership(plan_doc(cli, "-c", "B.yaml", "--adopt")) == []
    apply_ok(cli, "-c", "B.yaml")
    assert cli("plan", "-c", "B.yaml", "--detailed-exitcode").returncode == 0
