"""Plans and replication reports as Markdown, for a pull-request or merge-request comment.

A comment has a size limit (GitHub: 65,536 characters; GitLab: 1,000,000), so a long document
is shortened to `limit` by whole pieces: a section loses its diffs first, then table rows from
its end, and a note says what was left out. A table is never cut in the middle of a row, and
every `<details>` opened is closed. Nothing here decides anything.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ecrrep.engine.plan import Change, Plan, field_text
from ecrrep.render.fold import foldable, shown_region

# GitHub refuses longer comment bodies; keep room for a bot's own header and footer.
GITHUB_COMMENT_LIMIT = 65_536
DEFAULT_LIMIT = GITHUB_COMMENT_LIMIT - 1_536

ACTION_SYMBOL = {"create": "+", "update": "~", "delete": "-", "no-op": " "}
ACTION_WORD = {"create": "create", "update": "update", "delete": "destroy", "no-op": "no change"}


def cell(text: Any) -> str:
    """Text that stays inside one table cell: pipes escaped, lines joined with <br>."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")


def code(text: Any) -> str:
    value = str(text).replace("`", "'")
    return f"`{value}`"


@dataclass
class Section:
    """One collapsible part: a summary, a table (header and rows), then free blocks (diffs)."""

    summary: str
    header: list[str]
    rows: list[str]
    blocks: list[str] = field(default_factory=list)
    open: bool = False

    def render(self, rows: int | None = None, with_blocks: bool = True) -> str:
        shown = self.rows if rows is None else self.rows[:rows]
        parts = [f"<details{' open' if self.open else ''}><summary>{self.summary}</summary>", ""]
        if shown:
            parts += [*self.header, *shown, ""]
        left = len(self.rows) - len(shown)
        if left:
            parts += [f"_… and {left} more not shown here._", ""]
        if with_blocks:
            parts += [b for block in self.blocks for b in (block, "")]
        elif self.blocks:
            parts += ["_Field diffs left out to fit the comment._", ""]
        parts += ["</details>", "", ""]
        return "\n".join(parts)


def fit(head: str, sections: list[Section], tail: str, limit: int, rerun: str) -> str:
    """head + sections + tail within `limit` characters, shortening sections from the end."""
    full = [s.render() for s in sections]
    if len(head) + sum(map(len, full)) + len(tail) <= limit:
        return head + "".join(full) + tail
    note = (f"\n> **Shortened to fit a comment.** Run `{rerun}` for everything; sections "
            "that lost rows or diffs say so.\n")
    # Every section keeps at least its summary; what is left is shared out evenly, and what a
    # section does not use passes on to the next ones.
    minimal = [s.render(rows=0, with_blocks=False) for s in sections]
    spare = limit - len(head) - len(tail) - len(note) - sum(map(len, minimal))
    out = []
    for index, (section, smallest) in enumerate(zip(sections, minimal, strict=True)):
        share = max(0, spare) // (len(sections) - index)
        chosen = _largest_fitting(section, len(smallest) + share)
        out.append(chosen)
        spare -= len(chosen) - len(smallest)
    return head + "".join(out) + note + tail


def _largest_fitting(section: Section, budget: int) -> str:
    whole = section.render()
    if len(whole) <= budget:
        return whole
    # Rows without diffs: find the most rows that fit (each row costs its own length).
    low, high = 0, len(section.rows)
    while low < high:
        middle = (low + high + 1) // 2
        if len(section.render(rows=middle, with_blocks=False)) <= budget:
            low = middle
        else:
            high = middle - 1
    return section.render(rows=low, with_blocks=False)


# -- plan ------------------------------------------------------------------------------------


