"""What fault tests share: reading ecrrep's report and the account a clean run leaves."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.support.account_snapshot import account_snapshot
from tests.support.cli_runner import ecrrep_command
from tests.support.specs import example_spec

SEED = example_spec()
REGIONS = [SEED["source_region"], *SEED["destination_regions"]]

_STATS = re.compile(r"API calls: (\d+) \((\d+) mutating; retries (\d+)\)")
_DONE = re.compile(r"^✓ (\S+): (created|updated|destroyed)$", re.M)
_FAILED = re.compile(r"^\s+failed:\s+(\S+): (.+)$", re.M)
_NOT_DONE = re.compile(r"^\s+not done: (create|update|delete) (\S+)$", re.M)


@dataclass
class Stats:
    calls: int
    mutating: int
    retries: int


def call_stats(stderr: str) -> list[Stats]:
    """The `-v` lines `API calls: N (M mutating; retries R)`, one per stage of the run."""
    return [Stats(*map(int, m.groups())) for m in _STATS.finditer(stderr)]


@dataclass
class Report:
    """What an apply said it did: done, failed (with the error line) and not done."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_done: list[str] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [*self.done, *self.failed, *self.not_done]


def apply_report(result: Any) -> Report:
    text = result.stdout + result.stderr
    return Report(
        done=[m[1] for m in _DONE.finditer(text)],
        failed={m[1]: m[2] for m in _FAILED.finditer(result.stdout)},
        not_done=[m[2] for m in _NOT_DONE.finditer(result.stdout)],
    )


def planned_addresses(cli: Any, env: dict[str, str] | None = None) -> list[str]:
    result = cli("plan", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return [c["address"] for c in json.loads(result.stdout)["resource_changes"]
            if c["change"]["actions"] != ["no-op"]]


def clean_run_snapshot(cli: Any, aws: Any) -> dict[str, Any]:
    """The account a fault-free apply of the spec in cli's directory leaves; then reset."""
    aws.reset()
    result = cli("apply", "--auto-approve")
    assert result.returncode == 0, result.stdout + result.stderr
    snapshot = account_snapshot(aws, REGIONS)
    aws.reset()
    return snapshot


def one_line_error(stderr: str) -> str:
    """The single `Error: ...` line of a failed run, checking there is nothing like a traceback."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


@contextmanager
def sigint_not_ignored() -> Iterator[None]:
    """SIGINT as a terminal delivers it, inside the block. A shell that starts the suite in
    the background without job control (`cmd &` in a script) has it ignored, and a process
    inherits that across exec: the runs started here would never see the Ctrl-C the tests
    send."""
    if (signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class BackgroundRun:
    """The installed `ecrrep` running in the background, its output read as it comes;
    `acknowledged` is set once it says it received a signal."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: str):
        with sigint_not_ignored():
            self.process = subprocess.Popen([*ecrrep_command(), *args], cwd=cwd, env=env,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True)
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.acknowledged = threading.Event()
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.stdout)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr)),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, lines: list[str]) -> None:
        for line in stream:
            lines.append(line)
            if line.startswith("Received SIG"):
                self.acknowledged.set()

    def finish(self, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        returncode = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=timeout)
        return subprocess.CompletedProcess(self.process.args, returncode,
                                           "".join(self.stdout), "".join(self.stderr))
