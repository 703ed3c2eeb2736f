"""The recorder names the IAM action of ecrrep's requests in every protocol, and only of
ecrrep's."""

from __future__ import annotations

import contextlib
import io
import urllib.parse
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from ecrrep.aws.context import AwsContext
from tests.support.action_recorder import ActionRecorder


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-never-printed")


def sent_request(service: str, call: str, **params: Any) -> Any:
    """The request botocore would send for the call, as ecrrep's clients build it."""
    captured: list[Any] = []

    def stop(request: Any, **_: Any) -> AWSResponse:
        captured.append(request)
        return AWSResponse(request.url, 200, {}, None)

    client = AwsContext(endpoint_url="http://127.0.0.1:9").client(service, "us-east-1")
    client.meta.events.register_first("before-send", stop)
    # The empty answer may not parse; the request is what matters.
    with contextlib.suppress(Exception):
        getattr(client, call)(**params)
    return captured[0]


def environ(request: Any) -> dict[str, Any]:
    url = urllib.parse.urlsplit(request.url)
    body = request.body or b""
    body = body.encode() if isinstance(body, str) else body
    headers = {key: value.decode() if isinstance(value, bytes) else value
               for key, value in request.headers.items()}
    env = {"REQUEST_METHOD": request.method, "PATH_INFO": urllib.parse.unquote(url.path),
           "QUERY_STRING": url.query, "CONTENT_LENGTH": str(len(body)),
           "CONTENT_TYPE": headers.pop("Content-Type", ""), "wsgi.input": io.BytesIO(body)}
    for key, value in headers.items():
        env["HTTP_" + key.upper().replace("-", "_")] = value
    return env


@pytest.mark.parametrize("service, call, params, action", [
    ("ecr", "describe_registry", {}, "ecr:DescribeRegistry"),
    ("iam", "get_role", {"RoleName": "r"}, "iam:GetRole"),
    ("lambda", "list_tags", {"Resource": "arn:aws:lambda:us-east-1:1:function:f"},
     "lambda:ListTags"),
    ("cloudwatch", "describe_alarms", {}, "cloudwatch:DescribeAlarms"),
    ("resourcegroupstaggingapi", "get_resources", {}, "tag:GetResources"),
    ("sns", "get_topic_attributes", {"TopicArn": "arn:aws:sns:us-east-1:1:t"},
     "sns:GetTopicAttributes"),
])
def test_each_protocol_is_named_by_its_iam_action(service, call, params, action):
    recorder = ActionRecorder()
    seen: list[bytes] = []

    def app(env: dict[str, Any], _start: Any) -> list[bytes]:
        seen.append(env["wsgi.input"].read())
        return []

    request = sent_request(service, call, **params)
    recorder.wrap(app)(environ(request), lambda *a: None)

    assert dict(recorder.calls) == {action: 1}
    body = request.body or b""
    assert seen == [body.encode() if isinstance(body, str) else body]  # the body still arrives


def test_requests_not_from_ecrrep_are_not_recorded():
    recorder = ActionRecorder()
    env = environ(sent_request("ecr", "describe_registry"))
    env["HTTP_USER_AGENT"] = "Boto3/1.0 Python/3.11"

    recorder.wrap(lambda e, s: [])(env, lambda *a: None)

    assert recorder.calls == {}


def test_an_undeclared_action_fails_the_check():
    recorder = ActionRecorder()
    recorder.calls["ecr:DeletePullThroughCacheRule"] += 1
    with pytest.raises(AssertionError, match="ecr:DeletePullThroughCacheRule"):
        recorder.assert_all_declared()
