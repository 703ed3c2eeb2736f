"""The example spec planned and applied through the engine against moto in-process, as the
kinds' service tests converge it."""

from __future__ import annotations

import yaml

from ecrrep.aws.context import AwsContext
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Change
from ecrrep.engine.planner import apply_plan, plan_for
from ecrrep.resources.base import ApplyOptions
from ecrrep.spec.models import Spec
from tests.support.specs import EXAMPLE_SPEC

PROJECT = "container-registry-replication"
OPTIONS = DiffOptions(PROJECT)


def make_spec(edit=None, full: bool = False) -> Spec:
    """The example spec; unless `full`, cut to one repository and one destination region,
    which exercises every kind at a third of the calls."""
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    if not full:
        data["destination_regions"] = ["us-west-2"]
        data["repositories"] = data["repositories"][:1]
        data["cleanup"]["retention_days"] = {"production": 90}
    if edit:
        edit(data)
    return Spec.model_validate(data)


def fresh_ctx() -> AwsContext:
    """A new context (no cached reads), on the same mocked account."""
    return AwsContext()


def converge(spec: Spec) -> None:
    ctx = fresh_ctx()
    report = apply_plan(ctx, plan_for(ctx, spec, OPTIONS), ApplyOptions())
    assert report.ok, [e.line() for _, e in report.failed]


def pending(spec: Spec) -> dict[str, Change]:
    plan = plan_for(fresh_ctx(), spec, OPTIONS)
    return {c.address: c for c in plan.changes if c.is_change or c.blocked}
