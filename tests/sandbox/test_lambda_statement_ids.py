"""Lambda AddPermission refuses a statement id the function's policy already has."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)


def _function(sandbox) -> None:
    sandbox.configure(iam_propagation_seconds=0)
    role = sandbox.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    sandbox.client("lambda").create_function(
        FunctionName="cleanup", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()})


def _allow_events(client) -> None:
    client.add_permission(FunctionName="cleanup", StatementId="events",
                          Action="lambda:InvokeFunction", Principal="events.amazonaws.com")


def _statement_ids(client) -> list[str]:
    return [s["Sid"] for s in json.loads(client.get_policy(FunctionName="cleanup")["Policy"])
            ["Statement"]]


def test_duplicate_statement_id_is_refused(sandbox):
    _function(sandbox)
    client = sandbox.client("lambda")
    _allow_events(client)
    with pytest.raises(ClientError) as caught:
        _allow_events(client)
    assert caught.value.response["Error"] == {
        "Code": "ResourceConflictException",
        "Message": "The statement id (events) provided already exists. Please provide a new "
                   "statement id, or remove the existing statement."}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert _statement_ids(client) == ["events"]


def test_duplicate_statement_id_is_moto_s_when_aws_like_is_off(sandbox):
    _function(sandbox)
    sandbox.configure(aws_like=False)
    client = sandbox.client("lambda")
    _allow_events(client)
    _allow_events(client)
    assert _statement_ids(client) == ["events", "events"]
