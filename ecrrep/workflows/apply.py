"""Carrying out a plan (apply and destroy alike): refuse a blocked plan, ask, then run the
changes with progress; Ctrl-C or SIGTERM stops new changes starting."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol

from ecrrep.aws import interrupts
from ecrrep.aws.context import AwsContext
from ecrrep.engine.plan import Plan
from ecrrep.engine.planner import ApplyEvent, ApplyReport, apply_plan
from ecrrep.resources.base import ApplyOptions
from ecrrep.workflows.backfill import BackfillStart, start_planned

EXIT_FAILED = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class ApplyProgress(Protocol):
    """Where a run of changes reports what it does."""

    def tracking(self, total: int) -> AbstractContextManager[Callable[[ApplyEvent], None]]:
        """A display for `total` changes, open while they run; it takes each ApplyEvent."""
        ...

    def interrupted(self, signum: int) -> None:
        """A stop signal arrived: the changes in flight finish, no new one starts."""
        ...


@dataclass(frozen=True)
class ApplyOutcome:
    """What became of a plan: refused (blocked), nothing to do, or run (with its report)."""

    plan: Plan
    refusal: str | None = None
    report: ApplyReport | None = None
    interrupted_by: int | None = None  # the signal that stopped the run (SIGINT, SIGTERM)
    # The backfills started once the replication rules were written (ecrrep.workflows.backfill).
    backfills: tuple[BackfillStart, ...] = ()

    @property
    def exit_code(self) -> int:
        """0 unless the run stopped: 128 + the signal's number when interrupted, as a shell
        reports a process it stopped, else 1; 1 too when a backfill could not start (the
        rules stay written). (A refusal is the caller's to report.)"""
        if self.report is None or self.report.ok:
            return EXIT_FAILED if any(b.failed for b in self.backfills) else 0
        return 128 + self.interrupted_by if self.interrupted_by else EXIT_FAILED

    def to_json(self) -> dict[str, Any]:
        if self.refusal is not None:
            return {"plan": self.plan.to_json(), "applied": False}
        report = self.report or ApplyReport()
        return {
            "plan": self.plan.to_json(),
            "applied": report.ok,
            "done": [c.address for c in report.done],
            "failed": [{"address": c.address, "error": e.line()} for c, e in report.failed],
            "not_done": [c.address for c in report.not_done],
            **({"backfills": [b.to_json() for b in self.backfills]} if self.backfills else {}),
        }


def converge(aws: AwsContext, plan: Plan, *, verb: str, force_delete_images: bool,
             progress: ApplyProgress,
             confirm: Callable[[str], None] | None = None) -> ApplyOutcome:
    """Carry out the plan unless it is blocked or empty; `confirm(verb)` (when given) is asked
    first and raises to cancel."""
    if plan.blocked:
        return ApplyOutcome(plan, refusal=(
            f"{verb} refused: {len(plan.blocked)} change(s) cannot be applied (listed above); "
            "nothing was changed"))
    if not plan.has_changes:
        return ApplyOutcome(plan)
    if confirm is not None:
        with interrupts.allowed():  # Ctrl-C at the prompt cancels at once
            confirm(verb)
    report, interrupted_by = run_changes(aws, plan, force_delete_images, progress)
    return ApplyOutcome(plan, report=report, interrupted_by=interrupted_by,
                        backfills=tuple(start_planned(aws, plan, report)))


def run_changes(aws: AwsContext, plan: Plan, force_delete_images: bool,
                progress: ApplyProgress) -> tuple[ApplyReport, int | None]:
    """Apply the plan's changes; the report, and the signal that stopped the run (if any)."""
    stop = threading.Event()
    received: list[int] = []

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            stop.set()
            received.append(signum)
            progress.interrupted(signum)

    previous = {s: signal.signal(s, request_stop) for s in STOP_SIGNALS}
    try:
        with progress.tracking(len(plan.actionable)) as on_event:
            report = apply_plan(aws, plan, ApplyOptions(force_delete_images), on_event, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return report, (received[0] if received else None)
