"""What `import` reads back of the newer settings, pure: deletion replication from the rule,
tag mutability with exclusions, the registry's scanning configuration, the latency alarm."""

from __future__ import annotations

import yaml

from ecrrep.engine.plan import Resource
from ecrrep.importer.assemble import spec_dict
from ecrrep.importer.replication import replicate_to, replicates_deletions
from ecrrep.importer.scanning import scanning_section
from ecrrep.importer.yaml_text import spec_yaml
from ecrrep.resources.registry_scanning import configuration_attrs
from ecrrep.spec.models import Spec
from tests.unit.test_importer_assemble import registry


def rule(prefix: str, deletions: bool | None) -> dict:
    found = {"destinations": [{"region": "us-west-2", "registryId": "1"}],
             "repositoryFilters": [{"filter": prefix, "filterType": "PREFIX_MATCH"}]}
    if deletions is not None:
        found["deleteReplication"] = {"enabled": deletions}
    return found


def test_deletion_replication_comes_from_the_prefix_rule_only():
    assert replicates_deletions([rule("apps/", True)], "apps", "1")
    assert not replicates_deletions([rule("apps/", False)], "apps", "1")
    assert not replicates_deletions([rule("apps/", None)], "apps", "1")
    # A broader rule of someone else's is kept as it is, not the spec's to state.
    assert not replicates_deletions([rule("app", True), rule("apps/", None)], "apps", "1")


def test_deletion_replication_is_written_after_the_destinations():
    found = registry(1)
    found.replicate_deletions = True
    spec, _ = spec_dict(found)
    keys = list(spec)
    assert spec["replicate_deletions"] is True
    assert keys.index("replicate_deletions") == keys.index("destination_regions") + 1
    assert "replicate_deletions" not in spec_dict(registry(1))[0]


def test_tag_mutability_with_exclusions_is_kept_with_its_filters():
    found = registry(2)
    repo = next(r for r in found.resources if r.type == "ecr_repository")
    repo.attrs.update(tag_mutability="IMMUTABLE_WITH_EXCLUSION",
                      tag_mutability_exclusions=["dev-*", "latest"])
    spec, notes = spec_dict(found)
    first, second = spec["repositories"]
    assert (first["tag_mutability"], first["tag_mutability_exclusions"]) == (
        "IMMUTABLE_WITH_EXCLUSION", ["dev-*", "latest"])
    assert second["tag_mutability"] == "MUTABLE" and "tag_mutability_exclusions" not in second
    assert not [n for n in notes if "mutability" in n.message]
    Spec.model_validate(spec)


def scanning(owner: str | None = None, *rules: tuple[str, list[str]]) -> Resource:
    return Resource("ecr_registry_scanning", "us-east-1", "registry",
                    configuration_attrs("ENHANCED", list(rules)), owned=owner == "apps",
                    owner=None if owner == "apps" else owner)


def test_scanning_rules_on_the_prefix_are_written_without_filters():
    found = scanning(None, ("SCAN_ON_PUSH", ["apps/*"]), ("CONTINUOUS_SCAN", ["apps/prod*"]))
    assert scanning_section(found, "apps", "apps") == ({"type": "ENHANCED", "rules": [
        {"frequency": "CONTINUOUS_SCAN", "filters": ["apps/prod*"]},
        {"frequency": "SCAN_ON_PUSH"}]}, [])
    assert scanning_section(None, "apps", "apps") == (None, [])


def test_scanning_another_project_holds_or_the_spec_cannot_is_left_out_with_a_note():
    block, notes = scanning_section(scanning("other", ("SCAN_ON_PUSH", ["x/*"])), "apps", "apps")
    assert block is None and notes == [
        "the registry's scanning configuration is ecrrep project 'other''s: left out, and "
        "left as it is"]
    block, notes = scanning_section(scanning(None, ("MANUAL", ["apps/*"])), "apps", "apps")
    assert block is None and notes[0].startswith(
        "the registry's scanning configuration has no spec form (MANUAL is not an ENHANCED")


def test_a_left_out_scanning_block_says_so_at_the_end_of_the_file():
    found = registry(1)
    found.resources.append(scanning("other", ("SCAN_ON_PUSH", ["x/*"])))
    spec, notes = spec_dict(found)
    text = spec_yaml(spec, notes)
    assert "scanning" not in spec
    assert text.endswith("\n\n# scanning: the registry's scanning configuration is ecrrep project "
                         "'other''s: left out, and\n# left as it is\n")


def test_scanning_drops_the_default_scan_on_push_and_is_valid():
    found = registry(1)
    repo = next(r for r in found.resources if r.type == "ecr_repository")
    repo.attrs["scan_on_push"] = True
    found.resources.append(scanning("apps", ("SCAN_ON_PUSH", ["apps/*"])))
    spec, _ = spec_dict(found)
    assert spec["scanning"] == {"type": "ENHANCED", "rules": [{"frequency": "SCAN_ON_PUSH"}]}
    assert "scan_on_push" not in spec["repositories"][0]
    assert yaml.safe_load(spec_yaml(spec, [])) == spec
    Spec.model_validate(spec)


def test_the_latency_threshold_comes_from_the_latency_alarm():
    found = registry(1)
    found.resources.append(Resource("cloudwatch_alarm", "us-east-1",
                                    "apps-replication-failure-rate", {"Threshold": 10.0}))
    found.resources.append(Resource("cloudwatch_alarm", "us-east-1",
                                    "apps-replication-latency", {"Threshold": 900.0}))
    spec, _ = spec_dict(found)
    assert spec["monitoring"] == {"enabled": True, "replication_failure_rate_percent": 10,
                                  "replication_latency_seconds": 900}


def naming_rule(names: list[str], regions: list[str], deletions: bool = False) -> dict:
    found = {"destinations": [{"region": r, "registryId": "1"} for r in regions],
             "repositoryFilters": [{"filter": n, "filterType": "PREFIX_MATCH"} for n in names]}
    if deletions:
        found["deleteReplication"] = {"enabled": True}
    return found


def test_rules_naming_repositories_give_their_replicate_to():
    rules = [naming_rule(["apps/web", "apps/api"], ["us-west-2", "eu-west-1"]),
             naming_rule(["apps/tool"], ["eu-west-1"], deletions=True),
             rule("other/", None)]
    regions = ["us-west-2", "eu-west-1"]
    assert replicate_to(rules, "apps", "1", ["web", "api", "tool", "scratch"], regions) == {
        "tool": ["eu-west-1"], "scratch": []}
    # Deletion replication is a setting of every rule of ours: one naming rule says it.
    assert replicates_deletions(rules, "apps", "1")


def test_the_prefix_rule_leaves_every_repository_at_the_default():
    regions = ["us-west-2"]
    assert replicate_to([rule("apps/", None)], "apps", "1", ["web", "api"], regions) == {}


def test_a_rule_into_another_account_is_not_a_replicate_to():
    elsewhere = naming_rule(["apps/web"], ["eu-west-1"])
    elsewhere["destinations"][0]["registryId"] = "2"
    assert replicate_to([rule("apps/", None), elsewhere], "apps", "1", ["web"],
                        ["us-west-2"]) == {}
