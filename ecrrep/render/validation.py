"""validate-replication for a person: one matrix of repositories down and destination regions
across, each cell ✓, the images missing, "in flight", a missing replica or drifted settings;
then detail lines for the repositories with a problem only, and the one-line verdict."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ecrrep.engine.plan import field_text
from ecrrep.render.backfill import render_states
from ecrrep.render.fields import document_diff
from ecrrep.replication.model import (
    STATUS_MISSING_REPOSITORY,
    STATUS_OK,
    ImageGap,
    RegionResult,
    Report,
    verdict_line,
)

OK_MARK = "✓"


def render_validation(console: Console, report: Report) -> None:
    console.print()
    console.print(replication_matrix(report))
    for repository, rows in _by_repository(report).items():
        if any(r.status != STATUS_OK for r in rows):
            console.print()
            console.print(Text(repository, style="bold"))
            for row in rows:
                _details(console, row)
    render_states(console, report.backfills)
    console.print()
    console.print(Text(verdict_line(report), style="bold green" if report.healthy
                       else "bold red"))


def replication_matrix(report: Report) -> Table:
    regions = list(dict.fromkeys(r.region for r in report.results))
    table = Table(title="Replication by repository and destination region",
                  title_justify="left", expand=False)
    table.add_column("repository", no_wrap=True, overflow="fold")
    for region in regions:
        table.add_column(region, overflow="fold")
    for repository, rows in _by_repository(report).items():
        by_region = {r.region: r for r in rows}
        table.add_row(repository, *(cell(by_region[region]) if region in by_region else ""
                                    for region in regions))
    return table


def cell(result: RegionResult) -> Text:
    """✓, or every problem of one repository in one region, worst first. A missing replica
    repository is the whole story: every image is missing with it."""
    if result.status == STATUS_MISSING_REPOSITORY:
        return Text("no replica repository", style="red")
    parts: list[tuple[str, str]] = []
    if result.missing:
        parts.append((f"{len(result.missing)} missing", "red"))
    if result.drift:
        parts.append(("settings differ", "yellow"))
    if result.in_flight:
        parts.append((f"{len(result.in_flight)} in flight", "cyan"))
    if not parts:
        return Text(OK_MARK, style="green")
    text = Text()
    for i, (word, style) in enumerate(parts):
        text.append((", " if i else "") + word, style=style)
    return text


def _by_repository(report: Report) -> dict[str, list[RegionResult]]:
    rows: dict[str, list[RegionResult]] = {}
    for result in report.results:
        rows.setdefault(result.repository, []).append(result)
    return rows


def _details(console: Console, row: RegionResult) -> None:
    where = f"  {row.region}:"
    if row.status == STATUS_MISSING_REPOSITORY:
        console.print(Text(f"{where} the replica repository does not exist (run `ecrrep apply`)",
                           style="red"))
    for gap in row.missing:
        console.print(Text(f"{where} missing {_image_label(gap)}", style="red"))
    for gap in row.in_flight:
        console.print(Text(f"{where} in flight {_image_label(gap)}", style="cyan"))
    for drift in row.drift:
        if drift.replica is None or drift.source is None:
            side = "replica" if drift.replica is None else "source"
            console.print(Text(f"{where} {drift.field} is missing in the {side}",
                               style="yellow"))
        elif isinstance(drift.source, dict) or isinstance(drift.replica, dict):
            console.print(Text(f"{where} {drift.field} differs (- source, + replica):",
                               style="yellow"))
            console.print(document_diff(drift.source, drift.replica))
        else:
            console.print(Text(f"{where} {drift.field} is {field_text(drift.replica)} in the "
                               f"replica, {field_text(drift.source)} in the source",
                               style="yellow"))


def _image_label(gap: ImageGap) -> str:
    tags = ", ".join(gap.tags) if gap.tags else "untagged"
    failure = f" — replication failed: {gap.failure_code}" if gap.failure_code else ""
    return f"{gap.digest} ({tags}){failure}"
