"""Rich rendering of plans and apply progress. Nothing here decides anything."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ecrrep.engine.plan import Change, Plan, field_text

ACTION_STYLE = {
    "create": ("+", "green", "create"),
    "update": ("~", "yellow", "update"),
    "delete": ("-", "red", "destroy"),
    "no-op": (" ", "dim", "no change"),
}

# Fields whose values are JSON documents, shown as a line diff rather than inline.
DOCUMENT_FIELDS = {"policy", "trust_policy", "destinations", "repository_filters", "body"}


# Width for output that goes to a file or a CI log rather than a terminal: wide enough that
# plan tables do not wrap resource names.
FILE_OUTPUT_WIDTH = 160


def make_console(stderr: bool = False, no_color: bool = False) -> Console:
    # soft_wrap keeps `FILE:LINE:` diagnostics and long names on one greppable line.
    console = Console(stderr=stderr, no_color=no_color, soft_wrap=True, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, no_color=no_color, soft_wrap=True, highlight=False,
                          width=FILE_OUTPUT_WIDTH)
    return console


def region_order(plan: Plan) -> list[str]:
    seen: list[str] = []
    for change in plan.changes:
        if change.region not in seen:
            seen.append(change.region)
    return sorted(seen, key=lambda r: (r != "global", seen.index(r)))


def render_plan(
    console: Console, plan: Plan, titles: dict[str, str], verbose: bool = False
) -> None:
    """The plan grouped by region, then kind; unchanged resources only counted."""
    for region in region_order(plan):
        in_region = [c for c in plan.changes if c.region == region and not c.kept]
        # An unchanged resource with a note (an email subscription pending confirmation) shows.
        shown = [c for c in in_region if c.is_change or c.blocked or c.notes]
        unchanged = len(in_region) - len(shown)
        if not shown and not verbose:
            continue
        console.print()
        heading = "IAM (global)" if region == "global" else f"Region {region}"
        suffix = f" — {unchanged} unchanged" if unchanged else ""
        console.print(Text(heading, style="bold"), Text(suffix, style="dim"))
        for type_ in dict.fromkeys(c.type for c in shown):
            console.print(_kind_table(titles.get(type_, type_), [c for c in shown
                                                                  if c.type == type_], verbose))
    kept = plan.kept
    if kept:
        console.print()
        table = Table(title="Kept as they are (not owned by this project)", title_justify="left",
                      show_lines=False, expand=False)
        table.add_column("resource")
        table.add_column("owner")
        table.add_column("details")
        for change in kept:
            table.add_row(escape(change.address), Text("; ".join(change.notes)),
                          _compact(change.before))
        console.print(table)
    _render_orphans(console, plan.orphans)
    blocked = plan.blocked
    if blocked:
        console.print()
        console.print(Text(f"{len(blocked)} change(s) cannot be applied:", style="bold red"))
        for change in blocked:
            console.print(Text(f"  {change.address}: {change.blocked}", style="red"))
    console.print()
    console.print(Text(plan.summary_line(), style="bold"))


def _render_orphans(console: Console, orphans: list[Change]) -> None:
    """What this project owns, the spec no longer names, and ecrrep does not delete."""
    if not orphans:
        return
    console.print()
    table = Table(title="Owned by this project, no longer in the spec, left in place "
                        "(remove them yourself)", title_justify="left", expand=False)
    table.add_column("resource")
    table.add_column("remove with")
    for change in orphans:
        table.add_row(escape(f"{change.region} {change.name}"),
                      Text(str(change.facts.get("remove_with", ""))))
    console.print(table)


def _kind_table(title: str, changes: list[Change], verbose: bool) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True, expand=False)
    table.add_column("", width=1)
    table.add_column("resource", no_wrap=True)
    table.add_column("action")
    table.add_column("details")
    for change in changes:
        symbol, style, word = ACTION_STYLE[change.action]
        if change.blocked:
            word = "blocked"
            style = "red"
        table.add_row(
            Text(symbol, style=style),
            Text(change.name),
            Text(word, style=style),
            _details(change, verbose),
        )
    return table


def _details(change: Change, verbose: bool) -> Any:
    parts: list[Any] = []
    if change.action == "create":
        summary = change.facts.get("summary")
        if summary and not verbose:
            # The kind's own reading of a long document (alarms, dashboard, function); -v
            # shows every field.
            tags = {"tags": change.after["tags"]} if "tags" in (change.after or {}) else None
            parts.append(Text("\n".join(summary)))
            if tags:
                parts.append(_compact(tags))
        else:
            parts.append(_compact(change.after, verbose))
    elif change.action == "update":
        for f in change.fields:
            parts.append(field_diff(f.field, f.before, f.after))
    elif change.action == "delete":
        images = change.facts.get("image_count")
        if images and not change.blocked:  # a blocked deletion's reason names the count
            parts.append(Text(f"holds {images} images", style="red"))
        else:
            parts.append(Text("deleted", style="dim"))
    for note in change.notes:
        parts.append(Text(note, style="cyan"))
    if verbose:
        parts.extend(expiring_image_lines(change))
    if change.blocked:
        parts.append(Text(change.blocked, style="red"))
    return Group(*parts) if parts else ""


def field_diff(name: str, before: Any, after: Any) -> Any:
    """One field's change: inline `before → after`, or a line diff for documents."""
    if name == "tags" and isinstance(before, dict) and isinstance(after, dict):
        return _tag_diff(before, after)
    if name in DOCUMENT_FIELDS or isinstance(after, dict | list) or isinstance(before, dict | list):
        return Group(Text(f"{name}:", style="bold"), document_diff(before, after))
    return Text.assemble((f"{name}: ", "bold"), (field_text(before), "red"), " → ",
                         (field_text(after), "green"))


