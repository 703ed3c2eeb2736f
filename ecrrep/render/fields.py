"""How one resource change reads in a plan: a created resource's fields, an update's field
diffs, a deletion's consequence, its notes. Plain lines or rich renderables; no layout."""

from __future__ import annotations

import difflib
import json
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from ecrrep.engine.plan import Change, field_text
from ecrrep.render.images import expiring_image_lines

ACTION_STYLE = {
    "create": ("+", "green", "create"),
    "update": ("~", "yellow", "update"),
    "delete": ("-", "red", "destroy"),
    "no-op": (" ", "dim", "no change"),
}

# Fields whose values are JSON documents, shown as a line diff rather than inline.
DOCUMENT_FIELDS = {"policy", "trust_policy", "destinations", "repository_filters", "body"}


def created_lines(change: Change, verbose: bool = False) -> list[str]:
    """What a created resource will be, one line per field (documents one line per rule or
    statement); a kind's own summary of a long document (alarms, dashboard, function) where
    it has one, unless -v asks for every field."""
    summary = change.facts.get("summary")
    after = change.after or {}
    if summary and not verbose:
        return [*summary, *created_field_lines({"tags": after["tags"]} if "tags" in after
                                               else None)]
    return created_field_lines(after, verbose)


def created_field_lines(attrs: dict[str, Any] | None, verbose: bool = False) -> list[str]:
    """A created resource's fields, documents summarised one line per rule or statement."""
    if not attrs:
        return []
    lines = []
    for key, value in attrs.items():
        if verbose and isinstance(value, dict | list):
            lines.append(f"{key}:")
            lines.extend(pretty(value).splitlines())
        elif isinstance(value, dict) and ("Statement" in value or "rules" in value):
            lines.append(f"{key}:")
            lines.extend(f"  {line}" for line in document_summary(value))
        elif key == "tags" and isinstance(value, dict):
            lines.append("tags: " + ", ".join(f"{k}={v}" for k, v in sorted(value.items())))
        elif isinstance(value, dict | list):
            lines.append(f"{key}: {json.dumps(value, sort_keys=True, separators=(', ', ': '))}")
        else:
            lines.append(f"{key}: {field_text(value)}")
    return lines


def change_details(change: Change, verbose: bool = False) -> list[RenderableType]:
    """Everything a plan says under one change: fields, diffs or consequence, then notes, the
    images a lifecycle change would expire (-v) and why it is blocked."""
    parts: list[RenderableType] = []
    if change.action == "create":
        lines = created_lines(change, verbose)
        if lines:
            parts.append(Text("\n".join(lines)))
    elif change.action == "update":
        parts.extend(field_diff(f.field, f.before, f.after) for f in change.fields)
    elif change.action == "delete":
        images = change.facts.get("image_count")
        if images and not change.blocked:  # a blocked deletion's reason names the count
            parts.append(Text(f"holds {images} images", style="red"))
        else:
            parts.append(Text("deleted", style="dim"))
    parts.extend(Text(note, style="cyan") for note in change.notes)
    if verbose:
        parts.extend(expiring_image_lines(change))
    if change.blocked:
        parts.append(Text(change.blocked, style="red"))
    return parts


def field_diff(name: str, before: Any, after: Any) -> RenderableType:
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
    old = pretty(before).splitlines()
    new = pretty(after).splitlines()
    text = Text()
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++", "@@")):
            continue
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
        text.append(line + "\n", style=style)
    text.rstrip()
    return text


def pretty(value: Any) -> str:
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True)


def document_summary(document: dict[str, Any]) -> list[str]:
    """One line per lifecycle rule or policy statement, for a plan a person can read: every
    action and every principal or resource is named (a long line wraps, it is never cut)."""
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
        actions = _listed(statement.get("Action") or statement.get("NotAction"))
        sid = f"{statement['Sid']}: " if statement.get("Sid") else ""
        # A resource policy naming both: who may act, on what.
        on = (f" on {_listed(statement['Resource'])}"
              if statement.get("Principal") and statement.get("Resource") else "")
        lines.append(f"{sid}{statement.get('Effect')} {actions} → {_listed(who)}{on}")
    return lines


def _listed(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _selection(rule: dict[str, Any]) -> str:
    return json.dumps(rule.get("selection", {}), sort_keys=True)
