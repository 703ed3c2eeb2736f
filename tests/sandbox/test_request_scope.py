"""The sandbox's AWS behaviours apply to its own server only: the tests' plain moto server
and mock_aws in the same process keep moto's behaviour, whatever the settings say."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws
from moto.server import ThreadedMotoServer

from tests.support.account import FAKE_CREDENTIALS
from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def _policy_naming_a_new_role(client_for) -> str:
    """Create a role and at once a repository policy naming it (refused by the sandbox)."""
    role = client_for("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    ecr = client_for("ecr")
    ecr.create_repository(repositoryName="app")
    ecr.set_repository_policy(repositoryName="app", policyText=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": role["Role"]["Arn"]},
            "Action": "ecr:BatchGetImage"}]}))
    return ecr.get_repository_policy(repositoryName="app")["policyText"]


def test_another_moto_server_in_the_process_is_plain_moto(sandbox):
    assert sandbox.client("ecr") is not None  # the sandbox server runs, aws-like on
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        def client_for(service: str):
            return boto3.client(service, region_name="us-east-1",
                                endpoint_url=f"http://{host}:{port}",
                                aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

        assert "arn:aws:iam::" in _policy_naming_a_new_role(client_for)
    finally:
        server.stop()


def test_mock_aws_in_the_process_is_plain_moto(sandbox, monkeypatch):
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        assert "arn:aws:iam::" in _policy_naming_a_new_role(
            lambda service: boto3.client(service, region_name="us-east-1"))
