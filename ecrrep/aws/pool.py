"""The bounded work pool behind `AwsContext.map`: items run on a fixed set of worker threads,
results come back in input order, and a map called from inside a worker never waits on the pool
itself."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


_POOL_THREAD_PREFIX = "ecrrep-pool"


class WorkPool:
    """`size` worker threads, started on first use, shared by every map of one run."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """Run fn over items, at most `size` at once; results in input order, first error
        raised (after an error no new item starts).

        A map called from inside a pool worker (a kind reading its repositories while the
        engine reads every kind at once) is run by that worker itself, helped by whichever
        workers are idle: no worker ever waits for an item that no thread is running, so the
        bounded pool cannot deadlock on itself, and at most `size` items run at once.
        """
        items = list(items)
        if len(items) <= 1 or self.size == 1:
            return [fn(item) for item in items]
        batch = _Batch(fn, items)
        executor = self._executor_started()
        inside = _in_pool_worker()
        for _ in range(min(len(items), self.size) - (1 if inside else 0)):
            executor.submit(batch.drain)
        if inside:
            batch.drain()
        return batch.results()

    def _executor_started(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    self.size, thread_name_prefix=_POOL_THREAD_PREFIX
                )
            return self._executor

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def _in_pool_worker() -> bool:
    return threading.current_thread().name.startswith(_POOL_THREAD_PREFIX)


class _Batch:
    """The items of one `WorkPool.map`: each thread that calls `drain` takes the next item
    not yet started, until none is left; `results` waits for the items being run."""

    def __init__(self, fn: Callable[[Any], Any], items: list[Any]):
        self._fn = fn
        self._items = items
        self._results: list[Any] = [None] * len(items)
        self._errors: dict[int, BaseException] = {}
        self._next = 0
        self._running = 0
        self._cancelled = False
        self._cond = threading.Condition()

    def _take(self) -> int | None:
        with self._cond:
            if self._errors or self._cancelled or self._next >= len(self._items):
                return None
            index = self._next
            self._next += 1
            self._running += 1
            return index

    def _settle(self, index: int, result: Any = None, error: BaseException | None = None) -> None:
        with self._cond:
            if error is not None:
                self._errors[index] = error
            else:
                self._results[index] = result
            self._running -= 1
            self._cond.notify_all()

    def drain(self) -> None:
        while (index := self._take()) is not None:
            try:
                result = self._fn(self._items[index])
            except BaseException as exc:  # handed to the thread waiting in results()
                self._settle(index, error=exc)
                return
            self._settle(index, result)

    def _settled(self) -> bool:
        nothing_left = self._errors or self._cancelled or self._next >= len(self._items)
        return bool(nothing_left) and self._running == 0

    def results(self) -> list[Any]:
        try:
            with self._cond:
                self._cond.wait_for(self._settled)
        except BaseException:
            # Interrupted (Ctrl-C): start nothing more; the items in flight finish on their own.
            with self._cond:
                self._cancelled = True
            raise
        if self._errors:
            raise self._errors[min(self._errors)]
        return self._results
