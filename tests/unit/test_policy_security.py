"""Every policy ecrrep writes, for several specs, checked as a security reviewer would.

The documents come from the resource kinds' `desired` (pure: no AWS), so a new kind's policy
is checked here without anyone listing it. Each is run through parliament (Duo Labs' IAM
linter: no finding of MEDIUM or above), and through our own rules:

- no `*` in an action, no NotAction / NotResource / NotPrincipal;
- `Resource: "*"` only for actions that have no resource-level permissions (as AWS's service
  authorization reference lists them, which parliament ships): ecr:GetAuthorizationToken and
  cloudwatch:PutMetricData (the latter held to the ECRRep namespace by a condition);
- every ARN in this account, every repository ARN under the spec's prefix;
- AWS principals only in this account, unless the spec names them; never `*`; service
  principals from a short list, and in a resource policy only with a source condition.
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import parliament
import pytest
import yaml
from parliament import analyze_policy_string, enhance_finding, override_config

from ecrrep.resources import all_kinds
from ecrrep.resources.base import Target
from ecrrep.spec import naming
from ecrrep.spec.loader import load_spec_text
from tests.support.specs import example_spec

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
SEVERE = {"MEDIUM", "HIGH", "CRITICAL"}
NO_RESOURCE_LEVEL_ACTIONS = {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}
SERVICE_PRINCIPALS = {f"{s}.amazonaws.com" for s in (
    "ecs-tasks", "ec2", "lambda", "codebuild", "codepipeline", "events", "cloudwatch")}
# Community auditor findings that are the point of the statement: a trust policy lets its
# principals assume the role (and so get its credentials); a pull needs a registry token.
INHERENT = {"CREDENTIALS_EXPOSURE": {"sts:AssumeRole", "ecr:GetAuthorizationToken"}}


def seed() -> dict:
    return example_spec()


def external_principals() -> dict:
    spec = seed()
    spec["iam"] = {"create_roles": True,
                   "production_principals": [f"arn:aws:iam::{OTHER_ACCOUNT}:role/deployer"],
                   "ci_principals": [f"arn:aws:iam::{OTHER_ACCOUNT}:role/github-oidc"]}
    return spec


def existing_roles() -> dict:
    spec = seed()
    spec["iam"] = {"create_roles": False,
                   "production_role_arn": f"arn:aws:iam::{ACCOUNT}:role/prod-pull",
                   "ci_role_arn": f"arn:aws:iam::{ACCOUNT}:role/ci-push"}
    return spec


def many_repositories() -> dict:
    """Enough repositories × regions that the production role falls back to a prefix pattern."""
    spec = seed()
    spec["destination_regions"] = ["us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
                                   "ap-northeast-1", "sa-east-1", "ca-central-1"]
    spec["repositories"] = [{"name": f"service-{i:03d}", "access": "open" if i % 2 else
                             "restricted"} for i in range(60)]
    spec["cleanup"]["retention_days"] = {}
    return spec


def nothing_optional() -> dict:
    spec = seed()
    spec["monitoring"] = {"enabled": False}
    spec["notifications"] = {"enabled": False}
    spec["cleanup"] = {"enabled": False}
    return spec


def nested_prefix_and_kms() -> dict:
    spec = seed()
    spec["repository_prefix"] = "org/platform.team"
    spec["repositories"][0].update(encryption="KMS", kms_key="alias/ecr")
    return spec


SPECS = {f.__name__: f for f in (seed, external_principals, existing_roles, many_repositories,
                                 nothing_optional, nested_prefix_and_kms)}


@cache
def policies(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, "identity" | "resource", document) for every policy the spec makes."""
    text = yaml.safe_dump(SPECS[name]())
    spec = load_spec_text(text, f"{name}.yaml").spec
    found = []
    for kind in all_kinds():
        for resource in kind.desired(spec, Target(ACCOUNT)):
            where = resource.address
            for key, value in resource.attrs.items():
                if isinstance(value, dict) and "Statement" in value:
                    identity = resource.type == "iam_role" and key == "policy"
                    document = copy.deepcopy(value)
                    if not identity:
                        # A resource policy applies to its resource: say so, for linting.
                        for statement in _statements(document):
                            statement.setdefault("Resource", _resource_arn(resource, key))
                    found.append((f"{where}.{key}", "identity" if identity else "resource",
                                  document))
            permission = resource.attrs.get("invoke_permission")
            if permission:  # the Lambda function's resource policy statement
                found.append((f"{where}.invoke_permission", "resource", {
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Sid": "Invoke", "Effect": "Allow",
                        "Principal": {"Service": permission["principal"]},
                        "Action": "lambda:InvokeFunction",
                        "Resource": naming.function_arn(resource.region, ACCOUNT,
                                                        resource.facts["function"]),
                        "Condition": {"ArnLike": {"AWS:SourceArn": permission["source_arn"]}},
                    }],
                }))
    assert found
    return found


def _resource_arn(resource: Any, key: str) -> str:
    if resource.type == "iam_role":
        return naming.role_arn(ACCOUNT, resource.name)
    if resource.type == "ecr_repository_policy":
        return naming.repository_arn(resource.region, ACCOUNT, resource.name)
    return resource.facts.get("arn") or f"arn:aws:{resource.type}:{resource.region}:{ACCOUNT}:x"


