"""What `ecrrep cleanup` did or would do, as tables and a one-line outcome."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ecrrep.render.images import short_digest

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
