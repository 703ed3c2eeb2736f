"""The monitoring and automation kinds with plain values: desired state, normalisation of what
AWS hands back, the reproducible function package, outputs and their rendering."""

from __future__ import annotations

import ast
import base64
import copy
import hashlib
import io
import json
import re
import sys
import zipfile
from typing import Any

import pytest
import yaml

from ecrrep.cleanup import package as lambda_package
from ecrrep.cleanup.function import metrics
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.engine.diff import DiffOptions, diff_resources
from ecrrep.engine.outputs import output_names, outputs_from, raw_value, validation_commands
from ecrrep.engine.plan import Plan, Resource
from ecrrep.render.tables import make_console, render_plan
from ecrrep.resources import (
    alarms,
    all_kinds,
    cleanup_function,
    dashboard,
    replication_events,
    schedule,
    subscription,
    topic,
)
from ecrrep.resources.alarm_definitions import GIB, desired_alarms, is_our_alarm_name
from ecrrep.resources.alarm_documents import ALARM_FIELDS, normalise_alarm
from ecrrep.resources.base import GLOBAL_REGION, Target
from ecrrep.resources.cleanup_function import HANDLER, function_attrs, function_settings
from ecrrep.resources.dashboard import dashboard_body, parse_body
from ecrrep.resources.event_rules import normalise_targets
from ecrrep.resources.replication_events import FAILED_REPLICATION_PATTERN, forwarding_role_policy
from ecrrep.resources.roles import role_designs
from ecrrep.resources.schedule import permission_from_policy
from ecrrep.resources.subscription import (
    STATUS_CONFIRMED,
    STATUS_PENDING,
    subscription_resources,
)
from ecrrep.resources.topic import topic_policy
from ecrrep.spec import naming
from ecrrep.spec.models import Spec
from tests.conftest import EXAMPLE_SPEC

ACCOUNT = "123456789012"
TARGET = Target(ACCOUNT)
PROJECT = "container-registry-replication"
TOPIC_ARN = f"arn:aws:sns:us-east-1:{ACCOUNT}:{PROJECT}-alerts"
OPTIONS = DiffOptions(PROJECT)
ALARMS, DASHBOARD, FUNCTION = alarms.KIND, dashboard.KIND, cleanup_function.KIND
SCHEDULE, EVENT_RULES = schedule.KIND, replication_events.KIND
TOPIC, SUBSCRIPTION_KIND = topic.KIND, subscription.KIND
ALLOWED_NAMESPACES = {"AWS/ECR", metrics.NAMESPACE}


def namespaces_of(alarm: dict[str, Any]) -> set[str]:
    """Every metric namespace an alarm (normalised) watches."""
    found = {alarm["Namespace"]} if alarm.get("Namespace") else set()
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            found.add(query["MetricStat"]["Metric"]["Namespace"])
        expression = query.get("Expression", "")
        found.update(re.findall(r'SCHEMA\(\s*"([^"]+)"', expression))
    return found


def make_spec(edit=None) -> Spec:
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    if edit:
        edit(data)
    return Spec.model_validate(data)


def no_changes(desired: list[Resource], current: list[Resource]) -> bool:
    return not Plan(diff_resources(desired, current, OPTIONS)).has_changes


# -- alarms ----------------------------------------------------------------------------------


def described(alarm: dict[str, Any], name: str, tags_arn: str = "") -> dict[str, Any]:
    """An alarm as describe_alarms returns it: server fields and defaults filled in, lists in
    another order."""
    out = copy.deepcopy({k: v for k, v in alarm.items() if k != "tags"})
    out.update({
        "AlarmName": name,
        "AlarmArn": tags_arn or naming.alarm_arn("us-east-1", ACCOUNT, name),
        "AlarmConfigurationUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "ActionsEnabled": True,
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "StateUpdatedTimestamp": "2026-01-01T00:00:00Z",
        "DatapointsToAlarm": out["EvaluationPeriods"],
        "Threshold": float(out["Threshold"]),
    })
    out.setdefault("Dimensions", [])
    if "Metrics" in out:
        out["Metrics"] = list(reversed(out["Metrics"]))
    else:
        out["Metrics"] = []
        out["Period"] = int(out["Period"])
    out.setdefault("TreatMissingData", "missing")
    return out


