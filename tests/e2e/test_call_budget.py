"""The API call budget, against a moto server: a no-op plan costs at most 3.5 calls per
repository per region plus a constant per region, and a no-op apply changes nothing.

Calls are counted by a botocore event hook of the test's own on every client ecrrep creates,
not by ecrrep's own counter; the slope is measured between N = 5 and N = 20, so a read added
per repository shows even where the constant would hide it.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from typing import Any

import pytest

from ecrrep.aws.context import AwsContext, is_mutating
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.planner import plan_for
from ecrrep.spec.loader import load_spec

pytestmark = pytest.mark.e2e

CALLS_PER_REPOSITORY_PER_REGION = 3.5
CONSTANT_PER_REGION = 12  # account, roles, registry, listings, monitoring: not per repository
SIZES = (5, 20)


def with_repositories(count: int, monitoring: bool) -> Any:
    """An edit of the example spec: `count` repositories shaped like its own, in turn."""

    def edit(spec: dict[str, Any]) -> None:
        templates = spec["repositories"]
        spec["repositories"] = [
            {**copy.deepcopy(templates[i % len(templates)]),
             "name": f"{templates[i % len(templates)]['name']}-{i:02d}"}
            for i in range(count)
        ]
        spec["cleanup"]["retention_days"] = {}
        if not monitoring:
            spec["monitoring"] = {"enabled": False}
            spec["notifications"] = {"enabled": False}
            spec["cleanup"]["enabled"] = False

    return edit


class HookedContext(AwsContext):
    """An AwsContext whose clients also report every call to the test's own hook."""

    def __init__(self, endpoint_url: str):
        super().__init__(endpoint_url=endpoint_url)
        self.seen: Counter = Counter()
        self._hooked: set[int] = set()

    def client(self, *args: Any, **kwargs: Any) -> Any:
        client = super().client(*args, **kwargs)
        if id(client) not in self._hooked:
            self._hooked.add(id(client))
            client.meta.events.register("before-call.*.*", self._seen)
        return client

    def _seen(self, model: Any, **_: Any) -> None:
        self.seen[(model.service_model.service_name, model.name)] += 1


def noop_plan_calls(aws: Any, monkeypatch: pytest.MonkeyPatch, spec_path: Any) -> Counter:
    for key, value in aws.env().items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    loaded = load_spec(spec_path)
    ctx = HookedContext(aws.endpoint)
    try:
        plan = plan_for(ctx, loaded.spec, DiffOptions(loaded.spec.project))
    finally:
        ctx.close()
    assert not plan.has_changes, [c.address for c in plan.actionable]
    return ctx.seen


def settle_tagging_index() -> None:
    """The budget is a settled account's: right after an apply the tagging index lags (as on
    AWS), and alarm ownership is then read from each alarm instead, one call per alarm."""
    from ecrrep.sandbox import settings

    settings.advance(settings.current().tagging_lag_seconds)


@pytest.mark.parametrize("monitoring", [False, True], ids=["core", "example"])
def test_noop_plan_stays_within_the_per_repository_budget(
    cli, aws, write_spec, monkeypatch, monitoring
):
    totals = {}
    for size in SIZES:
        aws.reset()
        spec_path = write_spec(edit=with_repositories(size, monitoring))
        applied = cli("apply", "--auto-approve")
        assert applied.returncode == 0, applied.stderr
        settle_tagging_index()
        seen = noop_plan_calls(aws, monkeypatch, spec_path)
        assert not any(is_mutating(op) for _, op in seen), seen
        totals[size] = seen

    regions = 3
    small, large = SIZES
    slope = (sum(totals[large].values()) - sum(totals[small].values())) / (
        (large - small) * regions)
    by_operation = {op: totals[large][op] - totals[small][op] for op in totals[large]}
    assert slope <= CALLS_PER_REPOSITORY_PER_REGION, (slope, by_operation)
    for size, seen in totals.items():
        budget = (CALLS_PER_REPOSITORY_PER_REGION * size + CONSTANT_PER_REGION) * regions
        assert sum(seen.values()) <= budget, (size, seen)
    # One listing per region, never one per repository.
    assert totals[large][("ecr", "DescribeRepositories")] == regions


def test_noop_apply_makes_no_mutating_call(cli, write_spec):
    write_spec(edit=with_repositories(4, monitoring=True))
    first = cli("apply", "--auto-approve")
    assert first.returncode == 0, first.stderr

    again = cli("-v", "apply", "--auto-approve")

    assert again.returncode == 0, again.stderr
    assert "No changes" in again.stdout
    assert "API calls" not in again.stdout  # the counts go to stderr only
    counts = re.findall(r"API calls: (\d+) \((\d+) mutating", again.stderr)
    assert counts, again.stderr
    assert all(int(mutating) == 0 for _, mutating in counts), again.stderr
    assert int(counts[0][0]) > 0  # it did read the account


def test_verbose_counts_calls_by_service_on_stderr(cli, write_spec):
    write_spec(edit=with_repositories(2, monitoring=False))

    result = cli("-v", "plan", "--json")

    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if x.startswith("API calls:"))
    total = int(re.match(r"API calls: (\d+)", line).group(1))
    by_service = line.split("— ", 1)[1]
    services = {name: int(n) for name, n in re.findall(r"([a-z0-9-]+) (\d+)", by_service)}
    assert services.get("ecr", 0) > 0 and services.get("sts") == 1, line
    assert sum(services.values()) == total, line
