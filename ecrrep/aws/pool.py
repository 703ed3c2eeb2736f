"""The work pool behind `AwsContext.map`: items run on a shared set of worker threads, results
come back in input order, and a map called from inside a worker never waits on the pool itself.

The pool has `per_lane` workers for every region the run talks to (and one more lane for the
global services): it grows as regions appear, so that each region can have its N calls in
flight (`ecrrep.aws.inflight` holds the calls themselves to that). Within one map, an item
whose region already has `per_lane` items running is passed over for an item of another
region: items come grouped by region, and workers queued behind one busy region would leave
the others idle.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from ecrrep.aws import interrupts

T = TypeVar("T")
R = TypeVar("R")

_POOL_THREAD_PREFIX = "ecrrep-pool"
# How long the thread waiting for a map sleeps at most before it checks for signals (see
# _Batch.results).
SIGNAL_CHECK_SECONDS = 0.2


def _in_pool_worker() -> bool:
    return threading.current_thread().name.startswith(_POOL_THREAD_PREFIX)


class WorkPool:
    """Worker threads started on demand, at most `size` (which only grows), shared by every
    map of one run."""

    def __init__(self, size: int, per_lane: int | None = None):
        self.size = max(1, size)
        self.per_lane = max(1, per_lane or size)
        self._workers = _Workers(self.size)

    def grow(self, size: int) -> None:
        """Allow up to `size` workers (a new region joined the run)."""
        if size > self.size:
            self.size = size
            self._workers.resize(size)

    def map(self, fn: Callable[[T], R], items: Iterable[T],
            lane: Callable[[T], Hashable | None] | None = None) -> list[R]:
        """Run fn over items, at most `size` at once and, for items whose `lane` (region) is
        known, at most `per_lane` of one lane at once unless nothing else is left; results in
        input order, first error raised (after an error no new item starts).

        A map called from inside a pool worker (a kind reading its repositories while the
        engine reads every kind at once) is run by that worker itself, helped by whichever
        workers are idle: no worker ever waits for an item that no thread is running, so the
        bounded pool cannot deadlock on itself.
        """
        interrupts.check()
        items = list(items)
        if len(items) <= 1 or self.size == 1:
            return [fn(item) for item in items]
        batch = _Batch(fn, items, lane or (lambda _: None), self.per_lane)
        inside = _in_pool_worker()
        for _ in range(min(len(items), self.size) - (1 if inside else 0)):
            self._workers.submit(batch.drain)
        if inside:
            batch.drain()
        return batch.results()

    def close(self) -> None:
        self._workers.close()


class _Workers:
    """A growable set of daemon threads running submitted tasks in order (close() joins them,
    so a run ends only after the calls in flight)."""

    def __init__(self, size: int):
        self._size = size
        self._tasks: deque[Callable[[], None]] = deque()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._closed = False

    def resize(self, size: int) -> None:
        with self._cond:
            self._size = max(self._size, size)
            self._spawn_locked()

    def submit(self, task: Callable[[], None]) -> None:
        with self._cond:
            self._closed = False
            self._tasks.append(task)
            self._cond.notify()
            self._spawn_locked()

    def _spawn_locked(self) -> None:
        while len(self._tasks) > self._idle and len(self._threads) < self._size:
            thread = threading.Thread(
                target=self._run, daemon=True,
                name=f"{_POOL_THREAD_PREFIX}_{len(self._threads)}",
            )
            self._threads.append(thread)
            self._idle += 1  # counted idle until it takes its first task
            thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._closed:
                    self._cond.wait()
                self._idle -= 1
                if not self._tasks:
                    return
                task = self._tasks.popleft()
            task()  # a _Batch.drain, which hands every error to the thread waiting for it
            with self._cond:
                self._idle += 1

    def close(self) -> None:
        with self._cond:
            self._closed = True
            threads, self._threads = self._threads, []
            self._cond.notify_all()
        for thread in threads:
            thread.join()
        with self._cond:
            self._idle = 0


class _Batch:
    """The items of one `WorkPool.map`: each thread that calls `drain` takes the next item not
    yet started (the first whose lane is not full, if any), until none is left; `results`
    waits for the items being run."""

    def __init__(self, fn: Callable[[Any], Any], items: list[Any],
                 lane: Callable[[Any], Hashable | None], per_lane: int):
        self._fn = fn
        self._items = items
        self._results: list[Any] = [None] * len(items)
        self._errors: dict[int, BaseException] = {}
        self._pending: dict[Hashable | None, deque[int]] = {}
        for index, item in enumerate(items):
            self._pending.setdefault(lane(item), deque()).append(index)
        self._lane_running: dict[Hashable | None, int] = dict.fromkeys(self._pending, 0)
        self._per_lane = per_lane
        self._running = 0
        self._cancelled = False
        self._cond = threading.Condition()

    def _next_lane(self) -> Hashable | None:
        """The lane of the earliest pending item, preferring lanes with room."""
        waiting = [(queue[0], key) for key, queue in self._pending.items() if queue]
        with_room = [(first, key) for first, key in waiting
                     if key is None or self._lane_running[key] < self._per_lane]
        return min(with_room or waiting, key=lambda pair: pair[0])[1]

    def _take(self) -> tuple[int, Hashable | None] | None:
        with self._cond:
            if self._errors or self._cancelled or not any(self._pending.values()):
                return None
            key = self._next_lane()
            index = self._pending[key].popleft()
            self._lane_running[key] += 1
            self._running += 1
            return index, key

    def _settle(self, taken: tuple[int, Hashable | None], result: Any = None,
                error: BaseException | None = None) -> None:
        index, key = taken
        with self._cond:
            if error is not None:
                self._errors[index] = error
            else:
                self._results[index] = result
            self._lane_running[key] -= 1
            self._running -= 1
            self._cond.notify_all()

    def drain(self) -> None:
        while (taken := self._take()) is not None:
            try:
                result = self._fn(self._items[taken[0]])
            except BaseException as exc:  # handed to the thread waiting in results()
                self._settle(taken, error=exc)
                return
            self._settle(taken, result)

    def _settled(self) -> bool:
        nothing_left = self._errors or self._cancelled or not any(self._pending.values())
        return bool(nothing_left) and self._running == 0

    def results(self) -> list[Any]:
        try:
            with self._cond:
                # Woken at least this often: a stop signal delivered to another thread runs its
                # Python handler only when the main thread runs again, and the main thread
                # waits here while the calls in flight may take minutes.
                while not self._cond.wait_for(self._settled, timeout=SIGNAL_CHECK_SECONDS):
                    interrupts.check()
        except BaseException:
            # Interrupted (Ctrl-C): start nothing more; the items in flight finish on their own.
            with self._cond:
                self._cancelled = True
            raise
        if self._errors:
            raise self._errors[min(self._errors)]
        return self._results
