"""`ecrrep --help` and `ecrrep --version` start fast: they import no AWS SDK, emulator,
rendering, validation or resource module (those load inside the commands that use them).

Checked on the modules a fresh interpreter imports (`python -X importtime`), not on timings;
the benchmark (benchmarks/run.py) measures the time itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

HEAVY_PACKAGES = ("boto3", "botocore", "moto", "rich", "pydantic", "yaml", "s3transfer")
HEAVY_ECRREP_MODULES = ("ecrrep.aws.context", "ecrrep.engine.planner", "ecrrep.render",
                        "ecrrep.spec.models", "ecrrep.spec.loader", "ecrrep.sandbox",
                        "ecrrep.resources")


def imported_modules(*args: str, cwd: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECRREP_", "PYTHON"))}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ecrrep", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def heavy(modules: set[str]) -> list[str]:
    return sorted(
        m for m in modules
        if m.split(".")[0] in HEAVY_PACKAGES
        or any(m == h or m.startswith(h + ".") for h in HEAVY_ECRREP_MODULES)
    )


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("plan", "--help")],
                         ids=["help", "version", "plan-help"])
def test_start_up_imports_nothing_heavy(args, tmp_path):
    modules = imported_modules(*args, cwd=str(tmp_path))

    assert "ecrrep.cli" in modules  # the listing is read right
    assert heavy(modules) == []


def test_the_check_sees_a_heavy_import():
    assert heavy({"ecrrep.cli", "botocore.session", "ecrrep.resources.roles"}) == [
        "botocore.session", "ecrrep.resources.roles"]
