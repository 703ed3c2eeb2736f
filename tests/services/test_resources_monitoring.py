"""The monitoring and automation kinds against moto in-process: convergence, updates that touch
only what changed, retried creates, foreign resources, and what the account holds after."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from ecrrep.aws import AwsError
from ecrrep.cleanup import package as lambda_package
from ecrrep.engine.plan import Change
from ecrrep.engine.planner import apply_plan, plan_for, read_target
from ecrrep.resources import (
    alarms,
    cleanup_function,
    replication_events,
    schedule,
    topic,
)
from ecrrep.resources.base import ApplyOptions, Target
from ecrrep.resources.shared import propagation
from ecrrep.spec.models import Spec
from tests.support.in_process_plans import (
    OPTIONS,
    PROJECT,
    converge,
    fresh_ctx,
    make_spec,
    pending,
)

FUNCTION = f"{PROJECT}-ecr-cleanup"
SCHEDULE = f"{PROJECT}-ecr-cleanup-schedule"
TOPIC = f"{PROJECT}-alerts"
EVENT_RULE = f"{PROJECT}-ecr-replication-failed"


def test_the_example_converges_and_a_second_plan_is_empty(ctx):
    spec = make_spec(full=True)
    converge(spec)
    assert pending(spec) == {}
    function = boto3.client("lambda", "us-east-1").get_function(FunctionName=FUNCTION)
    assert function["Configuration"]["CodeSha256"] == lambda_package.code_sha256(
        lambda_package.cleanup_package(cleanup_function.function_settings(spec)))
    assert function["Tags"]["ecrrep:project"] == PROJECT
    assert "Environment" not in function["Configuration"] or \
        function["Configuration"]["Environment"].get("Variables", {}) == {}


def test_new_code_updates_the_code_alone(ctx, monkeypatch):
    spec = make_spec()
    converge(spec)
    package = lambda_package.build_zip({"ecrrep/__init__.py": b"", "ecrrep/cleanup/x.py": b"1"})
    monkeypatch.setattr(lambda_package, "cleanup_package", lambda settings: package)
    changes = pending(spec)
    (change,) = changes.values()
    assert change.type == "lambda_function"
    assert [f.field for f in change.fields] == ["code_sha256"]
    apply_ctx = fresh_ctx()
    assert apply_plan(apply_ctx, plan_for(apply_ctx, spec, OPTIONS), ApplyOptions()).ok
    calls = apply_ctx.stats().calls
    assert calls[("lambda", "UpdateFunctionCode")] == 1
    assert calls[("lambda", "UpdateFunctionConfiguration")] == 0
    got = boto3.client("lambda", "us-east-1").get_function(FunctionName=FUNCTION)
    assert got["Configuration"]["CodeSha256"] == lambda_package.code_sha256(package)
    assert pending(spec) == {}


def test_a_plan_for_other_code_is_refused_at_apply(ctx):
    spec = make_spec()
    converge(spec)
    (desired,) = cleanup_function.KIND.desired(spec, plan_target(spec))
    change = Change(desired.type, desired.region, desired.name, "update",
                    {**desired.attrs, "code_sha256": "older="},
                    {**desired.attrs, "code_sha256": "newer="}, facts=dict(desired.facts))
    with pytest.raises(AwsError) as raised:
        cleanup_function.KIND.apply(fresh_ctx(), change, ApplyOptions())
    assert raised.value.code == "StalePlan"


def plan_target(spec: Spec) -> Target:
    return read_target(fresh_ctx(), spec)


def test_a_new_role_that_lambda_cannot_assume_yet_is_retried(monkeypatch, capsys):
    waits: list[float] = []
    monkeypatch.setattr(propagation, "sleep", waits.append)
    calls: list[str] = []

    class FakeLambda:
        def create_function(self, **params):
            calls.append("create")
            if len(calls) < 3:
                raise ClientError({"Error": {
                    "Code": "InvalidParameterValueException",
                    "Message": "The role defined for the function cannot be assumed by Lambda."}},
                    "CreateFunction")

        def get_waiter(self, name):
            calls.append(name)
            return type("Waiter", (), {"wait": lambda self, **kw: None})()

    spec = make_spec()
    (desired,) = cleanup_function.KIND.desired(spec, Target("123456789012"))
    change = Change(desired.type, desired.region, desired.name, "create", None,
                    dict(desired.attrs), facts=dict(desired.facts))
    cleanup_function.KIND._create(FakeLambda(), change)
    assert calls == ["create", "create", "create", "function_active_v2"]
    assert waits == [1.0, 2.0]
    (line,) = capsys.readouterr().err.splitlines()  # told once, on stderr
    assert line.startswith("note: waiting for Lambda to accept the new role "
                           f"{PROJECT}-ecr-cleanup (InvalidParameterValueException")


def test_a_foreign_topic_of_our_name_is_a_conflict(ctx):
    sns = boto3.client("sns", "us-east-1")
    sns.create_topic(Name=TOPIC)
    changes = pending(make_spec())
    topic_change = changes[f"sns_topic.us-east-1.{TOPIC}"]
    assert topic_change.blocked and "ownership tag" in topic_change.blocked
    assert not any(c.type == "sns_subscription" and c.action == "delete"
                   for c in changes.values())


def test_a_new_email_replaces_the_old_subscription(ctx):
    converge(make_spec())
    converge(make_spec(lambda d: d["notifications"].update(email="oncall@company.com")))
    sns = boto3.client("sns", "us-east-1")
    arn = sns.list_topics()["Topics"][0]["TopicArn"]
    subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "oncall@company.com")]


def test_topic_policy_drift_is_put_back(ctx):
    spec = make_spec()
    converge(spec)
    sns = boto3.client("sns", "us-east-1")
    arn = sns.list_topics()["Topics"][0]["TopicArn"]
    sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                             AttributeValue='{"Version": "2012-10-17", "Statement": []}')
    (change,) = pending(spec).values()
    assert [f.field for f in change.fields] == ["policy"]
    converge(spec)
    assert pending(spec) == {}


def test_alarm_retried_create_is_done_and_a_foreign_one_is_refused(ctx):
    spec = make_spec()
    converge(spec)
    plan = plan_for(fresh_ctx(), make_spec(lambda d: d["repositories"].append(
        {"name": "extra", "lifecycle": [{"select": "untagged", "expire_after_days": 1}]})),
        OPTIONS)
    creates = [c for c in plan.changes if c.type == "cloudwatch_alarm" and c.action == "create"]
    assert len(creates) == 2
    first = creates[0]
    alarms.KIND.apply(fresh_ctx(), first, ApplyOptions())
    alarms.KIND.apply(fresh_ctx(), first, ApplyOptions())  # the retry meets its own alarm
    cloudwatch = boto3.client("cloudwatch", "us-east-1")
    cloudwatch.put_metric_alarm(AlarmName=creates[1].name, MetricName="M", Namespace="N",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold")
    with pytest.raises(AwsError) as raised:
        alarms.KIND.apply(fresh_ctx(), creates[1], ApplyOptions())
    assert raised.value.code == "AlreadyExists"
    untouched = cloudwatch.describe_alarms(AlarmNames=[creates[1].name])["MetricAlarms"][0]
    assert untouched["Namespace"] == "N"


def test_alarm_tag_drift_is_fixed_with_tags_alone(ctx):
    spec = make_spec()
    converge(spec)
    cloudwatch = boto3.client("cloudwatch", "us-east-1")
    arn = cloudwatch.describe_alarms(AlarmNames=[f"{PROJECT}-production-size"])[
        "MetricAlarms"][0]["AlarmArn"]
    cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["Team"])
    (change,) = pending(spec).values()
    assert [f.field for f in change.fields] == ["tags"]
    apply_ctx = fresh_ctx()
    assert apply_plan(apply_ctx, plan_for(apply_ctx, spec, OPTIONS), ApplyOptions()).ok
    assert apply_ctx.stats().calls[("cloudwatch", "PutMetricAlarm")] == 0
    assert pending(spec) == {}


def test_a_new_schedule_rewrites_the_rule_and_keeps_target_and_permission(ctx):
    converge(make_spec())
    spec = make_spec(lambda d: d["cleanup"].update(schedule="rate(6 hours)"))
    (change,) = pending(spec).values()
    assert (change.type, [f.field for f in change.fields]) == ("cleanup_schedule", ["schedule"])
    converge(spec)
    events = boto3.client("events", "us-east-1")
    assert events.describe_rule(Name=SCHEDULE)["ScheduleExpression"] == "rate(6 hours)"
    (target,) = events.list_targets_by_rule(Rule=SCHEDULE)["Targets"]
    assert target["Arn"].endswith(f":function:{FUNCTION}")
    policy = boto3.client("lambda", "us-east-1").get_policy(FunctionName=FUNCTION)["Policy"]
    assert schedule.permission_from_policy(policy, f"{PROJECT}-ecr-cleanup-schedule") == {
        "principal": "events.amazonaws.com",
        "source_arn": f"arn:aws:events:us-east-1:123456789012:rule/{SCHEDULE}"}
    assert pending(spec) == {}


def test_event_rule_retried_create_and_delete_of_a_gone_rule(ctx):
    spec = make_spec()
    converge(spec)
    plan = plan_for(fresh_ctx(), spec, OPTIONS, destroy=True)
    (west,) = [c for c in plan.changes
               if c.type == "replication_event_rule" and c.region == "us-west-2"]
    replication_events.KIND.apply(fresh_ctx(), west, ApplyOptions())
    replication_events.KIND.apply(fresh_ctx(), west, ApplyOptions())  # already gone: done
    events = boto3.client("events", "us-west-2")
    assert events.list_rules(NamePrefix=EVENT_RULE)["Rules"] == []
    recreate = Change(west.type, west.region, west.name, "create", None,
                      dict(west.before or {}), facts=dict(west.facts))
    replication_events.KIND.apply(fresh_ctx(), recreate, ApplyOptions())
    replication_events.KIND.apply(fresh_ctx(), recreate, ApplyOptions())  # a retried create
    (target,) = events.list_targets_by_rule(Rule=EVENT_RULE)["Targets"]
    assert target["Arn"] == "arn:aws:events:us-east-1:123456789012:event-bus/default"
    assert pending(spec) == {}


def test_disabling_everything_removes_what_we_own_and_keeps_the_rest(ctx):
    converge(make_spec())
    sns = boto3.client("sns", "us-east-1")
    sns.create_topic(Name="someone-elses-topic")

    def off(d):
        d["monitoring"]["enabled"] = False
        d["notifications"]["enabled"] = False
        d["cleanup"]["enabled"] = False

    converge(make_spec(off))
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in sns.list_topics()["Topics"]] == [
        "someone-elses-topic"]
    cloudwatch = boto3.client("cloudwatch", "us-east-1")
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert boto3.client("lambda", "us-east-1").list_functions()["Functions"] == []
    for region in ("us-east-1", "us-west-2"):
        assert boto3.client("events", region).list_rules(NamePrefix=PROJECT)["Rules"] == []
    roles = {r["RoleName"] for r in boto3.client("iam", "us-east-1").list_roles()["Roles"]}
    assert roles == {f"{PROJECT}-ecr-production", f"{PROJECT}-ecr-ci"}
    assert topic.KIND.read(fresh_ctx(), make_spec()) == []



def test_without_create_roles_the_function_and_event_rules_get_their_roles(ctx):
    iam = boto3.client("iam", "us-east-1")
    trust = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": '
             '"sts:AssumeRole", "Principal": {"Service": "ec2.amazonaws.com"}}]}')
    pull = iam.create_role(RoleName="pull", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    push = iam.create_role(RoleName="push", AssumeRolePolicyDocument=trust)["Role"]["Arn"]

    def existing_roles(d):
        d["iam"] = {"create_roles": False, "production_role_arn": pull, "ci_role_arn": push}

    spec = make_spec(existing_roles)
    converge(spec)
    roles = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert roles == {"pull", "push", f"{PROJECT}-ecr-cleanup", f"{PROJECT}-ecr-events"}
    function = boto3.client("lambda", "us-east-1").get_function(FunctionName=FUNCTION)
    assert function["Configuration"]["Role"].endswith(f":role/{PROJECT}-ecr-cleanup")
    (target,) = boto3.client("events", "us-west-2").list_targets_by_rule(
        Rule=EVENT_RULE)["Targets"]
    assert target["RoleArn"].endswith(f":role/{PROJECT}-ecr-events")
    assert pending(spec) == {}
