"""AWS's size and placement limits that moto does not enforce, refused as AWS refuses them."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}


def _refusal(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


# -- KMS key in the repository's Region --

def _kms_repository(ecr, key: str):
    return ecr.create_repository(repositoryName="app", encryptionConfiguration={
        "encryptionType": "KMS", "kmsKey": key})


def test_repository_key_of_another_region_is_refused(sandbox):
    ecr = sandbox.client("ecr", "eu-west-1")
    key = sandbox.client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    response = _refusal(lambda: _kms_repository(ecr, key))
    assert response["Error"]["Code"] == "KmsException"
    assert response["Error"]["Message"].startswith(f"Invalid arn {key}")
    assert response["kmsError"] == "NotFoundException"
    assert ecr.describe_repositories()["repositories"] == []


def test_repository_key_of_its_own_region_and_aliases_pass(sandbox):
    ecr = sandbox.client("ecr", "eu-west-1")
    key = sandbox.client("kms", "eu-west-1").create_key()["KeyMetadata"]["Arn"]
    _kms_repository(ecr, key)
    ecr.create_repository(repositoryName="other", encryptionConfiguration={
        "encryptionType": "KMS", "kmsKey": "alias/ecr-images"})
    assert len(ecr.describe_repositories()["repositories"]) == 2


# -- Lambda environment: 4 KB --

def _function(sandbox, variables: dict[str, str]):
    sandbox.configure(iam_propagation_seconds=0)
    role = sandbox.client("iam").create_role(
        RoleName="fn", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return sandbox.client("lambda").create_function(
        FunctionName="cleanup", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()}, Environment={"Variables": variables})


def _variables_of_size(size: int) -> dict[str, str]:
    # {"V":"xxx"} is 8 bytes of JSON around the value.
    return {"V": "x" * (size - 8)}


def test_environment_over_4_kb_is_refused_on_create(sandbox):
    variables = _variables_of_size(4097)
    error = _refusal(lambda: _function(sandbox, variables))["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == (
        "Lambda was unable to configure your environment variables because the environment "
        "variables you have provided exceeded the 4KB limit. String measured: "
        + json.dumps(variables, separators=(",", ":")))
    assert sandbox.client("lambda").list_functions()["Functions"] == []


def test_environment_of_4_kb_passes_and_a_larger_update_is_refused(sandbox):
    _function(sandbox, _variables_of_size(4096))
    client = sandbox.client("lambda")
    error = _refusal(lambda: client.update_function_configuration(
        FunctionName="cleanup", Environment={"Variables": _variables_of_size(5000)}))["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    configuration = client.get_function_configuration(FunctionName="cleanup")
    assert configuration["Environment"]["Variables"] == _variables_of_size(4096)


# -- Alarm name: 255 characters --

def _alarm(sandbox, name: str):
    return sandbox.client("cloudwatch").put_metric_alarm(
        AlarmName=name, MetricName="RepositoryPullCount", Namespace="AWS/ECR", Statistic="Sum",
        Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")


def test_alarm_name_over_255_characters_is_refused(sandbox):
    name = "a" * 256
    error = _refusal(lambda: _alarm(sandbox, name))["Error"]
    assert (error["Code"], error["Message"]) == (
        "ValidationError",
        f"1 validation error detected: Value '{name}' at 'alarmName' failed to satisfy "
        "constraint: Member must have length less than or equal to 255")
    assert sandbox.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    _alarm(sandbox, "a" * 255)


# -- Trust policy: 2,048 characters --

def _trust_of_length(length: int) -> str:
    base = json.dumps(LAMBDA_TRUST | {"Statement": [LAMBDA_TRUST["Statement"][0] | {"Sid": ""}]},
                      separators=(",", ":"))
    return base.replace('"Sid":""', '"Sid":"' + "S" * (length - len(base)) + '"')


def test_trust_policy_over_2048_characters_is_refused(sandbox):
    iam = sandbox.client("iam")
    response = _refusal(lambda: iam.create_role(
        RoleName="fn", AssumeRolePolicyDocument=_trust_of_length(2049)))
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert iam.list_roles()["Roles"] == []


def test_trust_policy_white_space_does_not_count_and_updates_are_checked(sandbox):
    iam = sandbox.client("iam")
    iam.create_role(RoleName="fn", AssumeRolePolicyDocument=_trust_of_length(2048) + " " * 100)
    error = _refusal(lambda: iam.update_assume_role_policy(
        RoleName="fn", PolicyDocument=_trust_of_length(2049)))["Error"]
    assert error["Code"] == "LimitExceeded"


# -- Dashboard widget: 500 metrics --

def _dashboard(metrics: int) -> str:
    return json.dumps({"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 6, "height": 6,
                                    "properties": {"region": "us-east-1", "metrics": [
                                        ["AWS/ECR", "RepositoryPullCount", "RepositoryName",
                                         f"repo-{n}"] for n in range(metrics)]}}]})


def test_widget_over_500_metrics_is_refused(sandbox):
    cloudwatch = sandbox.client("cloudwatch")
    response = _refusal(lambda: cloudwatch.put_dashboard(
        DashboardName="ecr", DashboardBody=_dashboard(501)))
    assert response["Error"]["Code"] == "InvalidParameterInput"
    assert response["Error"]["Message"].startswith(
        "The dashboard body is invalid, there are 1 validation errors:")
    assert "Should NOT have more than 500 items" in response["Error"]["Message"]
    assert response["dashboardValidationMessages"] == [{
        "DataPath": "/widgets/0/properties/metrics",
        "Message": "Should NOT have more than 500 items"}]
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    cloudwatch.put_dashboard(DashboardName="ecr", DashboardBody=_dashboard(500))


def test_limits_are_off_when_aws_like_is_off(sandbox):
    sandbox.configure(aws_like=False)
    _alarm(sandbox, "a" * 256)
    sandbox.client("iam").create_role(RoleName="big",
                                      AssumeRolePolicyDocument=_trust_of_length(3000))
    sandbox.client("cloudwatch").put_dashboard(DashboardName="ecr", DashboardBody=_dashboard(501))
    key = sandbox.client("kms", "us-east-1").create_key()["KeyMetadata"]["Arn"]
    _kms_repository(sandbox.client("ecr", "eu-west-1"), key)
    _function(sandbox, _variables_of_size(5000))
