"""At most `per_region` AWS calls in flight per region, each region bounded on its own.

AWS throttles each region's endpoint on its own, so one region's calls must not wait for
another's: `--parallelism N` means N calls at once in every region, and services with one
global endpoint (IAM) count as one more region. The bound is held for a whole call, from
botocore's `before-call` to its `after-call` (or `after-call-error`), retries and botocore's
backoff between them included: a throttled call keeps its place instead of letting another
call add to the storm.

A thread makes one call at a time, so a thread waiting for a slot holds no other slot: the
bound cannot deadlock, however maps nest.
"""

from __future__ import annotations

import threading

# Services whose endpoint is the partition's one global endpoint, whatever the client's
# region (iam.amazonaws.com): their calls share one bound.
GLOBAL_SERVICES = frozenset({"iam", "organizations", "route53", "cloudfront"})
GLOBAL_LANE = "global"


def lane_of(service: str, region: str) -> str:
    """The bound a call to `service` in `region` counts against."""
    return GLOBAL_LANE if service in GLOBAL_SERVICES else region


class CallsInFlight:
    """One semaphore of `per_region` slots per lane (a region, or the global services)."""

    def __init__(self, per_region: int):
        self.per_region = max(1, per_region)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._held = threading.local()

    def add_lane(self, lane: str) -> bool:
        """Make `lane` known; True if it is new."""
        with self._lock:
            if lane in self._slots:
                return False
            self._slots[lane] = threading.BoundedSemaphore(self.per_region)
            return True

    def lanes(self) -> list[str]:
        with self._lock:
            return list(self._slots)

    def enter(self, lane: str) -> None:
        """Wait for a slot in `lane`. A thread that still holds one there (a call that ended
        without botocore's after-call event) keeps it rather than taking a second."""
        held = self._held_by_this_thread()
        if lane in held:
            return
        self.add_lane(lane)
        with self._lock:
            slots = self._slots[lane]
        slots.acquire()
        held.add(lane)

    def leave(self, lane: str) -> None:
        held = self._held_by_this_thread()
        if lane not in held:
            return
        held.discard(lane)
        with self._lock:
            slots = self._slots[lane]
        slots.release()

    def _held_by_this_thread(self) -> set[str]:
        held = getattr(self._held, "lanes", None)
        if held is None:
            held = self._held.lanes = set()
        return held