def test_the_example_asks_for_a_failure_rate_alarm_and_two_per_repository():
    alarms = desired_alarms(make_spec(), ACCOUNT)
    assert sorted(alarms) == sorted([
        f"{PROJECT}-replication-failure-rate",
        f"{PROJECT}-production-pull-count", f"{PROJECT}-production-size",
        f"{PROJECT}-testing-pull-count", f"{PROJECT}-testing-size",
    ])
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [TOPIC_ARN]
        assert alarm["OKActions"] == [TOPIC_ARN]
        assert namespaces_of(alarm) <= ALLOWED_NAMESPACES


def test_alarms_watch_the_published_metrics_with_the_spec_thresholds():
    spec = make_spec()
    alarms = desired_alarms(spec, ACCOUNT)
    pulls = alarms[f"{PROJECT}-production-pull-count"]
    assert (pulls["Namespace"], pulls["MetricName"], pulls["Statistic"], pulls["Period"]) == (
        "AWS/ECR", "RepositoryPullCount", "Sum", 300)
    assert pulls["Dimensions"] == [{"Name": "RepositoryName",
                                    "Value": "my-company-apps/production"}]
    assert pulls["Threshold"] == 1000.0
    assert pulls["TreatMissingData"] == "notBreaching"
    size = alarms[f"{PROJECT}-production-size"]
    assert (size["Namespace"], size["MetricName"]) == (metrics.NAMESPACE,
                                                       metrics.REPOSITORY_SIZE_BYTES)
    assert size["Threshold"] == 50 * GIB
    rate = alarms[f"{PROJECT}-replication-failure-rate"]
    assert rate["Threshold"] == 10.0
    queries = {q["Id"]: q for q in rate["Metrics"]}
    watched = [q for q in queries.values() if q["ReturnData"]]
    assert [q["Expression"] for q in watched] == ["MAX([r_us_west_2, r_eu_west_1])"]
    regions = sorted(q["MetricStat"]["Metric"]["Dimensions"][0]["Value"]
                     for q in queries.values() if "MetricStat" in q)
    assert regions == ["eu-west-1", "us-west-2"]
    assert {q["MetricStat"]["Metric"]["MetricName"] for q in queries.values()
            if "MetricStat" in q} == {metrics.REPLICATION_FAILURE_RATE}
    for alarm in (size, rate):
        assert alarm["TreatMissingData"] == "ignore"


def test_every_ecrrep_alarm_watches_this_projects_series_only():
    alarms = desired_alarms(make_spec(), ACCOUNT)
    project = {"Name": "Project", "Value": PROJECT}
    size = alarms[f"{PROJECT}-production-size"]
    assert size["Dimensions"] == [project, {"Name": "RepositoryName",
                                            "Value": "my-company-apps/production"}]
    rate = alarms[f"{PROJECT}-replication-failure-rate"]
    for query in rate["Metrics"]:
        if "MetricStat" in query:
            assert project in query["MetricStat"]["Metric"]["Dimensions"]
    # What the cleanup function publishes carries the same dimensions.
    datum = metrics.repository_size_datum("my-company-apps/production", 1, project=PROJECT)
    assert sorted(datum["Dimensions"], key=lambda d: d["Name"]) == size["Dimensions"]


def test_an_alarm_read_back_with_server_defaults_is_unchanged():
    spec = make_spec()
    desired = ALARMS.desired(spec, TARGET)
    current = [
        Resource(r.type, r.region, r.name,
                 {**normalise_alarm(described(r.attrs, r.name)), "tags": dict(r.attrs["tags"])})
        for r in desired
    ]
    assert no_changes(desired, current)


