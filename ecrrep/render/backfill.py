"""Replication backfills for a person: what apply or `ecrrep backfill` started, and each
backfill's status, progress and the images it could not copy (validate-replication too)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from ecrrep.replication.backfills import BackfillState
    from ecrrep.workflows.backfill import BackfillStart


def start_line(start: BackfillStart) -> Text:
    """One line per backfill apply or `ecrrep backfill` asked for."""
    where = f"{start.region} (registry {start.registry_id})"
    if start.outcome == "started":
        return Text(f"Backfill to {where} started: {start.id} ({start.status})", style="green")
    if start.outcome == "in progress":
        named = f": {start.id} ({start.status})" if start.id else ""
        return Text(f"Backfill to {where} already in progress{named}. ECR runs one per "
                    "Region at a time and chose its images when it started: run `ecrrep "
                    f"backfill --region {start.region}` once it has ended if it began before "
                    "this change", style="yellow")
    return Text(f"Backfill to {where} could not start: {start.error}; the rule is written: "
                f"run `ecrrep backfill --region {start.region}` later", style="red")


def render_starts(console: Console, starts: Sequence[BackfillStart]) -> None:
    if not starts:
        return
    console.print()
    for start in starts:
        console.print(start_line(start))


def state_lines(state: BackfillState, limit: int = 20) -> list[Text]:
    """The backfill's status and progress, then the images it could not copy."""
    reason = f" ({state.failure_code})" if state.failure_code else ""
    codes = f"; failure codes: {', '.join(state.failure_codes)}" if state.failure_codes else ""
    style = "green" if state.healthy and not state.running else (
        "yellow" if state.running else "red")
    lines = [Text(f"Backfill to {state.region}: {state.status}{reason}, "
                  f"{state.progress_text()}{codes} — {state.id}", style=style)]
    for image in state.uncopied[:limit]:
        tag = f":{image.tag}" if image.tag else ""
        code = f" ({image.failure_code})" if image.failure_code else ""
        lines.append(Text(f"    not copied: {image.repository}{tag} {image.digest}{code}",
                          style="red"))
    if len(state.uncopied) > limit:
        lines.append(Text(f"    and {len(state.uncopied) - limit} more not copied",
                          style="red"))
    return lines


def render_states(console: Console, states: Sequence[BackfillState]) -> None:
    if not states:
        return
    console.print()
    for state in states:
        for line in state_lines(state):
            console.print(line)


def wait_line(states: Sequence[BackfillState], left: float) -> str:
    """One line per poll of `ecrrep backfill --wait`, on stderr."""
    shown = "; ".join(f"{s.region} {s.status} {s.progress_text()}" for s in states)
    return f"Waiting for backfills: {shown} ({left:.0f} s left)"
