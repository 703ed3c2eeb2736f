"""One AWS context per command: planning and applying share it, so `-v` reports the whole
run's calls on one line (planning's reads and applying's writes together)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

STATS = re.compile(r"^API calls: (\d+) \((\d+) mutating; retries \d+\)", re.M)
SOURCE_REPOSITORIES = ["my-company-apps/production", "my-company-apps/testing"]


def source_repositories(aws) -> list[str]:
    found = aws.client("ecr", "us-east-1").describe_repositories()["repositories"]
    return sorted(r["repositoryName"] for r in found)


def test_apply_reports_one_call_count_for_planning_and_applying(cli, aws, write_spec):
    write_spec()

    result = cli("-v", "apply", "--auto-approve")

    assert result.returncode == 0, result.stderr
    counts = STATS.findall(result.stderr)
    assert len(counts) == 1, result.stderr
    calls, mutating = map(int, counts[0])
    assert 0 < mutating < calls  # the writes and the plan's reads, counted together
    assert source_repositories(aws) == SOURCE_REPOSITORIES


def test_applying_a_saved_plan_reports_one_call_count(cli, aws, write_spec):
    write_spec()
    assert cli("plan", "--out", "changes.plan").returncode == 0

    result = cli("-v", "apply", "changes.plan", "--auto-approve")

    assert result.returncode == 0, result.stderr
    assert len(STATS.findall(result.stderr)) == 1, result.stderr
    assert source_repositories(aws) == SOURCE_REPOSITORIES


def test_destroy_reports_one_call_count(cli, aws, write_spec):
    write_spec()
    assert cli("apply", "--auto-approve").returncode == 0

    result = cli("-v", "destroy", "--auto-approve", "--force-delete-images")

    assert result.returncode == 0, result.stderr
    assert len(STATS.findall(result.stderr)) == 1, result.stderr
    assert source_repositories(aws) == []
