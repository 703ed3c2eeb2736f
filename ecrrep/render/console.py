"""The rich console every command prints through."""

from __future__ import annotations

from rich.console import Console

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
