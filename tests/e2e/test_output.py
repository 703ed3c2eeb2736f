"""`ecrrep output` end to end: the seed's output names, values as boto3 reads them."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e

PROJECT = "container-registry-replication"
PREFIX = "my-company-apps"
SOURCE = "us-east-1"
SEED_NAMES = {
    "production_repository_name", "production_repository_uri",
    "testing_repository_name", "testing_repository_uri",
    "replica_repository_uris", "ecr_production_role_arn", "ecr_ci_role_arn",
    "lambda_cleanup_role_arn", "sns_topic_arn", "cloudwatch_dashboard_name",
    "replication_failure_alarm_name", "lambda_cleanup_function_name",
    "replication_validation_commands",
}


@pytest.fixture
def applied(cli, write_spec):
    write_spec()
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    return cli


def uri_of(aws, region: str, name: str) -> str:
    return aws.client("ecr", region).describe_repositories(
        repositoryNames=[f"{PREFIX}/{name}"])["repositories"][0]["repositoryUri"]


def test_output_json_is_one_flat_object_read_from_the_account(applied, aws):
    result = applied("output", "--json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert set(values) == SEED_NAMES | {"sns_subscription_status"}
    assert values["production_repository_name"] == f"{PREFIX}/production"
    assert values["production_repository_uri"] == uri_of(aws, SOURCE, "production")
    assert values["testing_repository_uri"] == uri_of(aws, SOURCE, "testing")
    assert values["replica_repository_uris"] == {
        region: {name: uri_of(aws, region, name) for name in ("production", "testing")}
        for region in ("us-west-2", "eu-west-1")
    }
    iam = aws.client("iam")
    for output, role in (("ecr_production_role_arn", "ecr-production"),
                         ("ecr_ci_role_arn", "ecr-ci"), ("lambda_cleanup_role_arn",
                                                         "ecr-cleanup")):
        assert values[output] == iam.get_role(RoleName=f"{PROJECT}-{role}")["Role"]["Arn"]
    topics = [t["TopicArn"] for t in aws.client("sns", SOURCE).list_topics()["Topics"]]
    assert topics == [values["sns_topic_arn"]]
    assert values["sns_subscription_status"] == "confirmed"  # the emulator confirms at once
    cloudwatch = aws.client("cloudwatch", SOURCE)
    assert cloudwatch.get_dashboard(DashboardName=values["cloudwatch_dashboard_name"])
    assert cloudwatch.describe_alarms(
        AlarmNames=[values["replication_failure_alarm_name"]])["MetricAlarms"]
    function = aws.client("lambda", SOURCE).get_function(
        FunctionName=values["lambda_cleanup_function_name"])
    assert function["Configuration"]["FunctionName"] == values["lambda_cleanup_function_name"]
    assert "ecrrep validate-replication" in values["replication_validation_commands"]


def test_output_name_prints_the_raw_value(applied, aws):
    result = applied("output", "production_repository_uri")
    assert result.returncode == 0, result.stderr
    assert result.stdout == uri_of(aws, SOURCE, "production")
    commands = applied("output", "replication_validation_commands").stdout
    assert commands.splitlines()[1] == (
        f"aws ecr describe-registry --region {SOURCE} --query replicationConfiguration")
    uris = applied("output", "replica_repository_uris")
    assert json.loads(uris.stdout)["eu-west-1"]["testing"] == uri_of(aws, "eu-west-1", "testing")


def test_output_lists_every_value(applied):
    result = applied("output")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f'sns_topic_arn = "arn:aws:sns:{SOURCE}:' in "\n".join(lines)
    assert "replication_validation_commands = <<EOT" in lines


def test_an_unknown_name_exits_1_listing_the_known_ones(applied):
    result = applied("output", "no_such_output")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no_such_output" in result.stderr
    for name in ("production_repository_uri", "sns_topic_arn", "replica_repository_uris"):
        assert name in result.stderr


def test_before_apply_outputs_have_no_value(cli, aws, write_spec):
    write_spec()
    missing = cli("output", "sns_topic_arn")
    assert missing.returncode == 1
    assert "has no value" in missing.stderr
    listed = cli("output", "--json")
    assert listed.returncode == 0, listed.stderr
    assert list(json.loads(listed.stdout)) == ["replication_validation_commands"]