def plan_markdown(plan: Plan, titles: dict[str, str], limit: int = DEFAULT_LIMIT,
                  cost: str | None = None) -> str:
    """The plan: its summary line (and `cost`, the cost estimate's line), what blocks it
    (first), then one collapsible section per region and kind, with field diffs as `diff`
    blocks."""
    head = ["### ecrrep plan", "", f"**{plan.summary_line()}**", ""]
    if cost:
        head += [code(cost), ""]  # as code: GitHub reads text between two $ as math
    blocked = plan.blocked
    if blocked:
        head += [f"> [!CAUTION]\n> **{len(blocked)} change(s) cannot be applied**; apply "
                 "refuses the whole plan until they are resolved.", ""]
        head += ["| resource | why |", "|---|---|"]
        head += [f"| {code(c.address)} | {cell(c.blocked)} |" for c in blocked[:50]]
        if len(blocked) > 50:
            head.append(f"| … | and {len(blocked) - 50} more |")
        head.append("")
    if not plan.has_changes and not blocked:
        head += ["No changes. The account matches the spec.", ""]
    sections = plan_sections(plan, titles)
    kept = plan.kept
    tail = ""
    if kept:
        tail = (f"\n{len(kept)} resource(s) not owned by this project are kept as they are: "
                + ", ".join(code(c.address) for c in kept[:20])
                + (" …" if len(kept) > 20 else "") + "\n")
    return fit("\n".join(head) + "\n", sections, tail, limit, "ecrrep plan")


def plan_sections(plan: Plan, titles: dict[str, str]) -> list[Section]:
    shown = [c for c in plan.changes if (c.is_change or c.blocked) and not c.kept]
    regions = list(dict.fromkeys(shown_region(c) for c in shown))
    regions.sort(key=lambda r: r != "global")
    sections = []
    for region in regions:
        where = "IAM (global)" if region == "global" else f"Region {region}"
        in_region = [c for c in shown if shown_region(c) == region]
        for type_ in dict.fromkeys(c.type for c in in_region):
            changes = [c for c in in_region if c.type == type_]
            counts = ", ".join(f"{n} to {word}" for word, n in _counts(changes).items() if n)
            sections.append(Section(
                summary=f"{where} — {titles.get(type_, type_)} ({counts})",
                header=["| | resource | action | details |", "|---|---|---|---|"],
                rows=_plan_rows(changes),
                blocks=[b for c in changes if (b := _diff_block(c))],
                open=any(c.blocked for c in changes),
            ))
    return sections


def _counts(changes: list[Change]) -> dict[str, int]:
    counts = {"add": 0, "change": 0, "destroy": 0, "resolve": 0}
    for c in changes:
        # Any other action (a future `replace`, `adopt`…) counts as a change.
        key = "resolve" if c.blocked else {"create": "add", "delete": "destroy",
                                           "no-op": None}.get(c.action, "change")
        if key:
            counts[key] += 1
    return counts


# A folded row names this many resources, then says how many more.
FOLDED_NAMES_SHOWN = 3


def _plan_rows(changes: list[Change]) -> list[str]:
    """A row per change, but identical creations (same fields, same summary) share one row
    that names them, as in the terminal's plan: a comment of 1,000 alike rows reads as one."""
    alike: dict[str, list[Change]] = {}
    order: list[Change | str] = []
    for change in changes:
        if not foldable(change):
            order.append(change)
            continue
        key = json.dumps([change.after, change.facts.get("summary")], sort_keys=True,
                         default=str)
        if key not in alike:
            alike[key] = []
            order.append(key)
        alike[key].append(change)
    return [_plan_row(item) if isinstance(item, Change)
            else _plan_row(alike[item][0]) if len(alike[item]) == 1
            else _folded_row(alike[item]) for item in order]


def _folded_row(changes: list[Change]) -> str:
    names = [code(c.address) for c in changes]
    if len(names) > FOLDED_NAMES_SHOWN + 2:
        names = [*names[:FOLDED_NAMES_SHOWN],
                 f"and {len(changes) - FOLDED_NAMES_SHOWN:,} more"]
    row = _plan_row(changes[0])
    details = row.rsplit(" | ", 1)[1]
    return (f"| + | {', '.join(names)} | create {len(changes):,} alike | {details}")


