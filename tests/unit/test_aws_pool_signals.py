"""A stop signal is handled while the main thread waits for a map whose calls hang.

POSIX delivers a process's signal to any thread; Python runs its handler only in the main
thread, when that thread next runs. A main thread waiting for the pool without ever waking would
see Ctrl-C or SIGTERM only after the calls in flight finished (minutes, behind a hung call)."""

from __future__ import annotations

import signal
import threading

from ecrrep.aws.pool import WorkPool

WAIT = 10  # seconds; only reached when something is broken


def test_a_signal_delivered_to_a_worker_is_handled_while_the_map_still_waits():
    release, started, handled = threading.Event(), threading.Event(), threading.Event()
    workers: list[int] = []

    def item(index: int) -> int:
        workers.append(threading.get_ident())
        started.set()
        assert release.wait(WAIT), "never released"
        return index

    def deliver() -> None:
        assert started.wait(WAIT)
        signal.pthread_kill(workers[0], signal.SIGUSR1)  # to a worker, not the main thread
        seen = handled.wait(WAIT)
        release.set()
        outcome.append(seen)

    outcome: list[bool] = []
    previous = signal.signal(signal.SIGUSR1, lambda *_: handled.set())
    pool = WorkPool(2)
    try:
        sender = threading.Thread(target=deliver)
        sender.start()
        assert pool.map(item, [1, 2]) == [1, 2]
        sender.join(WAIT)
    finally:
        release.set()
        signal.signal(signal.SIGUSR1, previous)
        pool.close()

    assert outcome == [True]  # handled before the hung items were released
