"""The fault-injection proxy itself: botocore must read each fault as the fault it stands for,
in every protocol ecrrep speaks, or the tests built on it prove nothing.

Plain boto3 clients in this process, with botocore's backoff set to zero so retries are quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.exceptions
import botocore.retries.standard
import pytest
from botocore.config import Config

from tests.support.account import FAKE_CREDENTIALS
from tests.support.fault_proxy import FaultProxy

ATTEMPTS = 3

# One read per service and protocol ecrrep uses: JSON (ECR, EventBridge, CloudWatch in its
# query-compatible JSON mode), query (IAM, SNS, STS), REST-JSON (Lambda).
READS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "ecr": ("DescribeRegistry", lambda c: c.describe_registry()),
    "events": ("ListRules", lambda c: c.list_rules()),
    "cloudwatch": ("DescribeAlarms", lambda c: c.describe_alarms()),
    "iam": ("ListRoles", lambda c: c.list_roles()),
    "sns": ("ListTopics", lambda c: c.list_topics()),
    "sts": ("GetCallerIdentity", lambda c: c.get_caller_identity()),
    "lambda": ("ListFunctions", lambda c: c.list_functions()),
}
THROTTLING = {"ecr": "ThrottlingException", "events": "ThrottlingException",
              "cloudwatch": "Throttling", "iam": "Throttling", "sns": "Throttling",
              "sts": "Throttling", "lambda": "TooManyRequestsException"}


@pytest.fixture
def no_backoff(monkeypatch) -> None:
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount",
                        lambda self, context: 0)


@pytest.fixture
def client(proxy, no_backoff) -> Iterator[Callable[[str], Any]]:
    def make(service: str) -> Any:
        return boto3.client(
            service, region_name="us-east-1", endpoint_url=proxy.url,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            config=Config(retries={"mode": "standard", "total_max_attempts": ATTEMPTS}))

    yield make


def error_of(call: Callable[[], Any]) -> botocore.exceptions.ClientError:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize("service", READS)
def test_requests_are_recognised_and_forwarded(proxy, client, service):
    action, read = READS[service]
    read(client(service))
    [call] = proxy.snapshot()
    assert (call.service, call.region, call.action, call.mutating, call.outcome) == (
        service, "us-east-1", action, False, "forwarded")


@pytest.mark.parametrize("service", READS)
def test_throttling_is_read_as_throttling_and_retried(proxy, client, service):
    proxy.throttle(1.0)
    action, read = READS[service]
    error = error_of(lambda: read(client(service)))
    assert error.response["Error"]["Code"] == THROTTLING[service]
    assert error.response["ResponseMetadata"]["RetryAttempts"] == ATTEMPTS - 1
    checker = botocore.retries.standard.ThrottledRetryableChecker()
    assert error.response["Error"]["Code"] in checker._throttled_error_codes
    assert proxy.outcomes() == {"throttled": ATTEMPTS}


@pytest.mark.parametrize("service", READS)
def test_a_500_is_retried(proxy, client, service):
    proxy.server_error(1.0)
    _, read = READS[service]
    error = error_of(lambda: read(client(service)))
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert proxy.outcomes() == {"error-500": ATTEMPTS}


@pytest.mark.parametrize("service", READS)
def test_a_dropped_connection_is_retried(proxy, client, service):
    proxy.drop(1.0)
    _, read = READS[service]
    with pytest.raises(botocore.exceptions.ConnectionClosedError):
        read(client(service))
    assert proxy.outcomes() == {"dropped": ATTEMPTS}


MUTATIONS: dict[str, tuple[str, str, Callable[[Any], Any]]] = {
    "ecr": ("CreateRepository", "AccessDeniedException",
            lambda c: c.create_repository(repositoryName="p/x")),
    "iam": ("CreateRole", "AccessDenied",
            lambda c: c.create_role(RoleName="x", AssumeRolePolicyDocument="{}")),
    "cloudwatch": ("PutDashboard", "AccessDenied",
                   lambda c: c.put_dashboard(DashboardName="x", DashboardBody="{}")),
    "lambda": ("DeleteFunction", "AccessDeniedException",
               lambda c: c.delete_function(FunctionName="x")),
    "sns": ("CreateTopic", "AccessDenied", lambda c: c.create_topic(Name="x")),
    "events": ("PutRule", "AccessDeniedException",
               lambda c: c.put_rule(Name="x", ScheduleExpression="rate(1 day)")),
}


@pytest.mark.parametrize("service", MUTATIONS)
def test_a_hard_failure_is_not_retried_and_names_the_permission(proxy, client, service):
    action, code, mutate = MUTATIONS[service]
    proxy.fail_mutating(1)
    error = error_of(lambda: mutate(client(service)))
    assert error.response["Error"]["Code"] == code
    assert f"not authorized to perform: {service}:{action}" in error.response["Error"]["Message"]
    [call] = proxy.snapshot()
    assert (call.action, call.mutating, call.outcome) == (action, True, "failed")


def test_only_the_kth_mutating_call_fails_and_reads_do_not_count(proxy, client):
    proxy.fail_mutating(2)
    ecr = client("ecr")
    ecr.describe_registry()
    ecr.create_repository(repositoryName="p/one")
    ecr.describe_repositories()
    assert error_of(lambda: ecr.create_repository(repositoryName="p/two"))
    ecr.create_repository(repositoryName="p/three")
    assert [c.outcome for c in proxy.snapshot() if c.mutating] == [
        "forwarded", "failed", "forwarded"]


def test_a_fault_after_forwarding_lets_the_call_take_effect(proxy, client, aws):
    proxy.server_error(1.0, match=lambda call: call.mutating, after=True, once=True)
    iam = client("iam")
    # The first attempt creates the role and its answer is lost; the retry meets it.
    error = error_of(lambda: iam.create_role(RoleName="landed", AssumeRolePolicyDocument="{}"))
    assert error.response["Error"]["Code"] == "EntityAlreadyExists"
    assert [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]] == ["landed"]
    assert [c.outcome for c in proxy.snapshot()] == ["error-500-after", "forwarded"]


def test_rest_requests_are_named_after_botocore_s_own_model(proxy, client):
    functions = client("lambda")
    for call in (lambda: functions.get_function(FunctionName="x"),
                 lambda: functions.get_policy(FunctionName="x"),
                 lambda: functions.remove_permission(FunctionName="x", StatementId="s"),
                 lambda: functions.delete_function(FunctionName="x")):
        with pytest.raises(botocore.exceptions.ClientError):
            call()
    assert [(c.action, c.mutating) for c in proxy.snapshot()] == [
        ("GetFunction", False), ("GetPolicy", False), ("RemovePermission", True),
        ("DeleteFunction", True)]


def test_the_same_seed_meets_the_same_faults(aws, no_backoff):
    def run(seed: int) -> list[str]:
        with FaultProxy(aws.endpoint, seed=seed) as proxy:
            proxy.throttle(0.5)
            ecr = boto3.client("ecr", region_name="us-east-1", endpoint_url=proxy.url,
                               aws_access_key_id="AKIAX", aws_secret_access_key="x",
                               config=Config(retries={"mode": "standard",
                                                      "total_max_attempts": 10}))
            for _ in range(10):
                ecr.describe_registry()
            return [c.outcome for c in proxy.snapshot()]

    first = run(1)
    assert run(1) == first
    assert "throttled" in first and "forwarded" in first
    assert run(2) != first


def test_a_test_can_wait_on_what_the_proxy_has_seen_and_hold_a_request(proxy, client):
    import threading

    arrived, release = threading.Event(), threading.Event()
    proxy.hook(lambda call: call.action == "ListRoles",
               before=lambda call: (arrived.set(), release.wait(30)))
    done = threading.Thread(target=lambda: client("iam").list_roles())
    done.start()
    assert arrived.wait(30)
    assert proxy.count(lambda call: call.answered) == 0
    release.set()
    assert proxy.wait_for(lambda calls: all(c.answered for c in calls) and calls, timeout=30)
    done.join(30)