def _plan_row(change: Change) -> str:
    word = "**blocked**" if change.blocked else ACTION_WORD.get(change.action, change.action)
    details: list[str] = []
    if change.action == "update":
        details.append("changes " + ", ".join(f.field for f in change.fields))
    elif change.action == "delete" and change.facts.get("image_count"):
        details.append(f"holds {change.facts['image_count']} images")
    elif change.action == "create" and change.facts.get("summary"):
        details += change.facts["summary"]
    details += change.notes
    if change.blocked:
        details.append(change.blocked)
    return (f"| {ACTION_SYMBOL.get(change.action, '~')} | {code(change.address)} | {word} | "
            f"{cell(chr(10).join(details))} |")


def _diff_block(change: Change) -> str | None:
    if change.action != "update" or not change.fields:
        return None
    lines = []
    for f in change.fields:
        if isinstance(f.before, dict | list) or isinstance(f.after, dict | list):
            lines.append(f"  {f.field}:")
            lines += [f"{line[0]} {line[1:]}" if line[:1] in "+-" else f"  {line}"
                      for line in _document_lines(f.before, f.after)]
        else:
            lines += [f"- {f.field}: {field_text(f.before)}", f"+ {f.field}: {field_text(f.after)}"]
    body = "\n".join(lines).replace("```", "'''")
    return f"{code(change.address)}\n\n```diff\n{body}\n```"


def _document_lines(before: Any, after: Any) -> list[str]:
    old = json.dumps(before, indent=2, sort_keys=True).splitlines() if before is not None else []
    new = json.dumps(after, indent=2, sort_keys=True).splitlines() if after is not None else []
    return [line for line in difflib.unified_diff(old, new, lineterm="", n=2)
            if not line.startswith(("---", "+++", "@@"))]



# -- validate-replication --------------------------------------------------------------------

STATUS_MARK = {"ok": "✅", "gaps": "❌", "drift": "⚠️", "missing-repository": "❌"}


def validation_markdown(report: Any, verdict: Callable[[Any], str] | None = None,
                        limit: int = DEFAULT_LIMIT) -> str:
    """The replication check: the verdict, then what failed (open), then what passed."""
    from ecrrep.replication.model import verdict_line

    line = (verdict or verdict_line)(report)
    head = f"### ecrrep validate-replication\n\n**{line}**\n\nChecked at {_when(report)}.\n\n"
    header = ["| repository | region | status | in source | present | missing | in flight "
              "| drift |", "|---|---|---|---:|---:|---:|---:|---:|"]
    failing = [r for r in report.results if r.status != "ok"]
    passing = [r for r in report.results if r.status == "ok"]
    sections = []
    if failing:
        sections.append(Section(f"{len(failing)} check(s) failed", header,
                                [_result_row(r) for r in failing],
                                [b for r in failing if (b := _result_block(r))], open=True))
    if passing:
        sections.append(Section(f"{len(passing)} check(s) passed", header,
                                [_result_row(r) for r in passing]))
    return fit(head, sections, "", limit, "ecrrep validate-replication")


def _when(report: Any) -> str:
    return report.to_json()["checked_at"]


def _result_row(result: Any) -> str:
    return (f"| {code(result.repository)} | {result.region} | "
            f"{STATUS_MARK.get(result.status, '')} {result.status} | {result.source_images} | "
            f"{result.present} | {len(result.missing)} | {len(result.in_flight)} | "
            f"{len(result.drift)} |")


def _result_block(result: Any) -> str | None:
    lines = [f"- missing {g.digest} ({', '.join(g.tags) or 'untagged'})"
             + (f" — {g.failure_code}" if g.failure_code else "") for g in result.missing]
    lines += [f"- {d.field}: source {json.dumps(d.source, sort_keys=True)}, replica "
              f"{json.dumps(d.replica, sort_keys=True)}" for d in result.drift]
    if not lines:
        return None
    body = "\n".join(lines).replace("```", "'''")
    return f"{code(result.repository)} in {result.region}\n\n```diff\n{body}\n```"
