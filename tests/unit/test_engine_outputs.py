"""The outputs: the seed's names, what missing or foreign resources give, raw values."""

from __future__ import annotations

import pytest

from ecrrep.engine.outputs import output_names, outputs_from, raw_value, validation_commands
from ecrrep.engine.plan import Resource
from ecrrep.resources.base import GLOBAL_REGION
from ecrrep.resources.subscription import (
    STATUS_PENDING,
)
from ecrrep.spec import naming
from ecrrep.spec.models import Spec
from tests.support.kind_inputs import (
    ACCOUNT,
    PROJECT,
    TOPIC_ARN,
    make_spec,
)


def _live(spec: Spec) -> list[Resource]:
    """What the kinds would read after an apply, as plain resources."""
    resources = []
    for region in spec.regions:
        for repo in spec.repositories:
            full = naming.repository_name(spec.repository_prefix, repo.name)
            resources.append(Resource("ecr_repository", region, full, {}, facts={
                "uri": naming.repository_uri(region, ACCOUNT, full)}))
    for role in (naming.production_role_name(PROJECT), naming.ci_role_name(PROJECT),
                 naming.cleanup_role_name(PROJECT)):
        resources.append(Resource("iam_role", GLOBAL_REGION, role, {},
                                  facts={"arn": naming.role_arn(ACCOUNT, role)}))
    resources += [
        Resource("sns_topic", "us-east-1", f"{PROJECT}-alerts", {}, facts={"arn": TOPIC_ARN}),
        Resource("sns_subscription", "us-east-1", "devops@company.com", {},
                 facts={"status": STATUS_PENDING}),
        Resource("cloudwatch_dashboard", "us-east-1", f"{PROJECT}-ecr", {}),
        Resource("cloudwatch_alarm", "us-east-1", f"{PROJECT}-replication-failure-rate", {}),
        Resource("lambda_function", "us-east-1", f"{PROJECT}-ecr-cleanup", {}),
    ]
    return resources


def test_outputs_use_the_seed_names():
    spec = make_spec()
    values = outputs_from(spec, _live(spec))
    assert list(values) == sorted(values) == output_names(spec)
    assert values["production_repository_name"] == "my-company-apps/production"
    assert values["production_repository_uri"] == \
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-company-apps/production"
    assert values["replica_repository_uris"]["eu-west-1"]["testing"] == \
        f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/my-company-apps/testing"
    assert values["ecr_production_role_arn"] == naming.role_arn(ACCOUNT,
                                                                f"{PROJECT}-ecr-production")
    assert values["lambda_cleanup_role_arn"] == naming.role_arn(ACCOUNT, f"{PROJECT}-ecr-cleanup")
    assert values["sns_topic_arn"] == TOPIC_ARN
    assert values["sns_subscription_status"] == "pending confirmation"
    assert values["cloudwatch_dashboard_name"] == f"{PROJECT}-ecr"
    assert values["replication_failure_alarm_name"] == f"{PROJECT}-replication-failure-rate"
    assert values["lambda_cleanup_function_name"] == f"{PROJECT}-ecr-cleanup"
    assert "aws ecr describe-registry --region us-east-1" in values[
        "replication_validation_commands"]


def test_outputs_of_missing_or_foreign_resources_have_no_value():
    spec = make_spec()
    foreign = [Resource(r.type, r.region, r.name, r.attrs, owned=False, facts=r.facts)
               for r in _live(spec)]
    assert list(outputs_from(spec, foreign)) == ["replication_validation_commands"]
    assert validation_commands(spec).endswith("ecrrep validate-replication")


def test_existing_roles_are_outputs_without_create_roles():
    def existing_roles(d):
        d["iam"] = {"create_roles": False,
                    "production_role_arn": f"arn:aws:iam::{ACCOUNT}:role/pull",
                    "ci_role_arn": f"arn:aws:iam::{ACCOUNT}:role/push"}
    values = outputs_from(make_spec(existing_roles), [])
    assert values["ecr_production_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/pull"
    assert values["ecr_ci_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/push"


@pytest.mark.parametrize(("value", "raw"), [
    ("text", "text"), ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
])
def test_raw_values_are_strings_as_is_and_the_rest_json(value, raw):
    assert raw_value(value) == raw


def test_validation_commands_name_a_repository_only_where_it_replicates():
    def narrowed(data):
        data["repositories"][0]["replicate_to"] = ["eu-west-1"]
        data["repositories"][1]["replicate_to"] = []

    spec = make_spec(narrowed)
    first, second = (naming.repository_name(spec.repository_prefix, r.name)
                     for r in spec.repositories[:2])
    commands = validation_commands(spec).splitlines()
    assert f"aws ecr describe-images --region eu-west-1 --repository-name {first}" in commands
    assert not any(first in line and "us-west-2" in line for line in commands)
    assert not any(second in line for line in commands)
