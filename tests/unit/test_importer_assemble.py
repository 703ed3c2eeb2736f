"""The spec `import` assembles from resources as the kinds read them, and its YAML text: parsed
back it is the same spec, notes sit as comments above their keys, and a large registry is
quick to assemble."""

from __future__ import annotations

import time

import yaml

from ecrrep.engine.plan import Resource
from ecrrep.importer.assemble import Note, Registry, spec_dict
from ecrrep.importer.yaml_text import spec_yaml
from ecrrep.spec import documents
from ecrrep.spec.models import Spec

ACCOUNT = "123456789012"
CI = f"arn:aws:iam::{ACCOUNT}:role/ci"
PROD = f"arn:aws:iam::{ACCOUNT}:role/prod"


def registry(count: int) -> Registry:
    resources = []
    names = [f"svc-{i:04d}" for i in range(count)]
    restricted = documents.repository_policy_document("restricted", None, ACCOUNT, PROD, CI)
    lifecycle = {"rules": [{"rulePriority": 1, "description": "keep 5", "action": {
        "type": "expire"}, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                         "countNumber": 5}}]}
    for region in ("us-east-1", "us-west-2"):
        for name in names:
            full = f"apps/{name}"
            tags = {"Team": "a", "Environment": "staging"}
            if name == "svc-0001":
                tags["Extra"] = "only-here"
            resources += [
                Resource("ecr_repository", region, full, {
                    "tag_mutability": "MUTABLE", "scan_on_push": False, "encryption": "AES256",
                    "tags": tags}, owned=False),
                Resource("ecr_repository_policy", region, full, {"policy": restricted}),
                Resource("ecr_lifecycle_policy", region, full, {"policy": lifecycle}),
            ]
    return Registry(ACCOUNT, "apps", "us-east-1", ["us-west-2"], "apps", names, resources,
                    [Note("", "update something in us-west-2")])


def test_the_yaml_is_the_spec_with_notes_as_comments():
    spec, notes = spec_dict(registry(3))
    text = spec_yaml(spec, notes, "ecrrep import --prefix apps --source-region us-east-1")
    assert yaml.safe_load(text) == spec
    Spec.model_validate(spec)
    assert spec["environment"] == "staging" and spec["tags"] == {"Team": "a"}
    assert spec["iam"] == {"create_roles": False, "production_role_arn": PROD,
                           "ci_role_arn": CI}
    assert spec["repositories"][0] == {
        "name": "svc-0000", "tag_mutability": "MUTABLE", "scan_on_push": False,
        "encryption": "AES256", "access": "restricted",
        "lifecycle": [{"select": "any", "keep_last": 5, "description": "keep 5"}]}
    assert (spec["monitoring"], spec["notifications"], spec["cleanup"]) == (
        {"enabled": False}, {"enabled": False}, {"enabled": False})
    lines = text.splitlines()
    assert lines[0] == "# ecrrep spec written by `ecrrep import --prefix apps --source-region " \
        "us-east-1`."
    assert "# - update something in us-west-2" in lines
    tags_at = lines.index("tags:")
    assert lines[tags_at - 1] == ("# tags not on every repository with the same value are "
                                  "left out (apply removes them): Extra")
    assert "# ecrrep's own roles do not exist here" in text


def test_a_thousand_repositories_assemble_quickly():
    started = time.monotonic()
    spec, _ = spec_dict(registry(1000))
    text = spec_yaml(spec, [])
    assert time.monotonic() - started < 20
    assert len(spec["repositories"]) == 1000 and yaml.safe_load(text) == spec


def with_function(settings, problem: str = "") -> Registry:
    """Two repositories, two destinations the registry lists sorted, and the cleanup
    function, with its deployed settings (or why they are missing)."""
    found = registry(2)
    found.destination_regions = ["eu-west-1", "us-west-2"]
    found.resources.append(Resource("lambda_function", "us-east-1", "apps-ecr-cleanup", {}))
    found.cleanup_settings, found.cleanup_problem = settings, problem
    return found


def deployed(regions: tuple[str, ...]):
    from ecrrep.cleanup.function.config import CleanupConfig

    return CleanupConfig(source_region="us-east-1", repository_prefix="apps", project="apps",
                         repositories={"svc-0000": 90, "svc-0001": None, "gone": 3},
                         destination_regions=regions, protected_tag_prefixes=("release-",))


def test_cleanup_and_destination_order_come_from_the_deployed_settings():
    spec, notes = spec_dict(with_function(deployed(("us-west-2", "eu-west-1"))))
    assert spec["destination_regions"] == ["us-west-2", "eu-west-1"]
    assert spec["cleanup"] == {"enabled": True, "retention_days": {"svc-0000": 90},
                               "protected_tag_prefixes": ["release-"], "dry_run": False}
    assert [n for n in notes if n.where == "cleanup"] == []


def test_settings_naming_other_regions_leave_the_registry_order():
    spec, _ = spec_dict(with_function(deployed(("us-west-2", "ap-south-1"))))
    assert spec["destination_regions"] == ["eu-west-1", "us-west-2"]


def test_unreadable_settings_give_the_defaults_and_a_comment_saying_why():
    spec, notes = spec_dict(with_function(None, "downloading the package failed: HTTP 403"))
    assert spec["cleanup"] == {"enabled": True}
    assert spec["destination_regions"] == ["eu-west-1", "us-west-2"]
    text = spec_yaml(spec, notes)
    lines = text.splitlines()
    at = lines.index("cleanup:")
    assert lines[at - 2:at] == [
        "# the function's settings could not be read from its package (downloading the package "
        "failed:", "# HTTP 403): defaults written"]
    Spec.model_validate(yaml.safe_load(text))
