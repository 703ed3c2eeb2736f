"""The workflows on a terminal, for the CLI and the demo alike: apply's progress on stderr,
its outcome on stdout, the kinds' titles for the plan tables."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ecrrep.engine.plan import Plan
from ecrrep.engine.planner import ApplyEvent, ApplyReport
from ecrrep.render.backfill import render_starts
from ecrrep.resources import all_kinds
from ecrrep.workflows.apply import ApplyOutcome

PAST_TENSE = {"create": "created", "update": "updated", "delete": "destroyed"}


def kind_titles() -> dict[str, str]:
    return {k.type: k.title for k in all_kinds()}


class ConsoleApplyProgress:
    """ApplyProgress on a console: a transient bar, and one line per change done or failed."""

    def __init__(self, console: Console):
        self.console = console

    @contextmanager
    def tracking(self, total: int) -> Iterator[Callable[[ApplyEvent], None]]:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=self.console, transient=True) as progress:
            task = progress.add_task("Applying", total=total)

            def on_event(event: ApplyEvent) -> None:
                change = event.change
                if event.status == "started":
                    progress.update(task, description=f"{change.action} {change.address}")
                    return
                progress.advance(task)
                if event.status == "done":
                    progress.console.print(f"✓ {change.address}: {PAST_TENSE[change.action]}",
                                           markup=False, style="green")
                else:
                    error = event.error.line() if event.error else "failed"
                    progress.console.print(f"✗ {change.address}: {error}",
                                           markup=False, style="red")

            yield on_event

    def interrupted(self, signum: int) -> None:
        self.console.print(f"\nReceived {signal.Signals(signum).name}: finishing the changes in "
                           "flight, starting no new ones.", markup=False, style="yellow")


def show_outcome(out: Console, outcome: ApplyOutcome, verb: str) -> None:
    """What an apply or destroy did, in words (a refusal is left to the caller's error)."""
    if outcome.report is not None:
        render_report(out, outcome.report, verb)
        render_starts(out, outcome.backfills)
    elif outcome.refusal is None:
        out.print("\nNothing to destroy: nothing this spec owns exists." if verb == "destroy"
                  else "\nNo changes. The account matches the spec.", markup=False)


def render_report(out: Console, report: ApplyReport, verb: str) -> None:
    done = Plan(report.done).summary()
    if report.ok:
        title = "Apply complete!" if verb == "apply" else "Destroy complete!"
        out.print(f"\n{title} Resources: {done['add']} added, {done['change']} changed, "
                  f"{done['destroy']} destroyed.", markup=False, style="bold green")
        return
    out.print(f"\n{verb.capitalize()} stopped. Done: {done['add']} added, {done['change']} "
              f"changed, {done['destroy']} destroyed.", markup=False, style="bold red")
    for change, error in report.failed:
        out.print(f"  failed:   {change.address}: {error.line()}", markup=False, style="red")
    for change in report.not_done:
        out.print(f"  not done: {change.action} {change.address}", markup=False, style="yellow")
    out.print(f"Run `ecrrep {verb}` again to converge from here.", markup=False)
