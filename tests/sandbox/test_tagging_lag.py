"""Tagging index lag: tag:GetResources trails the services' own tags by the configured delay."""

from __future__ import annotations

import io
import json
import zipfile

from tests.support.aws_like_on import aws_like_on  # noqa: F401  (autouse)

OWNER = {"Key": "ecrrep:project", "Value": "demo"}


def _arns(sandbox, region: str = "us-east-1", **filters) -> dict[str, dict[str, str]]:
    tagging = sandbox.client("resourcegroupstaggingapi", region)
    mappings = tagging.get_resources(**filters)["ResourceTagMappingList"]
    return {m["ResourceARN"]: {t["Key"]: t["Value"] for t in m["Tags"]} for m in mappings}


def _alarm(sandbox, name: str, tags: list[dict[str, str]]) -> str:
    cloudwatch = sandbox.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name, MetricName="RepositoryPullCount", Namespace="AWS/ECR", Statistic="Sum",
        Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
        Tags=tags)
    return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]


def test_new_alarm_appears_only_after_the_lag(sandbox):
    sandbox.configure(tagging_lag_seconds=30)
    arn = _alarm(sandbox, "pulls", [OWNER])
    owned = {"TagFilters": [{"Key": OWNER["Key"], "Values": [OWNER["Value"]]}],
             "ResourceTypeFilters": ["cloudwatch:alarm"]}
    assert arn not in _arns(sandbox, **owned)

    sandbox.advance(30)
    assert _arns(sandbox, **owned)[arn] == {OWNER["Key"]: OWNER["Value"]}


def test_new_tags_show_only_after_the_lag(sandbox):
    sandbox.configure(tagging_lag_seconds=30)
    arn = _alarm(sandbox, "pulls", [OWNER])
    sandbox.advance(30)
    sandbox.client("cloudwatch").tag_resource(ResourceARN=arn, Tags=[{"Key": "team",
                                                                       "Value": "a"}])
    assert _arns(sandbox)[arn] == {OWNER["Key"]: OWNER["Value"]}
    assert not _arns(sandbox, TagFilters=[{"Key": "team"}])

    sandbox.advance(30)
    assert _arns(sandbox)[arn] == {OWNER["Key"]: OWNER["Value"], "team": "a"}


def test_deleted_resource_is_listed_until_the_lag_has_passed(sandbox):
    sandbox.configure(tagging_lag_seconds=30)
    arn = _alarm(sandbox, "pulls", [OWNER])
    sandbox.advance(30)
    sandbox.client("cloudwatch").delete_alarms(AlarmNames=["pulls"])
    assert arn in _arns(sandbox)

    sandbox.advance(30)
    assert arn not in _arns(sandbox)


def test_topics_functions_repositories_and_rules_lag_too(sandbox):
    sandbox.configure(tagging_lag_seconds=30, iam_propagation_seconds=0)
    topic = sandbox.client("sns").create_topic(Name="alerts", Tags=[OWNER])["TopicArn"]
    repository = sandbox.client("ecr").create_repository(
        repositoryName="app", tags=[OWNER])["repository"]["repositoryArn"]
    events = sandbox.client("events")
    rule = events.put_rule(Name="nightly", ScheduleExpression="rate(1 day)",
                           Tags=[OWNER])["RuleArn"]
    function = _function(sandbox, tags={OWNER["Key"]: OWNER["Value"]})
    created = {topic, repository, rule, function}
    assert not created & set(_arns(sandbox))

    sandbox.advance(30)
    assert created <= set(_arns(sandbox))
    assert set(_arns(sandbox, ResourceTypeFilters=["ecr:repository"])) == {repository}
    assert set(_arns(sandbox, ResourceTypeFilters=["sns:topic"])) == {topic}


def test_other_regions_are_indexed_separately(sandbox):
    sandbox.configure(tagging_lag_seconds=30)
    topic = sandbox.client("sns", "eu-west-1").create_topic(Name="alerts",
                                                           Tags=[OWNER])["TopicArn"]
    assert topic not in _arns(sandbox, "eu-west-1")
    sandbox.advance(30)
    assert topic in _arns(sandbox, "eu-west-1")
    assert topic not in _arns(sandbox, "us-east-1")


def test_index_is_current_when_aws_like_is_off(sandbox):
    sandbox.configure(aws_like=False)
    arn = _alarm(sandbox, "pulls", [OWNER])
    assert arn in _arns(sandbox)


def _function(sandbox, tags: dict[str, str]) -> str:
    role = sandbox.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": "lambda.amazonaws.com"}}]}
    ))["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    return sandbox.client("lambda").create_function(
        FunctionName="cleanup", Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()}, Tags=tags)["FunctionArn"]


def test_a_walk_broken_by_another_request_creating_a_resource_is_walked_again(
        sandbox, monkeypatch):
    from ecrrep.sandbox import tagging_lag

    arn = _alarm(sandbox, "pulls", [OWNER])
    walk = tagging_lag._moto_generator
    broken = []

    def another_request_adds_a_resource_meanwhile(backend, **filters):
        if not broken:
            broken.append(True)
            raise RuntimeError("dictionary changed size during iteration")
        return walk(backend, **filters)

    monkeypatch.setattr(tagging_lag, "_moto_generator", another_request_adds_a_resource_meanwhile)
    found = dict(tagging_lag.tagged_resources("123456789012", "us-east-1"))
    assert found[arn] == ((OWNER["Key"], OWNER["Value"]),)