def _tag_diff(before: dict[str, str], after: dict[str, str]) -> Text:
    text = Text.assemble(("tags: ", "bold"))
    items: list[tuple[str, str]] = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            items.append((f"-{key}={before[key]}", "red"))
        elif before.get(key) != after[key]:
            old = f"{before[key]} → " if key in before else ""
            items.append((f"+{key}={old}{after[key]}", "green"))
    for i, (item, style) in enumerate(items):
        text.append(("  " if i else "") + item, style=style)
    return text


def document_diff(before: Any, after: Any) -> Text:
    """A unified diff of two JSON documents, pretty-printed with sorted keys."""
    old = _pretty(before).splitlines()
    new = _pretty(after).splitlines()
    text = Text()
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++", "@@")):
            continue
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
        text.append(line + "\n", style=style)
    text.rstrip()
    return text


def _pretty(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True)



def _compact(attrs: dict[str, Any] | None, verbose: bool = False) -> Text:
    """A created resource's fields, documents summarised one line per rule or statement."""
    if not attrs:
        return Text("")
    lines = []
    for key, value in attrs.items():
        if verbose and isinstance(value, dict | list):
            lines.append(f"{key}:\n{_pretty(value)}")
        elif isinstance(value, dict) and ("Statement" in value or "rules" in value):
            lines.append(f"{key}:")
            lines.extend(f"  {line}" for line in document_summary(value))
        elif key == "tags" and isinstance(value, dict):
            lines.append("tags: " + ", ".join(f"{k}={v}" for k, v in sorted(value.items())))
        elif isinstance(value, dict | list):
            lines.append(f"{key}: {json.dumps(value, sort_keys=True, separators=(', ', ': '))}")
        else:
            lines.append(f"{key}: {field_text(value)}")
    return Text("\n".join(lines))


def document_summary(document: dict[str, Any]) -> list[str]:
    """One line per lifecycle rule or policy statement, for a plan a person can read."""
    if "rules" in document:
        return [
            f"{rule.get('rulePriority')}. {rule.get('description') or _selection(rule)}"
            for rule in document["rules"]
        ]
    lines = []
    for statement in document.get("Statement", []):
        who = statement.get("Principal") or statement.get("Resource")
        if isinstance(who, dict):
            who = [p for v in who.values() for p in (v if isinstance(v, list) else [v])]
        actions = _listed(statement.get("Action") or statement.get("NotAction"), "actions")
        sid = f"{statement['Sid']}: " if statement.get("Sid") else ""
        lines.append(f"{sid}{statement.get('Effect')} {actions} → {_listed(who, 'resources')}")
    return lines