def test_normalise_alarm_drops_defaults_and_orders_lists():
    alarm = {
        "AlarmName": "x", "ActionsEnabled": True, "AlarmDescription": "",
        "AlarmActions": ["b", "a"], "OKActions": [], "InsufficientDataActions": [],
        "Namespace": "AWS/ECR", "MetricName": "RepositoryPullCount", "Statistic": "Sum",
        "Dimensions": [{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}],
        "Period": 300, "EvaluationPeriods": 2, "DatapointsToAlarm": 2, "Threshold": 5,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "missing",
        "Unit": None, "StateValue": "OK",
    }
    assert normalise_alarm(alarm) == {
        "AlarmActions": ["a", "b"],
        "Namespace": "AWS/ECR", "MetricName": "RepositoryPullCount", "Statistic": "Sum",
        "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}],
        "Period": 300, "EvaluationPeriods": 2, "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    assert set(normalise_alarm(alarm)) <= set(ALARM_FIELDS)


def test_a_changed_threshold_is_one_field_change():
    spec = make_spec()
    current = ALARMS.desired(spec, TARGET)
    wanted = ALARMS.desired(make_spec(lambda d: d["monitoring"].update(
        pull_count_per_5min=5)), TARGET)
    changes = [c for c in diff_resources(wanted, current, OPTIONS) if c.is_change]
    assert [(c.name, [f.field for f in c.fields]) for c in changes] == [
        (f"{PROJECT}-production-pull-count", ["AlarmDescription", "Threshold"]),
        (f"{PROJECT}-testing-pull-count", ["AlarmDescription", "Threshold"]),
    ]


def test_without_notifications_the_alarms_have_no_actions():
    alarms = desired_alarms(make_spec(lambda d: d["notifications"].update(enabled=False)),
                            ACCOUNT)
    assert alarms
    for alarm in alarms.values():
        assert "AlarmActions" not in alarm and "OKActions" not in alarm


def test_without_monitoring_there_are_no_alarms_and_no_dashboard():
    spec = make_spec(lambda d: d["monitoring"].update(enabled=False))
    assert ALARMS.desired(spec, TARGET) == []
    assert DASHBOARD.desired(spec, TARGET) == []


def test_more_than_ten_destinations_use_one_metrics_insights_query():
    regions = ["us-west-1", "us-west-2", "us-east-2", "eu-west-1", "eu-west-2", "eu-west-3",
               "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-southeast-2"]
    alarms = desired_alarms(make_spec(lambda d: d.update(destination_regions=regions)), ACCOUNT)
    rate = alarms[f"{PROJECT}-replication-failure-rate"]
    (query,) = rate["Metrics"]
    assert query["Expression"] == (
        'SELECT MAX(ReplicationFailureRate) FROM SCHEMA("ECRRep", DestinationRegion, Project) '
        f"WHERE Project = '{PROJECT}'")
    assert query["ReturnData"] is True and query["Period"] == 3600
    assert namespaces_of(rate) == {metrics.NAMESPACE}
    ten = desired_alarms(make_spec(lambda d: d.update(destination_regions=regions[:10])),
                         ACCOUNT)[f"{PROJECT}-replication-failure-rate"]
    assert sum("MetricStat" in q for q in ten["Metrics"]) == 10


def test_only_alarm_names_of_our_shapes_are_claimed():
    assert is_our_alarm_name(f"{PROJECT}-replication-failure-rate", PROJECT)
    assert is_our_alarm_name(f"{PROJECT}-web-pull-count", PROJECT)
    assert is_our_alarm_name(f"{PROJECT}-web-size", PROJECT)
    assert not is_our_alarm_name(f"{PROJECT}-handmade", PROJECT)
    assert not is_our_alarm_name("other-web-size", PROJECT)


# -- dashboard -------------------------------------------------------------------------------


def _reorder(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reorder(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


def test_dashboard_body_in_another_key_order_is_unchanged():
    spec = make_spec()
    (desired,) = DASHBOARD.desired(spec, TARGET)
    text = json.dumps(_reorder(desired.attrs["body"]), indent=4)
    current = Resource(desired.type, desired.region, desired.name, {"body": parse_body(text)})
    assert no_changes([desired], [current])


def test_dashboard_graphs_the_four_metrics():
    body = dashboard_body(make_spec())
    rows = [row for w in body["widgets"] for row in w["properties"]["metrics"]]
    assert {(r[0], r[1]) for r in rows} == {
        ("AWS/ECR", "RepositoryPullCount"),
        (metrics.NAMESPACE, metrics.REPOSITORY_SIZE_BYTES),
        (metrics.NAMESPACE, metrics.REPLICATION_FAILURE_RATE),
        (metrics.NAMESPACE, metrics.IMAGES_EXPIRED),
    }
    regions = {r[5] for r in rows if r[1] == metrics.REPLICATION_FAILURE_RATE}
    assert regions == {"us-west-2", "eu-west-1"}
    assert all(w["properties"]["region"] == "us-east-1" for w in body["widgets"])
    ours = [r for r in rows if r[0] == metrics.NAMESPACE]
    assert ours and all(r[2:4] == ["Project", PROJECT] for r in ours)


def _with_repositories(count: int):
    def edit(d):
        d["repositories"] = [{**d["repositories"][0], "name": f"app-{n:04d}"}
                             for n in range(count)]
        d["cleanup"]["retention_days"] = {}
    return edit


def _metric_count(widget: dict[str, Any]) -> int:
    return len(widget["properties"]["metrics"])


@pytest.mark.parametrize("count", [1, 600, 1000, 5000])
def test_the_dashboard_stays_within_cloudwatch_quotas_at_any_size(count):
    body = dashboard_body(make_spec(_with_repositories(count)))
    assert all(_metric_count(w) <= 500 for w in body["widgets"])
    assert sum(_metric_count(w) for w in body["widgets"]) <= 2500
    assert len(body["widgets"]) <= 500
    positions = {(w["x"], w["y"]) for w in body["widgets"]}
    assert len(positions) == len(body["widgets"])  # no widget drawn over another


def test_a_graph_of_more_than_500_repositories_is_split_while_the_dashboard_holds_them():
    body = dashboard_body(make_spec(_with_repositories(600)))
    pulls = [w for w in body["widgets"]
             if w["properties"]["title"].startswith("Pulls per repository")]
    assert [_metric_count(w) for w in pulls] == [500, 100]
    assert pulls[1]["properties"]["title"].endswith("(2 of 2)")
    assert len({r[3] for w in pulls for r in w["properties"]["metrics"]}) == 600


def test_beyond_what_a_dashboard_holds_metrics_insights_shows_the_top_repositories():
    body = dashboard_body(make_spec(_with_repositories(1000)))
    queries = [row[0]["expression"] for w in body["widgets"]
               for row in w["properties"]["metrics"] if isinstance(row[0], dict)]
    assert len(queries) == 3
    ours = [q for q in queries if '"ECRRep"' in q]
    assert len(ours) == 2
    assert all(f"WHERE Project = '{PROJECT}'" in q and q.endswith("LIMIT 100") for q in ours)
    rates = [w for w in body["widgets"] if "failure rate" in w["properties"]["title"]]
    assert [_metric_count(w) for w in rates] == [2]  # one row per destination region


def test_a_body_that_is_not_json_always_differs():
    assert parse_body("not json") == "not json"


# -- the function package --------------------------------------------------------------------


def test_the_package_is_reproducible():
    settings = function_settings(make_spec())
    first = lambda_package.build_zip(lambda_package.package_files(settings=settings))
    second = lambda_package.build_zip(lambda_package.package_files(settings=settings))
    assert first == second
    sha = lambda_package.code_sha256(first)
    assert sha == base64.b64encode(hashlib.sha256(second).digest()).decode()
    assert lambda_package.code_sha256(lambda_package.cleanup_package(settings)) == sha
    other = function_settings(make_spec(lambda d: d["cleanup"].update(dry_run=True)))
    assert lambda_package.code_sha256(lambda_package.cleanup_package(other)) != sha


def test_package_entries_have_fixed_times_modes_and_order(tmp_path):
    files = {"ecrrep/b.py": b"b\n", "ecrrep/a.py": b"a\n"}
    archive = zipfile.ZipFile(io.BytesIO(lambda_package.build_zip(files)))
    infos = archive.infolist()
    assert [i.filename for i in infos] == ["ecrrep/a.py", "ecrrep/b.py"]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == 0o100644
        assert info.compress_type == zipfile.ZIP_STORED
    # Different insertion order, same bytes.
    assert lambda_package.build_zip(dict(reversed(files.items()))) == \
        lambda_package.build_zip(files)


def test_package_holds_the_function_package_and_a_stub(tmp_path):
    root = tmp_path / "ecrrep"
    function = root / "cleanup" / "function"
    (function / "__pycache__").mkdir(parents=True)
    (root / "cleanup" / "__init__.py").write_text('"""cleanup"""\n')
    (root / "cleanup" / "package.py").write_text("import zipfile\n")
    (function / "handler.py").write_bytes(b"def handler(event, context):\r\n    pass\r\n")
    (function / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"\0")
    (function / "metrics.py").write_text("NAMESPACE = 'ECRRep'\n")
    (root / "spec.py").write_text("import pydantic\n")
    files = lambda_package.package_files(root)
    assert sorted(files) == ["ecrrep/__init__.py", "ecrrep/cleanup/__init__.py",
                             "ecrrep/cleanup/function/handler.py",
                             "ecrrep/cleanup/function/metrics.py"]
    assert files["ecrrep/cleanup/function/handler.py"] == \
        b"def handler(event, context):\n    pass\n"
    assert files["ecrrep/__init__.py"] == lambda_package.PACKAGE_STUB


def _imports(source: bytes) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_the_packaged_code_imports_only_what_lambda_has():
    files = lambda_package.package_files()
    modules = {name[:-3].replace("/", ".").removesuffix(".__init__") for name in files}
    for name, source in files.items():
        for module in _imports(source):
            top = module.split(".")[0]
            if top == "ecrrep":
                # `from ecrrep import metrics` names a module; `from x import name` a name.
                assert module in modules or module.rsplit(".", 1)[0] in modules, (name, module)
            else:
                assert top in sys.stdlib_module_names or top in ("boto3", "botocore"), (
                    name, module)


def test_handler_named_in_the_function_exists_in_the_package():
    module, function = HANDLER.rsplit(".", 1)
    files = lambda_package.package_files()
    source = files.get(module.replace(".", "/") + ".py")
    assert source is not None, module
    defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
    assert function in defined


# -- the function ----------------------------------------------------------------------------


def test_function_settings_carry_the_cleanup_settings_inside_the_package():
    settings = json.loads(function_settings(make_spec()))
    assert settings == {
        "project": PROJECT, "source_region": "us-east-1",
        "destination_regions": ["us-west-2", "eu-west-1"],
        "repository_prefix": "my-company-apps",
        "repositories": {"production": 90, "testing": 7}, "default_retention_days": 30,
        "protected_tag_prefixes": ["prod"], "dry_run": False, "replication_grace_minutes": 30,
    }
    (desired,) = FUNCTION.desired(make_spec(), TARGET)
    package = zipfile.ZipFile(io.BytesIO(lambda_package.cleanup_package(
        desired.facts["settings"])))
    assert json.loads(package.read("ecrrep/cleanup/function/settings.json")) == settings
    assert desired.attrs["environment"] == {}  # nothing left in Lambda's 4 KB environment


def test_five_thousand_repositories_fit():
    def many(d):
        d["repositories"] = [{**d["repositories"][0], "name": f"service-{n:05d}"}
                             for n in range(5000)]
        d["cleanup"]["retention_days"] = {f"service-{n:05d}": 7 for n in range(0, 5000, 3)}

    spec = make_spec(many)
    (desired,) = FUNCTION.desired(spec, TARGET)
    environment = desired.attrs["environment"]
    # Lambda's limit: 4 KB for all keys and values together.
    assert sum(len(k) + len(v) for k, v in environment.items()) <= 4096
    config = CleanupConfig.from_settings_text(desired.facts["settings"])
    assert config == CleanupConfig.from_spec(spec)
    assert len(config.repositories) == 5000 and config.retention_days("service-00003") == 7
    assert len(lambda_package.cleanup_package(desired.facts["settings"])) < 50 * 1024 * 1024


def test_a_function_read_back_is_unchanged_and_new_code_is_one_field():
    (desired,) = FUNCTION.desired(make_spec(), TARGET)
    after = desired.attrs
    configuration = {  # as get_function returns it, with fields we do not manage
        "FunctionName": desired.name, "FunctionArn": desired.facts["arn"],
        "Runtime": after["runtime"], "Role": after["role"], "Handler": after["handler"],
        "CodeSize": 1234, "Description": after["description"], "Timeout": after["timeout"],
        "MemorySize": after["memory_size"], "LastModified": "2026-01-01T00:00:00.000+0000",
        "CodeSha256": after["code_sha256"], "Version": "$LATEST",
        "Environment": {"Variables": dict(reversed(list(after["environment"].items())))},
        "TracingConfig": {"Mode": "PassThrough"}, "State": "Active",
        "PackageType": "Zip", "Architectures": ["x86_64"],
    }
    current = Resource(desired.type, desired.region, desired.name,
                       function_attrs(configuration, dict(after["tags"])))
    assert no_changes([desired], [current])
    stale = Resource(desired.type, desired.region, desired.name,
                     {**current.attrs, "code_sha256": "old="})
    (change,) = diff_resources([desired], [stale], OPTIONS)
    assert [f.field for f in change.fields] == ["code_sha256"]
    assert after["runtime"].startswith("python3")
    assert after["role"] == naming.role_arn(ACCOUNT, f"{PROJECT}-ecr-cleanup")


def test_function_defaults_read_as_defaults():
    attrs = function_attrs({"Runtime": "python3.12", "Handler": "h", "Role": "r"}, {})
    assert (attrs["timeout"], attrs["memory_size"], attrs["description"],
            attrs["environment"]) == (3, 128, "", {})


def test_without_cleanup_no_function_and_no_schedule():
    spec = make_spec(lambda d: d["cleanup"].update(enabled=False))
    assert FUNCTION.desired(spec, TARGET) == [] and SCHEDULE.desired(spec, TARGET) == []


# -- the schedule ----------------------------------------------------------------------------


def test_schedule_targets_the_function_with_a_permission_for_this_rule():
    (rule,) = SCHEDULE.desired(make_spec(), TARGET)
    assert rule.attrs["schedule"] == "cron(0 2 * * ? *)"
    function_arn = naming.function_arn("us-east-1", ACCOUNT, f"{PROJECT}-ecr-cleanup")
    assert rule.attrs["targets"] == [{"Id": "cleanup-function", "Arn": function_arn}]
    assert rule.attrs["invoke_permission"] == {
        "principal": "events.amazonaws.com",
        "source_arn": naming.rule_arn("us-east-1", ACCOUNT, f"{PROJECT}-ecr-cleanup-schedule"),
    }


def test_the_permission_is_found_in_the_function_policy():
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "someone-else", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
         "Action": "lambda:InvokeFunction", "Resource": "f"},
        {"Sid": "p-ecr-cleanup-schedule", "Effect": "Allow",
         "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction",
         "Resource": "f", "Condition": {"ArnLike": {"AWS:SourceArn": "arn:rule"}}},
    ]})
    assert permission_from_policy(policy, "p-ecr-cleanup-schedule") == {
        "principal": "events.amazonaws.com", "source_arn": "arn:rule"}
    assert permission_from_policy(policy, "missing") is None
    assert permission_from_policy(None, "p-ecr-cleanup-schedule") is None


