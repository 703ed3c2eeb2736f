"""A plan for a person: sections by region, identical creations folded (`fold`), each
resource stacked with its fields below (`stacked`); then what is kept, what is left to remove
by hand, what blocks the plan, and the summary line. Nothing here decides anything.

Stacked rather than tables at every width: a table gives a long resource name (an ownership
claim's path runs to 90 characters) most of the line and must cut or split the details,
which hold ARNs of 100 characters, even at 200 columns."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ecrrep.engine.plan import Change, Plan
from ecrrep.render.fields import created_field_lines
from ecrrep.render.fold import plan_sections
from ecrrep.render.stacked import render_stacked


def render_plan(console: Console, plan: Plan, titles: dict[str, str], verbose: bool = False,
                full: bool = False) -> None:
    """The plan grouped by region, then kind; unchanged resources only counted. Identical
    creations are folded unless `full` (or -v) lists every resource on its own."""
    sections = plan_sections(plan, full=full or verbose, verbose=verbose)
    render_stacked(console, sections, titles, verbose)
    _render_kept(console, plan.kept)
    _render_orphans(console, plan.orphans)
    blocked = plan.blocked
    if blocked:
        console.print()
        console.print(Text(f"{len(blocked)} change(s) cannot be applied:", style="bold red"))
        for change in blocked:
            console.print(Text(f"  {change.address}: {change.blocked}", style="red"))
    console.print()
    console.print(Text(plan.summary_line(), style="bold"))


def _render_kept(console: Console, kept: list[Change]) -> None:
    """Resources another owner has, left exactly as they are: named with their owner."""
    if not kept:
        return
    console.print()
    console.print(Text("Kept as they are (not owned by this project)", style="bold"))
    for change in kept:
        console.print(Text.assemble("  ", (change.address, "bold"), " — ",
                                    "; ".join(change.notes)))
        for line in created_field_lines(change.before):
            console.print(Text("      " + line))


def _render_orphans(console: Console, orphans: list[Change]) -> None:
    """What this project owns, the spec no longer names, and ecrrep does not delete."""
    if not orphans:
        return
    console.print()
    console.print(Text("Owned by this project, no longer in the spec, left in place (remove "
                       "them yourself)", style="bold"))
    for change in orphans:
        console.print(Text(f"  {change.region} {change.name}"))
        console.print(Text(f"      remove with: {change.facts.get('remove_with', '')}"))
