"""Images as a plan or a cleanup report lists them: short digests, and the images a lifecycle
change would expire."""

from __future__ import annotations

from rich.text import Text

from ecrrep.engine.plan import Change

# With -v, at most this many expiring images per lifecycle change; JSON has them all.
EXPIRING_LIST_LIMIT = 50


def expiring_image_lines(change: Change) -> list[Text]:
    """The images a lifecycle change would expire (its preview), oldest first; then those its
    transition rules would archive, marked so."""
    return (_image_lines(change.facts.get("would_expire") or [], "", "yellow")
            + _image_lines(change.facts.get("would_archive") or [], "archive ", "cyan"))


def _image_lines(images: list[dict], label: str, style: str) -> list[Text]:
    lines = [
        Text(f"  {label}{short_digest(e['digest'])}  "
             f"{', '.join(e.get('tags') or []) or 'untagged'}"
             f"  pushed {str(e.get('pushed_at', '?'))[:10]}  rule {e.get('rule')}",
             style=style)
        for e in images[:EXPIRING_LIST_LIMIT]
    ]
    if len(images) > EXPIRING_LIST_LIMIT:
        lines.append(Text(f"  … and {len(images) - EXPIRING_LIST_LIMIT} more "
                          "(`ecrrep plan --json` lists them all)", style="dim"))
    return lines


def short_digest(digest: str) -> str:
    algorithm, _, value = digest.partition(":")
    return f"{algorithm}:{value[:12]}" if value else digest[:19]