# -- replication failure events --------------------------------------------------------------


def test_event_rules_forward_from_destinations_and_publish_in_the_source():
    rules = {r.region: r for r in EVENT_RULES.desired(make_spec(), TARGET)}
    assert sorted(rules) == ["eu-west-1", "us-east-1", "us-west-2"]
    for rule in rules.values():
        assert rule.attrs["event_pattern"] == FAILED_REPLICATION_PATTERN
        assert rule.name == f"{PROJECT}-ecr-replication-failed"
    assert rules["us-east-1"].attrs["targets"] == [{"Id": "alert-topic", "Arn": TOPIC_ARN}]
    for region in ("us-west-2", "eu-west-1"):
        assert rules[region].attrs["targets"] == [{
            "Id": "source-region-bus",
            "Arn": f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default",
            "RoleArn": naming.role_arn(ACCOUNT, f"{PROJECT}-ecr-events"),
        }]


def test_the_events_role_may_only_put_events_on_the_source_bus():
    designs = {d.name: d for d in role_designs(make_spec(), ACCOUNT)}
    events = designs[f"{PROJECT}-ecr-events"]
    assert events.services == ["events"]
    assert events.policy == forwarding_role_policy(ACCOUNT, "us-east-1")
    (statement,) = events.policy["Statement"]
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"
    off = make_spec(lambda d: d["notifications"].update(enabled=False))
    assert f"{PROJECT}-ecr-events" not in {d.name for d in role_designs(off, ACCOUNT)}
    assert EVENT_RULES.desired(off, TARGET) == []


