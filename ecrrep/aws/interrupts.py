"""Ctrl-C while ecrrep talks to AWS: noted when it arrives, raised where nothing is held.

Python's default SIGINT handler raises KeyboardInterrupt in the main thread between any two
bytecodes, so it can land between a lock's acquire and the `with` block that releases it.
CPython's locks are not safe against that (the `signal` module's "Note on Signal Handlers and
Exceptions", https://docs.python.org/3/library/signal.html#note-on-signal-handlers-and-exceptions,
advises a handler of one's own instead). A lock left held that way is one the pool's workers
then wait for forever, and so does the end of the run, which joins them.

So while a command uses AWS (`deferred`), SIGINT only notes itself; the main thread raises
KeyboardInterrupt at its next check: before each AWS call it makes, while it waits for the
pool, in its sleeps. A prompt (`allowed`) takes Ctrl-C at once, as usual. Other threads never
raise: signals reach only the main thread. (apply and destroy put their own handler in place
while changes run, which stops new changes starting: `ecrrep.workflows.apply`.)
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# How often a sleeping main thread looks for a noted interrupt.
CHECK_SECONDS = 0.2

_noted: list[int] = []


def _note(signum: int, _frame: FrameType | None) -> None:
    _noted.append(signum)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def deferred() -> Iterator[None]:
    """SIGINT noted, not raised, inside the block (main thread only, and only where Python's
    default handler was in place); one still noted at the end is raised then."""
    if not _in_main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    _noted.clear()
    signal.signal(signal.SIGINT, _note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    check()


def check() -> None:
    """Raise KeyboardInterrupt in the main thread if SIGINT arrived since the last check."""
    if _noted and _in_main_thread():
        _noted.clear()
        raise KeyboardInterrupt


def sleep(seconds: float) -> None:
    """time.sleep, looking for an interrupt every CHECK_SECONDS."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        check()
        time.sleep(min(CHECK_SECONDS, left))
    check()


@contextmanager
def allowed() -> Iterator[None]:
    """Ctrl-C raises at once inside the block (a prompt waiting for an answer)."""
    if not _in_main_thread() or signal.getsignal(signal.SIGINT) is not _note:
        yield
        return
    check()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, _note)
