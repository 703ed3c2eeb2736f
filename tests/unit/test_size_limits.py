"""AWS's size limits checked in the plan, before any change: alarm names (255 characters) and
trust policies (2,048 characters with the listed principals); the function's settings and the
dashboard at any number of repositories are in test_monitoring_kinds."""

from __future__ import annotations

import yaml

from ecrrep.diff import DiffOptions
from ecrrep.plan import Plan
from ecrrep.resources import alarms, roles
from ecrrep.resources.base import Target
from ecrrep.spec import Spec
from tests.conftest import EXAMPLE_SPEC

TARGET = Target("123456789012")
PROJECT = "container-registry-replication"
OPTIONS = DiffOptions(PROJECT)


def make_spec(edit) -> Spec:
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    edit(data)
    return Spec.model_validate(data)


def test_an_alarm_name_past_255_characters_blocks_the_plan():
    long_name = "a" * 220

    def long_repository(d):
        d["repositories"].append({**d["repositories"][0], "name": long_name})

    spec = make_spec(long_repository)
    plan = Plan(alarms.KIND.diff(alarms.KIND.desired(spec, TARGET), [], OPTIONS))
    blocked = {c.name: c.blocked for c in plan.blocked}
    name = f"{PROJECT}-{long_name}-pull-count"
    assert len(name) > 255
    assert blocked[name] == (f"the alarm name is {len(name)} characters; CloudWatch allows at "
                             "most 255: shorten the project or the repository name")
    assert f"{PROJECT}-production-size" not in blocked


def test_a_trust_policy_past_2048_characters_blocks_the_plan():
    principals = [f"arn:aws:iam::123456789012:role/consumer-{n:03d}" for n in range(60)]
    spec = make_spec(lambda d: d["iam"].update(production_principals=principals))
    plan = Plan(roles.KIND.diff(roles.KIND.desired(spec, TARGET), [], OPTIONS))
    (blocked,) = plan.blocked
    assert blocked.name == f"{PROJECT}-ecr-production"
    assert blocked.blocked.startswith("the trust policy is ")
    assert "IAM allows 2048 by default: list fewer principals" in blocked.blocked
    few = make_spec(lambda d: d["iam"].update(production_principals=principals[:3]))
    assert not Plan(roles.KIND.diff(roles.KIND.desired(few, TARGET), [], OPTIONS)).blocked
