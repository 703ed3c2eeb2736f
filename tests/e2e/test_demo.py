"""`ecrrep demo` as a user runs it: no AWS account, no AWS_* variables, the whole life cycle."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest

from tests.conftest import ecrrep_command

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
    steps = ["1/9  ecrrep plan", "2/9  ecrrep apply --auto-approve", "3/9  ecrrep plan",
             "4/9  push sample images", "5/9  copy them to", "6/9  ecrrep validate-replication",
             "7/9  delete", "8/9  ecrrep validate-replication --grace 0",
             "9/9  ecrrep destroy --auto-approve --force-delete-images", "Demo complete"]
    positions = [out.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p < 0]
    assert positions == sorted(positions)

    created = re.search(r"Apply complete! Resources: (\d+) added", out)
    assert created and int(created.group(1)) > 0
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in out
    assert "Replication healthy: 2 repositories × 2 destination regions" in out
    assert re.search(r"eu-west-1: missing sha256:[0-9a-f]{64} \(prod-1\.0\.0\)", out)
    assert "Replication unhealthy: 1 image(s) missing" in out
    assert f"Destroy complete! Resources: 0 added, 0 changed, {created.group(1)} destroyed." \
        in out
    # The emulator's missing API is reported once, without a server traceback.
    assert result.stderr.count("DescribeImageReplicationStatus is not available here") == 1
    assert "Traceback" not in result.stderr
    assert elapsed < 60, elapsed
