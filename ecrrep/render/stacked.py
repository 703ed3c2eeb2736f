"""The plan stacked, as Terraform prints one: a line per resource, its fields indented below,
wrapped at spaces to the terminal's width. Nothing is ever cut: a word longer than the line
(an ARN) is left whole for the terminal to wrap."""

from __future__ import annotations

import re

from rich.console import Console, Group
from rich.text import Text

from ecrrep.render.fields import ACTION_STYLE, change_details, created_lines
from ecrrep.render.fold import REPOSITORY_PLACEHOLDER, Entry, Section, foldable

_WORD = re.compile(r"\S+")

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
    lines = entry.lines
    if lines is None and foldable(change) and not verbose:
        lines = created_lines(change)  # plain lines: printed at once, as a folded entry's
    if lines is not None:
        lines = list(lines)
        if len(entry.names) > 1:
            lines.append("names: " + folded_list(entry.names))
            if entry.repositories:
                lines.append(f"{REPOSITORY_PLACEHOLDER}: " + folded_list(entry.repositories))
        console.print(Text("\n".join(wrapped(lines, width, FIELD_INDENT))))
        return
    for part in change_details(change, verbose):
        # A field's document diff comes as a group of texts: each is wrapped like a line.
        for text in (part.renderables if isinstance(part, Group) else [part]):
            if isinstance(text, Text):
                console.print(Text("\n").join(wrapped_text(text, width, FIELD_INDENT)))
            else:
                console.print(text, soft_wrap=False)


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
        cuts = [0, *_break_offsets(text, width, indent), len(text)]
        hang = " " * (indent + _lead(text) + 2)
        out.extend((" " * indent if i == 0 else hang) + text[a:b].rstrip()
                   for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)))
    return out


def wrapped_text(text: Text, width: int, indent: int) -> list[Text]:
    """`wrapped` for styled text (a field diff's colours kept)."""
    out = []
    for line in text.split("\n"):
        line.rstrip()
        plain = line.plain
        hang = " " * (indent + _lead(plain) + 2)
        for i, piece in enumerate(line.divide(_break_offsets(plain, width, indent))):
            piece.rstrip()
            out.append(Text(" " * indent if i == 0 else hang) + piece)
    return out


def _lead(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _break_offsets(text: str, width: int, indent: int) -> list[int]:
    """Where to break `text` (offsets of the words that start a new line) for lines of
    `width` after `indent`, continuations hanging two further in than the text."""
    offsets: list[int] = []
    hang = indent + _lead(text) + 2
    used, previous_end, words_on_line = indent, 0, 0
    for match in _WORD.finditer(text):
        start, end = match.span()
        gap = start - previous_end
        if words_on_line and used + gap + (end - start) > width:
            offsets.append(start)
            used, words_on_line = hang + (end - start), 1
        else:
            used += gap + (end - start)
            words_on_line += 1
        previous_end = end
    return offsets
