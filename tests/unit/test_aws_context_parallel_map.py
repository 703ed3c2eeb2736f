"""AwsContext.map: results in order, at most `parallelism` items at once even when maps nest,
nested maps spread over idle workers without the pool ever waiting on itself, and the first
error stops new items. No AWS call is made; barriers (with a timeout that only a failure
reaches) prove that items really run at the same time."""

from __future__ import annotations

import threading

import pytest

from ecrrep.aws.context import AwsContext
from tests.support.deadline import run_with_deadline

BARRIER_TIMEOUT_S = 20


class Tracker:
    """Counts the items running at once, and the threads that ran them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.threads: set[str] = set()

    def __enter__(self) -> None:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.threads.add(threading.current_thread().name)

    def __exit__(self, *_: object) -> None:
        with self.lock:
            self.running -= 1




@pytest.fixture
def ctx():
    context = AwsContext(parallelism=4)
    yield context
    context.close()


def test_results_come_in_input_order(ctx):
    assert ctx.map(lambda x: x * x, range(50)) == [x * x for x in range(50)]


def test_parallelism_items_run_at_once_and_never_more(ctx):
    tracker = Tracker()
    barrier = threading.Barrier(4, timeout=BARRIER_TIMEOUT_S)

    def item(x: int) -> int:
        with tracker:
            barrier.wait()  # all four must be in flight together, or this times out
            return x

    assert ctx.map(item, range(12)) == list(range(12))
    assert tracker.peak == 4


def test_nested_maps_finish_spread_over_workers_and_stay_bounded(ctx):
    tracker = Tracker()

    def leaf(x: int) -> int:
        with tracker:
            return x

    def inner(x: int) -> list[int]:
        return ctx.map(leaf, range(x * 10, x * 10 + 10))

    def outer(x: int) -> list[list[int]]:
        return ctx.map(inner, range(x * 3, x * 3 + 3))

    result = run_with_deadline(lambda: ctx.map(outer, range(5)))

    assert result == [[list(range(i * 10, i * 10 + 10)) for i in range(x * 3, x * 3 + 3)]
                      for x in range(5)]
    assert tracker.peak <= 4


def test_a_nested_map_uses_idle_workers(ctx):
    """One outer item whose inner map needs every worker: it must get them, not run alone."""
    barrier = threading.Barrier(4, timeout=BARRIER_TIMEOUT_S)

    def inner(x: int) -> int:
        barrier.wait()
        return x

    def outer(x: int) -> list[int]:
        return ctx.map(inner, range(8)) if x == 0 else []

    assert run_with_deadline(lambda: ctx.map(outer, range(2)))[0] == list(range(8))


def test_parallelism_one_runs_inline():
    ctx = AwsContext(parallelism=1)
    names = ctx.map(lambda _: threading.current_thread().name, range(5))
    assert set(names) == {threading.current_thread().name}


def test_the_first_error_is_raised_and_stops_new_items():
    ctx = AwsContext(parallelism=2)
    started = []

    def item(x: int) -> int:
        started.append(x)
        if x == 3:
            raise ValueError("item 3 failed")
        return x

    try:
        with pytest.raises(ValueError, match="item 3 failed"):
            ctx.map(item, range(200))
    finally:
        ctx.close()
    assert len(started) < 200


def test_errors_are_raised_in_input_order():
    ctx = AwsContext(parallelism=4)
    barrier = threading.Barrier(2, timeout=BARRIER_TIMEOUT_S)

    def item(x: int) -> int:
        barrier.wait()  # items 0 and 1 fail together; item 0's error is the one raised
        raise ValueError(f"item {x}")

    try:
        with pytest.raises(ValueError, match="item 0"):
            ctx.map(item, range(2))
    finally:
        ctx.close()
