"""Every AWS failure becomes one readable line."""

from __future__ import annotations

import botocore.exceptions
import pytest

from ecrrep.aws import AwsError, aws_action, error_code, translate_error
from ecrrep.aws.context import is_mutating


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


ClientError = botocore.exceptions.ClientError


def _client_error(code: str, message: str = "m") -> ClientError:
    return client_error(code, message, "SetRepositoryPolicy")


def test_aws_error_catches_only_the_codes_it_names():
    from ecrrep.aws import aws_error

    try:
        raise _client_error("RepositoryNotFoundException")
    except aws_error("RepositoryNotFoundException") as exc:
        caught = exc
    assert error_code(caught) == "RepositoryNotFoundException"
    with pytest.raises(ClientError):
        try:
            raise _client_error("AccessDeniedException")
        except aws_error("RepositoryNotFoundException"):
            pass
    with pytest.raises(KeyError):  # not an AWS error at all: never swallowed
        try:
            raise KeyError("RepositoryNotFoundException")
        except aws_error("RepositoryNotFoundException"):
            pass


def test_retry_on_waits_out_the_named_error_then_succeeds():
    from ecrrep.aws import retry_on

    answers = [_client_error("InvalidParameterException", "Principal not found")] * 3
    waits: list[float] = []
    notes: list[str] = []

    def call() -> str:
        if answers:
            raise answers.pop()
        return "done"

    result = retry_on({"InvalidParameterException"}, call, what="the new role",
                      message_contains="Principal not found", on_wait=notes.append,
                      sleep=waits.append, clock=lambda: sum(waits))
    assert result == "done"
    assert waits == [1.0, 2.0, 4.0]
    assert len(notes) == 1 and "the new role" in notes[0]


def test_retry_on_gives_up_at_the_deadline_and_ignores_other_errors():
    from ecrrep.aws import retry_on

    waits: list[float] = []

    def always() -> None:
        raise _client_error("InvalidParameterException", "Principal not found")

    with pytest.raises(ClientError):
        retry_on({"InvalidParameterException"}, always, what="x", timeout_seconds=10,
                 sleep=waits.append, clock=lambda: sum(waits))
    assert sum(waits) <= 10
    calls = []

    def other() -> None:
        calls.append(1)
        raise _client_error("InvalidParameterException", "policy is malformed")

    with pytest.raises(ClientError):
        retry_on({"InvalidParameterException"}, other, what="x",
                 message_contains="Principal not found", sleep=waits.append)
    assert calls == [1]
