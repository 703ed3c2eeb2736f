"""Put real images into moto as if pushed at a chosen time.

moto stamps `imagePushedAt` with its own clock at put_image time. Tests of ages and of "newest
first" need images of different ages without sleeping, so the clock moto's ECR models read is
set for the duration of the put. This works in-process (mock_aws) and for the moto server the
fixtures run in the test process; not for a server in another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from ecrrep.sandbox.images import put_image, sample_manifest


@contextmanager
def moto_clock(moment: datetime) -> Iterator[None]:
    class FixedClock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
            return moment.astimezone(tz) if tz else moment.astimezone(UTC).replace(tzinfo=None)

    with mock.patch("moto.ecr.models.datetime", FixedClock):
        yield


def push(ecr: Any, repository: str, seed: str, tags: list[str] | None = None,
         age: timedelta = timedelta(0), now: datetime | None = None, size: int = 1024) -> str:
    """Put an image with its own layers (so its own digest), pushed `age` before `now`
    (default: the real now); returns its digest."""
    moment = (now or datetime.now(UTC)) - age
    with moto_clock(moment):
        return put_image(ecr, repository, sample_manifest(seed, size), list(tags or []))
