"""GetFunction's Code.Location downloads the function's deployment package, as on AWS (a
presigned URL valid for 10 minutes), from the sandbox's own server — whatever aws-like says."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
import zipfile

import pytest

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"Service": "lambda.amazonaws.com"}}]})


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


def _function(sandbox, code: bytes) -> None:
    role = sandbox.client("iam").create_role(
        RoleName="fn", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    sandbox.client("lambda").create_function(
        FunctionName="cleanup", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": code})


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read()


@pytest.mark.parametrize("aws_like", [False, True])
def test_the_location_serves_the_zip_uploaded(sandbox, aws_like):
    sandbox.configure(aws_like=aws_like, iam_propagation_seconds=0)
    code = _zip("def handler(event, context):\n    return 1\n")
    _function(sandbox, code)
    answer = sandbox.client("lambda").get_function(FunctionName="cleanup")
    location = answer["Code"]["Location"]
    assert answer["Code"]["RepositoryType"] == "S3"
    assert location.startswith(sandbox.endpoint + "/")
    assert _download(location) == code


def test_the_location_keeps_the_code_it_was_given_for_and_expires(sandbox):
    sandbox.configure(iam_propagation_seconds=0)
    first = _zip("def handler(event, context):\n    return 1\n")
    _function(sandbox, first)
    client = sandbox.client("lambda")
    location = client.get_function(FunctionName="cleanup")["Code"]["Location"]
    second = _zip("def handler(event, context):\n    return 2\n")
    client.update_function_code(FunctionName="cleanup", ZipFile=second)
    assert _download(location) == first
    assert _download(client.get_function(FunctionName="cleanup")["Code"]["Location"]) == second
    sandbox.advance(600)
    with pytest.raises(urllib.error.HTTPError) as expired:
        _download(location)
    assert expired.value.code == 403
    assert b"Request has expired" in expired.value.read()


def test_an_unknown_location_is_not_found(sandbox):
    with pytest.raises(urllib.error.HTTPError) as missing:
        _download(f"{sandbox.endpoint}/_sandbox/lambda-code/nothing-here")
    assert missing.value.code == 404


def test_another_moto_server_in_the_process_keeps_motos_location(sandbox):
    from moto.server import ThreadedMotoServer

    from tests.support.sandbox import Sandbox

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        plain = Sandbox(f"http://{host}:{port}")
        _function(plain, _zip("def handler(event, context):\n    return 1\n"))
        location = plain.client("lambda").get_function(FunctionName="cleanup")["Code"]["Location"]
        assert location.startswith("https://awslambda-us-east-1-tasks.s3.")
    finally:
        server.stop()
