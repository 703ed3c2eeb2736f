"""The installed `ecrrep` command, run as a user runs it: in a subprocess pointed at the test
server with AWS_ENDPOINT_URL."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.account import Aws


def ecrrep_command() -> list[str]:
    """The installed console script, as a user runs it."""
    found = shutil.which("ecrrep")
    if found:
        return [found]
    return [sys.executable, "-m", "ecrrep"]


@dataclass
class Cli:
    aws: Aws
    workdir: Path

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
                 timeout: float = 180) -> subprocess.CompletedProcess[str]:
        full_env = self.aws.env()
        full_env.update(env or {})
        return subprocess.run(
            [*ecrrep_command(), *args],
            cwd=self.workdir,
            env=full_env,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
