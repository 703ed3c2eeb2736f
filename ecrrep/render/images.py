"""Images as a plan or a cleanup report lists them: short digests, and the images a lifecycle
change would expire."""

from __future__ import annotations

from rich.text import Text

from ecrrep.engine.plan import Change

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
