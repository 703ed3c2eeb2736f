"""Every AWS failure becomes one readable line."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ecrrep.aws import AwsError, aws_action, is_mutating, translate_error


def client_error(code: str, message: str, operation: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": message}}, operation)


def test_client_error_names_action_resource_code_and_message():
    error = translate_error(client_error(
        "AccessDeniedException",
        "User: arn:aws:iam::1:user/x is not authorized to perform: ecr:CreateRepository\n"
        "on resource: repo", "CreateRepository"), "apps/web (us-east-1)")
    assert error.line() == (
        "CreateRepository apps/web (us-east-1): AccessDeniedException: User: "
        "arn:aws:iam::1:user/x is not authorized to perform: ecr:CreateRepository on "
        "resource: repo")
    assert "\n" not in error.line()


def test_unreachable_endpoint_is_one_line():
    error = translate_error(botocore.exceptions.EndpointConnectionError(
        endpoint_url="http://127.0.0.1:9"), "registry")
    assert error.code == "EndpointUnreachable"
    assert "http://127.0.0.1:9" in error.line()


def test_missing_credentials_say_how_to_provide_them():
    error = translate_error(botocore.exceptions.NoCredentialsError())
    assert error.code == "NoCredentials" and "--profile" in error.message


def test_aws_action_wraps_botocore_errors():
    with pytest.raises(AwsError) as raised, aws_action("role x"):
        raise client_error("NoSuchEntity", "gone", "GetRole")
    assert raised.value.line() == "GetRole role x: NoSuchEntity: gone"


def test_mutating_operations_are_told_from_reads():
    assert is_mutating("CreateRepository") and is_mutating("PutLifecyclePolicy")
    assert is_mutating("BatchDeleteImage") and is_mutating("TagResource")
    assert not is_mutating("DescribeRepositories") and not is_mutating("GetRole")
    assert not is_mutating("ListTagsForResource")