def _listed(value: Any, noun: str = "items") -> str:
    """A short list in full; a long one counted (-v shows documents whole)."""
    if isinstance(value, list):
        if len(value) > 4:
            return f"{len(value)} {noun} ({value[0]}, …)"
        return ", ".join(str(v) for v in value)
    return str(value)


def _selection(rule: dict[str, Any]) -> str:
    return json.dumps(rule.get("selection", {}), sort_keys=True)


def render_lines(console: Console, lines: Iterable[str], style: str = "") -> None:
    for line in lines:
        console.print(Text(line, style=style))


# -- validate-replication --------------------------------------------------------------------

REPLICATION_STATUS_STYLE = {
    "ok": "green", "gaps": "red", "drift": "yellow", "missing-repository": "red",
}


def render_validation(console: Console, report: Any) -> None:
    """A table per repository (a row per destination region), what is missing or drifted
    under it, then the one-line verdict. `report` is a replication_check.Report."""
    for repository in dict.fromkeys(r.repository for r in report.results):
        rows = [r for r in report.results if r.repository == repository]
        console.print()
        table = Table(title=repository, title_justify="left", expand=False)
        for column in ("region", "status"):
            table.add_column(column, no_wrap=True)
        for column in ("images in source", "present", "missing", "in flight", "settings drift"):
            table.add_column(column, justify="right")
        for row in rows:
            style = REPLICATION_STATUS_STYLE.get(row.status, "")
            table.add_row(
                row.region, Text(row.status, style=style), str(row.source_images),
                str(row.present), _count(len(row.missing), "red"),
                _count(len(row.in_flight), "cyan"), _count(len(row.drift), "yellow"),
            )
        console.print(table)
        for row in rows:
            _validation_details(console, row)
    console.print()
    console.print(Text(_verdict(report), style="bold green" if report.healthy else "bold red"))


def _verdict(report: Any) -> str:
    from ecrrep.replication.model import verdict_line

    return verdict_line(report)


def _count(n: int, style: str) -> Text:
    return Text(str(n), style=style if n else "dim")


def _validation_details(console: Console, row: Any) -> None:
    where = f"  {row.region}:"
    if row.status == "missing-repository":
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


def _image_label(gap: Any) -> str:
    tags = ", ".join(gap.tags) if gap.tags else "untagged"
    failure = f" — replication failed: {gap.failure_code}" if gap.failure_code else ""
    return f"{gap.digest} ({tags}){failure}"


class _WaitDisplay:
    """What --wait shows on stderr while it polls: the state of the last check, and a bar of
    the time used that moves while waiting for the next one."""

    def __init__(self, progress: Any, task: Any, seconds: float):
        self.progress = progress
        self.task = task
        self.seconds = seconds
        self.started = _monotonic()

    def sleep(self, seconds: float) -> None:
        import time

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(0.2, left))
            self.progress.update(self.task, completed=min(self.seconds,
                                                          time.monotonic() - self.started))

    def on_report(self, report: Any, left: float) -> None:
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


