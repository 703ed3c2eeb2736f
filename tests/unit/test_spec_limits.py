"""AWS size limits on derived names and documents, refused at validation with their line."""

from __future__ import annotations

import pytest

from ecrrep.resources.roles import role_designs
from ecrrep.spec import documents, naming
from ecrrep.spec.limits import TRUSTED_SERVICES, trust_policy_size
from tests.support.spec_texts import BASE, errors, load

ROLE = "arn:aws:iam::123456789012:role/github-actions-deployer"






def test_an_alarm_name_over_255_characters_is_refused_at_the_repository_name():
    name = "w" * 240
    alarm = naming.pull_count_alarm_name("demo-project", name)
    assert len(alarm) == 264
    assert errors(BASE.replace("name: web", f"name: {name}")) == [(
        7, "repositories[0].name",
        f"too long for its alarms: the CloudWatch alarm name '{alarm[:58]}…{alarm[-19:]}' "
        "would be 264 characters; CloudWatch takes at most 255")]


def test_long_names_are_fine_without_monitoring():
    text = BASE.replace("name: web", f"name: {'w' * 240}") + "monitoring: {enabled: false}\n"
    assert load(text)


def principals(count: int) -> str:
    return "[" + ", ".join(f"{ROLE}{i}" for i in range(count)) + "]"


@pytest.mark.parametrize(("key", "role", "size"), [
    ("production_principals", "demo-project-ecr-production", 2595),
    ("ci_principals", "demo-project-ecr-ci", 2581),
])
def test_a_trust_policy_over_2048_characters_is_refused_at_its_principals(key, role, size):
    text = BASE + f"iam:\n  {key}: {principals(40)}\n"
    assert errors(text) == [(
        9, f"iam.{key}",
        f"the trust policy of the role {role} would be {size} characters with these 40 "
        "principals; IAM takes at most 2048 (its default quota): list fewer roles")]


def test_thirty_principals_fit():
    assert load(BASE + f"iam: {{production_principals: {principals(30)}}}\n")


def test_the_size_is_computed_as_the_roles_are_built():
    """spec_limits copies the services each role trusts: they must stay those of roles.py."""
    loaded = load(BASE + f"iam: {{production_principals: {principals(3)}, "
                         f"ci_principals: {principals(2)}}}\n")
    designs = {design.name: design for design in role_designs(loaded.spec, "123456789012")}
    for key, role in (("production_principals", naming.production_role_name),
                      ("ci_principals", naming.ci_role_name)):
        design = designs[role("demo-project")]
        assert tuple(design.services) == TRUSTED_SERVICES[key]
        built = documents.compact_json(
            documents.trust_policy_document(design.services, design.principals))
        assert trust_policy_size(TRUSTED_SERVICES[key], design.principals) == len(built)
