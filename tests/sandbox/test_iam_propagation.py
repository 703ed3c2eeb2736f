"""IAM propagation: a role is unknown to ECR and Lambda until the delay has passed."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)

ACCOUNT = "123456789012"
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]}
PRINCIPAL_NOT_FOUND = (
    "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Principal not found'")


def _role(sandbox, name: str = "puller", trust: dict | None = None) -> str:
    iam = sandbox.client("iam")
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
        trust or LAMBDA_TRUST))["Role"]["Arn"]


def _pull_policy(role_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "Pull", "Effect": "Allow", "Principal": {"AWS": [role_arn]},
        "Action": ["ecr:BatchGetImage"]}]})


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


def _create_function(sandbox, role_arn: str):
    return sandbox.client("lambda").create_function(
        FunctionName="cleanup", Runtime="python3.12", Role=role_arn,
        Handler="handler.handler", Code={"ZipFile": _zip()})


def _refusal(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]


def test_repository_policy_naming_a_new_role_is_refused_until_it_propagates(sandbox):
    ecr = sandbox.client("ecr")
    ecr.create_repository(repositoryName="app")
    role_arn = _role(sandbox)
    sandbox.configure(iam_propagation_seconds=10)

    def set_policy():
        return ecr.set_repository_policy(repositoryName="app", policyText=_pull_policy(role_arn))

    error = _refusal(set_policy)
    assert (error["Code"], error["Message"]) == ("InvalidParameterException",
                                                 PRINCIPAL_NOT_FOUND)
    with pytest.raises(ClientError):
        ecr.get_repository_policy(repositoryName="app")

    sandbox.advance(10)
    set_policy()
    assert role_arn in ecr.get_repository_policy(repositoryName="app")["policyText"]


def test_repository_policy_naming_a_missing_role_of_the_account_is_refused(sandbox):
    ecr = sandbox.client("ecr")
    ecr.create_repository(repositoryName="app")
    error = _refusal(lambda: ecr.set_repository_policy(
        repositoryName="app", policyText=_pull_policy(f"arn:aws:iam::{ACCOUNT}:role/ghost")))
    assert error["Message"] == PRINCIPAL_NOT_FOUND


def test_function_with_a_new_role_is_refused_until_it_propagates(sandbox):
    role_arn = _role(sandbox)
    sandbox.configure(iam_propagation_seconds=10)

    error = _refusal(lambda: _create_function(sandbox, role_arn))
    assert (error["Code"], error["Message"]) == (
        "InvalidParameterValueException",
        "The role defined for the function cannot be assumed by Lambda.")
    assert sandbox.client("lambda").list_functions()["Functions"] == []

    sandbox.advance(10)
    assert _create_function(sandbox, role_arn)["Role"] == role_arn


def test_function_with_a_role_lambda_may_not_assume_is_refused(sandbox):
    ecs_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}
    role_arn = _role(sandbox, trust=ecs_trust)
    sandbox.advance(3600)
    error = _refusal(lambda: _create_function(sandbox, role_arn))
    assert error["Code"] == "InvalidParameterValueException"


def test_configuration_update_to_a_new_role_is_refused_until_it_propagates(sandbox):
    first = _role(sandbox, "first")
    sandbox.advance(3600)
    _create_function(sandbox, first)
    second = _role(sandbox, "second")
    client = sandbox.client("lambda")

    error = _refusal(lambda: client.update_function_configuration(
        FunctionName="cleanup", Role=second))
    assert error["Code"] == "InvalidParameterValueException"
    assert client.get_function_configuration(FunctionName="cleanup")["Role"] == first

    sandbox.advance(3600)
    client.update_function_configuration(FunctionName="cleanup", Role=second)
    assert client.get_function_configuration(FunctionName="cleanup")["Role"] == second


def test_nothing_is_refused_when_aws_like_is_off(sandbox):
    sandbox.configure(aws_like=False)
    ecr = sandbox.client("ecr")
    ecr.create_repository(repositoryName="app")
    role_arn = _role(sandbox)
    ecr.set_repository_policy(repositoryName="app", policyText=_pull_policy(role_arn))
    assert _create_function(sandbox, role_arn)["Role"] == role_arn
