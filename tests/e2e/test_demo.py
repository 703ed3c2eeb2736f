"""`ecrrep demo` as a user runs it: no AWS account, no AWS_* variables, the whole life cycle."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from tests.support.cli_runner import ecrrep_command

pytestmark = pytest.mark.e2e


def test_demo_runs_the_whole_life_cycle_without_aws(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECRREP_"))}
    env["HOME"] = str(tmp_path)  # no ~/.aws files either
    env["COLUMNS"] = "200"

    started = time.monotonic()
    result = subprocess.run([*ecrrep_command(), "demo"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    steps = ["1/8  ecrrep plan", "2/8  ecrrep apply --auto-approve", "3/8  ecrrep plan",
             "4/8  push sample images to us-east-1 only",
             "5/8  ecrrep validate-replication --wait",
             "6/8  push one more image whose replication fails",
             "7/8  ecrrep validate-replication --grace 0",
             "8/8  ecrrep destroy --auto-approve --force-delete-images", "Demo complete"]
    positions = [out.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p < 0]
    assert positions == sorted(positions)

    created = re.search(r"Apply complete! Resources: (\d+) added", out)
    assert created and int(created.group(1)) > 0
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in out
    # The images were pushed to the source region only; the emulator replicated them.
    assert "copied" not in out
    assert "Replication healthy: 2 repositories × 2 destination regions" in out
    assert "Waiting for replication: settled" in result.stderr
    # The failed replication's event reached the alert topic, then validate-replication saw it.
    assert "alert topic received: ECR Replication Action from aws.ecr, result FAILED" in out
    assert "my-company-apps/testing:test-103 from us-east-1 to " in out
    for region in ("us-west-2", "eu-west-1"):
        assert re.search(rf"{region}: missing sha256:[0-9a-f]{{64}} \(test-103\) — replication "
                         r"failed: SANDBOX_INJECTED_FAILURE", out)
    assert "Replication unhealthy: 2 image(s) missing" in out
    # Everything created is destroyed; the lifecycle and repository policies (2 repositories
    # x 3 regions x 2) go with their repositories, without calls of their own.
    destroyed = int(created.group(1)) - 2 * 3 * 2
    assert f"Destroy complete! Resources: 0 added, 0 changed, {destroyed} destroyed." in out
    # The emulator answers DescribeImageReplicationStatus: no fallback note, no traceback.
    assert "DescribeImageReplicationStatus is not available here" not in result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 60, elapsed
