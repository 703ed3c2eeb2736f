"""What validate-replication --wait shows on stderr while it polls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console

from ecrrep.aws import interrupts
from ecrrep.replication.model import Report


class WaitDisplay:
    """The state of the last check, and a bar of the time used that moves while waiting for
    the next one."""

    def __init__(self, progress: Any, task: Any, seconds: float):
        self.progress = progress
        self.task = task
        self.seconds = seconds
        self.started = time.monotonic()

    def sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            interrupts.sleep(min(0.2, left))
            self.progress.update(self.task, completed=min(self.seconds,
                                                          time.monotonic() - self.started))

    def on_report(self, report: Report, left: float) -> None:
        counts = report.counts()
        if report.settled:
            state = "settled"
        else:
            state = (f"{counts['missing']} missing, {counts['in_flight']} in flight, "
                     f"{counts['drift']} drifted, {counts['missing_repositories']} "
                     "replica repositories missing")
        self.progress.update(self.task, completed=self.seconds - left,
                             description=f"Waiting for replication: {state}")
        if not self.progress.console.is_terminal:
            # No live display in a CI log: one line per check instead.
            self.progress.console.print(f"Waiting for replication: {state} ({left:.0f} s left)",
                                        markup=False)


@contextmanager
def replication_wait_progress(console: Console, seconds: float) -> Iterator[WaitDisplay]:
    """The --wait display: `on_report` and `sleep` for check.wait_for_replication."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                  console=console, transient=True) as progress:
        task = progress.add_task("Checking replication", total=seconds)
        yield WaitDisplay(progress, task, seconds)