def replication_wait_progress(console: Console, seconds: float) -> Any:
    """A context manager giving the --wait display: `on_report` and `sleep` for
    replication_check.wait_for_replication."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    @contextmanager
    def display() -> Any:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                      console=console, transient=True) as progress:
            task = progress.add_task("Checking replication", total=seconds)
            yield _WaitDisplay(progress, task, seconds)

    return display()


def _monotonic() -> float:
    import time

    return time.monotonic()


# -- lifecycle preview and cleanup -----------------------------------------------------------

# With -v, at most this many expiring images per lifecycle change; JSON has them all.
EXPIRING_LIST_LIMIT = 50


def expiring_image_lines(change: Change) -> list[Text]:
    """The images a lifecycle change would expire (its preview), oldest first."""
    expiring = change.facts.get("would_expire") or []
    lines = [
        Text(f"  {short_digest(e['digest'])}  {', '.join(e.get('tags') or []) or 'untagged'}"
             f"  pushed {str(e.get('pushed_at', '?'))[:10]}  rule {e.get('rule')}",
             style="yellow")
        for e in expiring[:EXPIRING_LIST_LIMIT]
    ]
    if len(expiring) > EXPIRING_LIST_LIMIT:
        lines.append(Text(f"  … and {len(expiring) - EXPIRING_LIST_LIMIT} more "
                          "(`ecrrep plan --json` lists them all)", style="dim"))
    return lines


def short_digest(digest: str) -> str:
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}" if value else digest[:19]


CLEANUP_STATUS = {
    "deleted": ("deleted", "red"),
    "would-delete": ("would delete", "yellow"),
    "failed": ("FAILED", "bold red"),
    "gone": ("already gone", "dim"),
    # A child of an image index that ECR refused to delete while the index references it.
    "kept": ("kept (referenced)", "dim"),
}


def render_cleanup(console: Console, result: dict[str, Any]) -> None:
    """What `ecrrep cleanup` did (or would do): a row per expired image, then per repository
    and per destination region, then the one-line outcome. `result` is run_cleanup's."""
    rows = [(r, e) for r in result["repositories"] for e in r["expired"]]
    console.print()
    if rows:
        table = Table(title="Images past their retention", title_justify="left", expand=False)
        for column in ("repository", "image", "tags", "pushed"):
            table.add_column(column, no_wrap=True)
        for column in ("age (days)", "size"):
            table.add_column(column, justify="right")
        table.add_column("result", no_wrap=True)
        for repo, entry in rows:
            word, style = CLEANUP_STATUS.get(entry["status"], (entry["status"], ""))
            result_text = Text(word, style=style)
            if entry.get("error"):
                result_text.append(f" {entry['error']}", style="red")
            table.add_row(repo["repository"], short_digest(entry["digest"]),
                          ", ".join(entry["tags"]) or "untagged", entry["pushed_at"][:10],
                          f"{entry['age_days']:g}", _bytes(entry["size_bytes"]), result_text)
        console.print(table)
    else:
        console.print(Text("No image is past its repository's retention.", style="green"))
    console.print()
    console.print(_cleanup_repositories(result))
    for rate in result["replication"]:
        console.print(Text(f"Replication to {rate['region']}: {rate['missing']} of "
                           f"{rate['source_images']} source images missing after the grace "
                           f"period ({rate['failure_rate_percent']:g}%)",
                           style="red" if rate["missing"] else "dim"))
    console.print(Text(f"Published {result['metrics_published']} data points to CloudWatch "
                       "(namespace ECRRep).", style="dim"))
    console.print()
    console.print(Text(_cleanup_outcome(result),
                       style="bold red" if result["failed"] else "bold"))


def _cleanup_repositories(result: dict[str, Any]) -> Table:
    table = Table(title="Repositories", title_justify="left", expand=False)
    table.add_column("repository", no_wrap=True)
    for column in ("retention (days)", "images", "expired", "kept: protected tag", "size after"):
        table.add_column(column, justify="right")
    for repo in result["repositories"]:
        if not repo["exists"]:
            table.add_row(repo["repository"], str(repo["retention_days"]),
                          Text("does not exist", style="yellow"), "", "", "")
            continue
        table.add_row(repo["repository"], str(repo["retention_days"]), str(repo["images"]),
                      str(len(repo["expired"])), str(repo["protected"]),
                      _bytes(repo["size_bytes"]))
    return table


def _cleanup_outcome(result: dict[str, Any]) -> str:
    failed = f"; {result['failed']} could not be deleted" if result["failed"] else ""
    if result["dry_run"]:
        return (f"Dry run: {result['would_delete']} image(s) would be deleted; nothing was "
                f"deleted{failed}.")
    return f"Deleted {result['deleted']} image(s){failed}."


def _bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
