"""Run a call that might deadlock without hanging the suite."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_with_deadline(fn: Callable[[], Any], seconds: float = 60) -> Any:
    """fn() in a thread; fails the test instead of hanging if fn deadlocks."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), \
        "did not finish: the pool waited on itself or a region's bound deadlocked"
    if "error" in box:
        raise box["error"]
    return box.get("value")
