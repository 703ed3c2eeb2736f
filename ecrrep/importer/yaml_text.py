"""The imported spec as YAML, with each note as a comment above the key it is about."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from ecrrep.importer.assemble import Note

WIDTH = 96


def _comment(message: str, indent: str = "", bullet: str = "") -> list[str]:
    lines = textwrap.wrap(message, WIDTH - len(indent) - 2 - len(bullet),
                          break_long_words=False, break_on_hyphens=False)
    return [f"{indent}# {bullet if i == 0 else ' ' * len(bullet)}{line}"
            for i, line in enumerate(lines)]


def _dump(value: dict[str, Any]) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=WIDTH,
                          allow_unicode=True)


def header(command: str, notes: list[Note]) -> list[str]:
    lines = [f"# ecrrep spec written by `{command}`.",
             "# Check it with `ecrrep plan --adopt`: apart from taking ownership of what exists,",
             "# it should change nothing but what is listed below."]
    general = [n.message for n in notes if n.where == ""]
    if general:
        lines += ["#",
                  "# What this spec cannot express — `ecrrep plan --adopt` with it will still:"]
        lines += [line for m in general for line in _comment(m, bullet="- ")]
    lines.append("")
    return lines


def spec_yaml(spec: dict[str, Any], notes: list[Note], command: str = "ecrrep import") -> str:
    """The spec's YAML text: the header, then each key with the notes about it above it."""
    lines = header(command, notes)
    by_key: dict[str, list[str]] = {}
    for note in notes:
        if note.where:
            by_key.setdefault(note.where, []).append(note.message)
    for key, value in spec.items():
        for message in by_key.get(key, []):
            lines += _comment(message)
        if key == "repositories":
            lines.append("repositories:")
            for entry in value:
                for message in by_key.get(f"repositories.{entry['name']}", []):
                    lines += _comment(message, indent="  ")
                lines += ["  " + line for line in _dump([entry]).splitlines()]
            continue
        lines += _dump({key: value}).splitlines()
    # Notes on a key the spec leaves out (a setting it does not take over) close the file.
    for key in sorted(k for k in by_key if k not in spec and "." not in k):
        lines += ["", *(line for m in by_key[key] for line in _comment(f"{key}: {m}"))]
    return "\n".join(lines) + "\n"
