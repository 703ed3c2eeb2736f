"""Ctrl-C while ecrrep talks to AWS is raised where the main thread holds no lock: at its
next check (an AWS call, a wait for the pool, a sleep), not wherever it arrived. A
KeyboardInterrupt between a lock's acquire and its `with` block leaves the lock held, and the
pool's workers, and the run's end that joins them, wait for it forever."""

from __future__ import annotations

import signal
import threading

import pytest

from ecrrep.aws import interrupts
from ecrrep.aws.context import AwsContext
from ecrrep.aws.pool import WorkPool
from tests.support.fault_runs import sigint_not_ignored

WAIT = 10  # seconds; only reached when something is broken


@pytest.fixture(autouse=True)
def terminal_sigint():
    """Python's own SIGINT handler, as under a terminal, even when the suite was started
    with SIGINT ignored."""
    with sigint_not_ignored():
        yield


def test_ctrl_c_is_raised_at_the_next_check_not_where_it_arrived():
    steps: list[str] = []
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        signal.raise_signal(signal.SIGINT)
        steps.append("the step it arrived in finishes")
        interrupts.check()
        steps.append("never")

    assert steps == ["the step it arrived in finishes"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_one_still_noted_when_the_block_ends_is_raised_then():
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_while_waiting_for_the_pool_stops_the_wait_and_the_pool_still_closes():
    started, release = threading.Event(), threading.Event()

    def item(index: int) -> int:
        started.set()
        assert release.wait(WAIT), "never released"
        return index

    def press_ctrl_c() -> None:
        assert started.wait(WAIT)
        signal.raise_signal(signal.SIGINT)  # handled by the main thread, as a terminal's is

    pool = WorkPool(2)
    presser = threading.Thread(target=press_ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt), interrupts.deferred():
            presser.start()
            pool.map(item, [1, 2])
    finally:
        release.set()
        presser.join(WAIT)
        closer = threading.Thread(target=pool.close)
        closer.start()
        closer.join(WAIT)
    assert not closer.is_alive(), "the pool's workers never finished"


def test_a_noted_ctrl_c_stops_the_next_aws_call_before_it_is_sent(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    context = AwsContext(endpoint_url="http://127.0.0.1:9")  # nothing listens there
    sts = context.client("sts", "us-east-1")
    try:
        with pytest.raises(KeyboardInterrupt), interrupts.deferred():
            signal.raise_signal(signal.SIGINT)
            sts.get_caller_identity()
    finally:
        context.close()
    assert context.stats().retries == 0 and context.stats().total == 0


def test_a_prompt_takes_ctrl_c_at_once():
    steps: list[str] = []
    with interrupts.deferred():
        with pytest.raises(KeyboardInterrupt), interrupts.allowed():
            signal.raise_signal(signal.SIGINT)
            steps.append("never")
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    assert steps == []


def test_outside_the_main_thread_nothing_is_deferred():
    handlers: list[object] = []
    worker = threading.Thread(target=lambda: handlers.append(_handler_inside_deferred()))
    worker.start()
    worker.join(WAIT)
    assert handlers == [signal.default_int_handler]


def _handler_inside_deferred() -> object:
    with interrupts.deferred():
        return signal.getsignal(signal.SIGINT)