def statements_of(name: str) -> list[tuple[str, dict[str, Any]]]:
    """Every distinct statement of the spec's policies, with where the first one is."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for where, _, document in policies(name):
        for statement in _statements(document):
            seen.setdefault(json.dumps(statement, sort_keys=True), (where, statement))
    return list(seen.values())


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements = document["Statement"]
    return statements if isinstance(statements, list) else [statements]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def spec_named_principals(name: str) -> set[str]:
    iam = SPECS[name]().get("iam", {})
    return {*iam.get("production_principals", []), *iam.get("ci_principals", []),
            *(iam.get(k) for k in ("production_role_arn", "ci_role_arn") if iam.get(k))}


@pytest.mark.parametrize("name", SPECS)
def test_parliament_finds_nothing_of_medium_severity_or_above(name):
    for where, _, document in policies(name):
        findings = [enhance_finding(f) for f in
                    analyze_policy_string(json.dumps(document)).findings]
        severe = [(f.issue, f.severity, f.detail) for f in findings if f.severity in SEVERE]
        assert severe == [], where


@pytest.fixture(scope="module")
def community_config() -> None:
    override_config(Path(parliament.__file__).parent / "community_auditors"
                    / "config_override.yaml")


@pytest.mark.parametrize("name", SPECS)
def test_parliament_community_auditors_find_only_what_the_statement_is_for(
        name, community_config):
    for where, statement in statements_of(name):
        single = {"Version": "2012-10-17", "Statement": [statement]}
        findings = [enhance_finding(f) for f in analyze_policy_string(
            json.dumps(single), include_community_auditors=True).findings]
        actions = set(_list(statement["Action"]))
        for finding in findings:
            if finding.severity not in SEVERE:
                continue
            assert actions <= INHERENT.get(finding.issue, set()), (
                where, statement.get("Sid"), finding.issue, finding.severity)


@pytest.mark.parametrize("name", SPECS)
def test_no_wildcard_action_and_star_resources_only_where_aws_allows_nothing_narrower(name):
    for _, statement in statements_of(name):
        assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement), statement
        assert statement["Effect"] == "Allow"
        actions = _list(statement["Action"])
        assert all("*" not in action for action in actions), statement
        resources = _list(statement.get("Resource", []))
        if "*" in resources:
            assert resources == ["*"]
            assert set(actions) <= NO_RESOURCE_LEVEL_ACTIONS, statement
            for action in actions:
                assert resource_types(action) == {""}, action
            if "cloudwatch:PutMetricData" in actions:
                assert statement["Condition"] == {
                    "StringEquals": {"cloudwatch:namespace": "ECRRep"}}


@pytest.mark.parametrize("name", SPECS)
def test_resources_and_principals_stay_in_the_account_unless_the_spec_names_others(name):
    prefix = SPECS[name]()["repository_prefix"]
    named = spec_named_principals(name)
    for (where, kind, _), statement in (
            (policy, statement) for policy in policies(name)
            for statement in _statements(policy[2])):
        for arn in _list(statement.get("Resource", [])):
            if arn == "*":
                continue
            parts = arn.split(":", 5)
            assert parts[:2] == ["arn", "aws"] and parts[4] == ACCOUNT, (where, arn)
            if parts[2] == "ecr":
                assert parts[5].startswith(f"repository/{prefix}/"), (where, arn)
        principal = statement.get("Principal")
        if principal is None:
            assert kind == "identity", where
            continue
        assert kind == "resource" and principal != "*" and isinstance(principal, dict), where
        assert set(principal) <= {"AWS", "Service"}, where
        for arn in _list(principal.get("AWS", [])):
            assert arn != "*", where
            in_account = arn.split(":")[4] == ACCOUNT
            assert in_account or arn in named, (where, arn)
        services = _list(principal.get("Service", []))
        assert set(services) <= SERVICE_PRINCIPALS, (where, services)
        if services and "sts:AssumeRole" not in _list(statement["Action"]):
            # A service acting on our resource must do so for our account's resources
            # only (the confused deputy).
            keys = {key.lower() for block in statement.get("Condition", {}).values()
                    for key in block}
            assert keys & {"aws:sourcearn", "aws:sourceaccount"}, (where, statement)


def test_spec_named_principals_from_another_account_are_the_only_ones_outside_it():
    outside = {
        arn
        for where, _, document in policies("external_principals")
        for statement in _statements(document)
        for arn in _list((statement.get("Principal") or {}).get("AWS", []))
        if arn.split(":")[4] != ACCOUNT
    }
    assert outside == spec_named_principals("external_principals")


def test_the_production_role_falls_back_to_the_prefix_and_stays_under_iam_limits():
    [(_, _, document)] = [p for p in policies("many_repositories")
                          if p[0].startswith("iam_role.global.container-registry-replication-"
                                             "ecr-production.policy")]
    pull = [s for s in _statements(document) if s.get("Sid") == "PullImages"]
    assert pull and all(arn.endswith("/my-company-apps/*") for arn in _list(pull[0]["Resource"]))
    assert len(json.dumps(document, separators=(",", ":"))) <= 10_240


@cache
def _iam_definition() -> dict[tuple[str, str], set[str]]:
    path = os.path.join(os.path.dirname(parliament.__file__), "iam_definition.json")
    with open(path) as handle:
        services = json.load(handle)
    return {
        (service["prefix"], privilege["privilege"]): {
            rt["resource_type"] for rt in privilege["resource_types"]}
        for service in services for privilege in service["privileges"]
    }


def resource_types(action: str) -> set[str]:
    """The resource types AWS's service authorization reference lists for an action; {""}
    means none: the action takes only "*"."""
    prefix, name = action.split(":")
    return _iam_definition()[(prefix, name)]
