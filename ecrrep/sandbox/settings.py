"""The sandbox's knobs and its clock, read by every behaviour at call time.

One process-wide `SETTINGS`: the server runs in the process that configured it (`ecrrep
sandbox`, `ecrrep demo`, the tests' server fixture), so a test can change a delay or move the
clock between two calls instead of sleeping. `reset()` runs with moto's own reset
(`POST /moto-api/reset`), so a clean account also has a clean clock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class SandboxSettings:
    """What the emulator does beyond moto. `aws_like=False` turns every AWS limit and delay
    off (replication itself stays on: it is what the sandbox is for)."""

    # On by default: the sandbox is worth having only if what passes on it passes on AWS.
    aws_like: bool = True
    # Seconds between a push and its replicas appearing (ECR: usually under 30 minutes,
    # mostly seconds).
    replication_delay_seconds: float = 2.0
    # Share of replications (0..1) that end FAILED.
    replication_failure_rate: float = 0.0
    # Seconds after CreateRole during which ECR and Lambda do not yet know the role.
    iam_propagation_seconds: float = 8.0
    # Seconds after tagging before tag:GetResources shows the resource or its new tags.
    tagging_lag_seconds: float = 5.0
    # Seconds a lifecycle policy preview stays IN_PROGRESS before it is COMPLETE.
    lifecycle_preview_seconds: float = 1.0
    # Seed for the failure draw, so a run can be repeated.
    seed: int | None = None

    def describe(self) -> list[str]:
        """One line per behaviour, as `ecrrep sandbox` prints them."""
        on = "on" if self.aws_like else "off"
        return [
            f"replication: on, {self.replication_delay_seconds:g} s after a push, "
            f"{self.replication_failure_rate:.0%} of replications fail; deletions for rules "
            "with deleteReplication; backfill; creation templates; events to EventBridge",
            f"AWS limits and delays (aws-like): {on}",
            *([f"  IAM propagation: new roles unknown to ECR and Lambda for "
               f"{self.iam_propagation_seconds:g} s",
               f"  tagging index lag: tag:GetResources {self.tagging_lag_seconds:g} s behind",
               f"  lifecycle policy preview: complete after "
               f"{self.lifecycle_preview_seconds:g} s",
               "  limits: KMS key in the repository's Region, 4 KB Lambda environment, "
               "255-character alarm names, 2,048-character trust policies, 500 metrics per "
               "dashboard widget",
               "  multi-architecture images: an index keeps its children",
               "  cross-account replication: only where the destination registry's policy "
               "allows it"]
              if self.aws_like else []),
        ]


DEFAULTS = SandboxSettings()
_lock = threading.Lock()
_settings = DEFAULTS
_clock_offset = 0.0


def current() -> SandboxSettings:
    with _lock:
        return _settings


def configure(**changes: object) -> SandboxSettings:
    """Change some settings; unknown names are an error. Returns the new settings."""
    global _settings
    known = {f.name for f in fields(SandboxSettings)}
    unknown = set(changes) - known
    if unknown:
        raise TypeError(f"unknown sandbox settings: {', '.join(sorted(unknown))}")
    with _lock:
        _settings = replace(_settings, **changes)  # type: ignore[arg-type]
        return _settings


def now() -> float:
    """The sandbox's clock, in seconds since the epoch: real time plus what tests advanced."""
    with _lock:
        return time.time() + _clock_offset


def offset() -> float:
    """How far the sandbox's clock is ahead of real time."""
    with _lock:
        return _clock_offset


def advance(seconds: float) -> None:
    """Move the sandbox's clock forward, so a delay passes without waiting for it."""
    global _clock_offset
    with _lock:
        _clock_offset += seconds


def reset_clock() -> None:
    global _clock_offset
    with _lock:
        _clock_offset = 0.0
