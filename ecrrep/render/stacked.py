"""The plan stacked, as Terraform prints one: a line per resource, its fields indented below,
wrapped at spaces to the terminal's width. Nothing is ever cut: a word longer than the line
(an ARN) is left whole for the terminal to wrap."""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.text import Text

from ecrrep.render.fields import ACTION_STYLE, change_details
from ecrrep.render.fold import REPOSITORY_PLACEHOLDER, Entry, Section

ENTRY_INDENT = 4
FIELD_INDENT = 8


def render_stacked(console: Console, sections: list[Section], titles: dict[str, str],
                   verbose: bool) -> None:
    width = max(40, console.width)
    for section in sections:
        console.print()
        console.print(section_heading(section))
        for type_ in dict.fromkeys(e.type for e in section.entries):
            console.print()
            console.print(Text("  " + titles.get(type_, type_), style="bold"))
            for entry in (e for e in section.entries if e.type == type_):
                _print_entry(console, entry, titles.get(type_, type_), width, verbose)


def section_heading(section: Section) -> Text:
    regions = section.regions
    if regions == ("global",):
        heading = "IAM (global)"
    elif len(regions) == 1:
        heading = f"Region {regions[0]}"
    else:
        heading = f"Regions {', '.join(regions)}"
    suffix = f" — {section.unchanged} unchanged" if section.unchanged else ""
    if len(regions) > 1:
        suffix = " — the same in each"
    return Text.assemble((heading, "bold"), (suffix, "dim"))


def _print_entry(console: Console, entry: Entry, title: str, width: int, verbose: bool) -> None:
    change = entry.first
    symbol, style, word = ACTION_STYLE[change.action]
    if len(entry.names) > 1:
        each = " in each region" if len(entry.regions) > 1 else ""
        head = f"{word} {len(entry.names):,} {in_sentence(title)}{each}, all with:"
    else:
        head = f"{word} {change.name}"
    header = Text(" " * ENTRY_INDENT + f"{symbol} {head}", style=style)
    if change.blocked:
        header.append("  (blocked)", style="bold red")
    console.print(header)
    if entry.lines is not None:
        lines = list(entry.lines)
        if len(entry.names) > 1:
            lines.append("names: " + folded_list(entry.names))
            if entry.repositories:
                lines.append(f"{REPOSITORY_PLACEHOLDER}: " + folded_list(entry.repositories))
        console.print(Text("\n".join(wrapped(lines, width, FIELD_INDENT))))
        return
    for part in change_details(change, verbose):
        if isinstance(part, Text) and not part.spans:
            console.print(Text("\n".join(wrapped(part.plain.split("\n"), width, FIELD_INDENT)),
                               style=part.style))
        else:
            # Field diffs and styled lines: rich wraps them (folding a word too long for
            # the line rather than cutting it).
            console.print(Padding(Group(part), (0, 0, 0, FIELD_INDENT)), soft_wrap=False)


# A folded list names this many, then says how many more.
FOLDED_NAMES_SHOWN = 3
# How to see every name of a folded list (plan, apply and destroy take -v).
EXPAND_HINT = "-v lists them all"


def in_sentence(title: str) -> str:
    """A kind's title inside a sentence: "Lifecycle policies" → "lifecycle policies", while
    "ECR repositories" and "CloudWatch alarms" keep their capitals."""
    first = title.split(" ", 1)[0]
    return title[0].lower() + title[1:] if first[1:].islower() else title


def folded_list(names: list[str]) -> str:
    if len(names) <= FOLDED_NAMES_SHOWN + 2:
        return ", ".join(names)
    more = len(names) - FOLDED_NAMES_SHOWN
    return (", ".join(names[:FOLDED_NAMES_SHOWN])
            + f" and {more:,} more ({EXPAND_HINT})")


def wrapped(lines: list[str], width: int, indent: int) -> list[str]:
    """Lines indented by `indent`, broken at spaces to fit `width`; a continuation is indented
    two more than its line's own text. Never breaks a word."""
    out = []
    for line in lines:
        text = line.rstrip()
        lead = len(text) - len(text.lstrip(" "))
        first = " " * indent
        rest = " " * (indent + lead + 2)
        out.extend(_break(text, width, first, rest))
    return out


def _break(text: str, width: int, first: str, rest: str) -> list[str]:
    if len(first) + len(text) <= width:
        return [first + text]
    out: list[str] = []
    current = first + text[:len(text) - len(text.lstrip(" "))]
    words = text.split(" ")
    started = False
    for word in words:
        if not word:
            continue
        if started and len(current) + 1 + len(word) > width:
            out.append(current)
            current = rest + word
            continue
        current += (" " if started else "") + word
        started = True
    out.append(current)
    return out