def test_without_create_roles_the_tools_own_roles_are_still_created():
    def existing_roles(d):
        d["iam"] = {"create_roles": False,
                    "production_role_arn": f"arn:aws:iam::{ACCOUNT}:role/pull",
                    "ci_role_arn": f"arn:aws:iam::{ACCOUNT}:role/push"}

    spec = make_spec(existing_roles)
    names = {d.name for d in role_designs(spec, ACCOUNT)}
    assert names == {f"{PROJECT}-ecr-cleanup", f"{PROJECT}-ecr-events"}
    (function,) = FUNCTION.desired(spec, TARGET)
    assert function.attrs["role"].endswith(f":role/{PROJECT}-ecr-cleanup")


def test_the_cleanup_role_deletes_only_from_repositories_tagged_ours():
    designs = {d.name: d for d in role_designs(make_spec(), ACCOUNT)}
    statements = designs[f"{PROJECT}-ecr-cleanup"].policy["Statement"]
    (delete,) = [s for s in statements if "ecr:BatchDeleteImage" in s["Action"]]
    assert delete["Condition"] == {
        "StringEquals": {"aws:ResourceTag/ecrrep:project": PROJECT}}
    assert delete["Resource"] == (
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/my-company-apps/*")
    (read,) = [s for s in statements if "ecr:ListTagsForResource" in s["Action"]]
    assert "ecr:BatchGetImage" in read["Action"] and "Condition" not in read


def test_targets_compare_without_the_fields_we_do_not_set():
    read = [{"Id": "b", "Arn": "arn:b", "InputPath": None}, {"Id": "a", "Arn": "arn:a"}]
    assert normalise_targets(read) == [{"Id": "a", "Arn": "arn:a"}, {"Id": "b", "Arn": "arn:b"}]


# -- topic and subscription ------------------------------------------------------------------


def test_topic_policy_lets_our_alarms_and_our_rule_publish():
    policy = topic_policy(make_spec(), ACCOUNT)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    alarms, events = by_sid["CloudWatchAlarmsPublish"], by_sid["EventBridgePublish"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert events["Principal"] == {"Service": "events.amazonaws.com"}
    for statement in (alarms, events):
        assert statement["Action"] == "sns:Publish"
        assert statement["Resource"] == TOPIC_ARN
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert alarms["Condition"]["ArnLike"]["aws:SourceArn"] == \
        f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{PROJECT}-*"
    assert events["Condition"]["ArnEquals"]["aws:SourceArn"] == \
        f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{PROJECT}-ecr-replication-failed"


def test_notifications_off_wants_no_topic_and_no_subscription():
    spec = make_spec(lambda d: d["notifications"].update(enabled=False))
    assert TOPIC.desired(spec, TARGET) == [] and SUBSCRIPTION_KIND.desired(spec, TARGET) == []


def _sub(email: str, arn: str, protocol: str = "email") -> dict[str, str]:
    return {"SubscriptionArn": arn, "Protocol": protocol, "Endpoint": email,
            "TopicArn": TOPIC_ARN, "Owner": ACCOUNT}


def test_subscriptions_pending_and_confirmed():
    found = {r.name: r for r in subscription_resources("us-east-1", [
        _sub("new@x.com", "PendingConfirmation"),
        _sub("old@x.com", f"{TOPIC_ARN}:abc"),
        _sub("stale@x.com", "PendingConfirmation"),
        _sub("https://hook", f"{TOPIC_ARN}:def", protocol="https"),
    ], "new@x.com")}
    assert sorted(found) == ["new@x.com", "old@x.com", "stale@x.com"]
    assert found["new@x.com"].facts["status"] == STATUS_PENDING and found["new@x.com"].owned
    assert found["old@x.com"].facts == {"status": STATUS_CONFIRMED, "arn": f"{TOPIC_ARN}:abc"}
    assert not found["stale@x.com"].owned  # pending: nothing to unsubscribe with


def test_the_plan_says_a_subscription_is_pending_and_deletes_the_old_address():
    spec = make_spec(lambda d: d["notifications"].update(email="new@x.com"))
    desired = SUBSCRIPTION_KIND.desired(spec, TARGET)
    current = subscription_resources("us-east-1", [
        _sub("new@x.com", "PendingConfirmation"), _sub("old@x.com", f"{TOPIC_ARN}:abc"),
        _sub("stale@x.com", "PendingConfirmation")], "new@x.com")
    changes = {c.name: c for c in SUBSCRIPTION_KIND.diff(desired, current, OPTIONS)}
    assert sorted(changes) == ["new@x.com", "old@x.com"]
    assert changes["new@x.com"].action == "no-op"
    assert any("pending confirmation" in n for n in changes["new@x.com"].notes)
    assert changes["old@x.com"].action == "delete"
    created = SUBSCRIPTION_KIND.diff(desired, [], OPTIONS)
    assert [c.action for c in created] == ["create"]
    assert "pending confirmation" in created[0].notes[0]


# -- registry, rendering ---------------------------------------------------------------------


def test_kinds_are_registered_in_dependency_order():
    order = [k.type for k in all_kinds()]
    for before, after in [("iam_role", "lambda_function"), ("sns_topic", "sns_subscription"),
                          ("sns_topic", "cloudwatch_alarm"), ("lambda_function",
                                                               "cleanup_schedule"),
                          ("sns_topic", "replication_event_rule"),
                          ("iam_role", "replication_event_rule")]:
        assert order.index(before) < order.index(after), (before, after)


def _rendered(changes) -> str:
    console = make_console(no_color=True)
    with console.capture() as captured:
        render_plan(console, Plan(changes), {k.type: k.title for k in all_kinds()})
    return captured.get()


def test_the_plan_summarises_new_alarms_dashboard_and_function():
    spec = make_spec()
    desired = [*ALARMS.desired(spec, TARGET), *DASHBOARD.desired(spec, TARGET),
               *FUNCTION.desired(spec, TARGET)]
    text = _rendered(diff_resources(desired, [], OPTIONS))
    assert "CloudWatch alarms" in text and "CloudWatch dashboard" in text
    assert "alarm when Sum of AWS/ECR RepositoryPullCount" in text
    assert "> 50 GiB" in text
    assert "widget: Pulls per repository" in text
    assert "python3.12, handler ecrrep.cleanup.function.handler.handler" in text
    assert '"widgets"' not in text  # the body is summarised, not dumped


def test_the_plan_shows_a_pending_subscription_without_counting_a_change():
    spec = make_spec()
    desired = SUBSCRIPTION_KIND.desired(spec, TARGET)
    current = subscription_resources("us-east-1", [_sub("devops@company.com",
                                                        "PendingConfirmation")],
                                     "devops@company.com")
    changes = SUBSCRIPTION_KIND.diff(desired, current, OPTIONS)
    text = _rendered(changes)
    assert "pending confirmation" in text
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in text


# -- outputs ---------------------------------------------------------------------------------


def _live(spec: Spec) -> list[Resource]:
    """What the kinds would read after an apply, as plain resources."""
    resources = []
    for region in spec.regions:
        for repo in spec.repositories:
            full = naming.repository_name(spec.repository_prefix, repo.name)
            resources.append(Resource("ecr_repository", region, full, {}, facts={
                "uri": naming.repository_uri(region, ACCOUNT, full)}))
    for role in (naming.production_role_name(PROJECT), naming.ci_role_name(PROJECT),
                 naming.cleanup_role_name(PROJECT)):
        resources.append(Resource("iam_role", GLOBAL_REGION, role, {},
                                  facts={"arn": naming.role_arn(ACCOUNT, role)}))
    resources += [
        Resource("sns_topic", "us-east-1", f"{PROJECT}-alerts", {}, facts={"arn": TOPIC_ARN}),
        Resource("sns_subscription", "us-east-1", "devops@company.com", {},
                 facts={"status": STATUS_PENDING}),
        Resource("cloudwatch_dashboard", "us-east-1", f"{PROJECT}-ecr", {}),
        Resource("cloudwatch_alarm", "us-east-1", f"{PROJECT}-replication-failure-rate", {}),
        Resource("lambda_function", "us-east-1", f"{PROJECT}-ecr-cleanup", {}),
    ]
    return resources


def test_outputs_use_the_seed_names():
    spec = make_spec()
    values = outputs_from(spec, _live(spec))
    assert list(values) == sorted(values) == output_names(spec)
    assert values["production_repository_name"] == "my-company-apps/production"
    assert values["production_repository_uri"] == \
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/my-company-apps/production"
    assert values["replica_repository_uris"]["eu-west-1"]["testing"] == \
        f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/my-company-apps/testing"
    assert values["ecr_production_role_arn"] == naming.role_arn(ACCOUNT,
                                                                f"{PROJECT}-ecr-production")
    assert values["lambda_cleanup_role_arn"] == naming.role_arn(ACCOUNT, f"{PROJECT}-ecr-cleanup")
    assert values["sns_topic_arn"] == TOPIC_ARN
    assert values["sns_subscription_status"] == "pending confirmation"
    assert values["cloudwatch_dashboard_name"] == f"{PROJECT}-ecr"
    assert values["replication_failure_alarm_name"] == f"{PROJECT}-replication-failure-rate"
    assert values["lambda_cleanup_function_name"] == f"{PROJECT}-ecr-cleanup"
    assert "aws ecr describe-registry --region us-east-1" in values[
        "replication_validation_commands"]


def test_outputs_of_missing_or_foreign_resources_have_no_value():
    spec = make_spec()
    foreign = [Resource(r.type, r.region, r.name, r.attrs, owned=False, facts=r.facts)
               for r in _live(spec)]
    assert list(outputs_from(spec, foreign)) == ["replication_validation_commands"]
    assert validation_commands(spec).endswith("ecrrep validate-replication")


def test_existing_roles_are_outputs_without_create_roles():
    def existing_roles(d):
        d["iam"] = {"create_roles": False,
                    "production_role_arn": f"arn:aws:iam::{ACCOUNT}:role/pull",
                    "ci_role_arn": f"arn:aws:iam::{ACCOUNT}:role/push"}
    values = outputs_from(make_spec(existing_roles), [])
    assert values["ecr_production_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/pull"
    assert values["ecr_ci_role_arn"] == f"arn:aws:iam::{ACCOUNT}:role/push"


@pytest.mark.parametrize(("value", "raw"), [
    ("text", "text"), ({"b": 1, "a": 2}, '{"a": 2, "b": 1}'),
])
def test_raw_values_are_strings_as_is_and_the_rest_json(value, raw):
    assert raw_value(value) == raw
