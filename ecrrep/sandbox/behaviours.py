"""Install the sandbox's behaviours on moto, once per process.

Each module named in `BEHAVIOURS` has an `install()` that patches moto's backend or response
classes (idempotently) and reads `settings.current()` at call time, so settings can change
while the server runs. A behaviour that adds state keeps it where moto's reset clears it, or
registers a function with `on_reset`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable

from ecrrep.sandbox import settings

# One module per behaviour, each with install(). Order matters only where one behaviour wraps
# a method another also wraps; the later one wraps the earlier.
BEHAVIOURS: tuple[str, ...] = (
    "request_scope",
    "iam_propagation",
    "tagging_lag",
    "kms_key_region",
    "lambda_environment_size",
    "alarm_name_length",
    "trust_policy_size",
    "dashboard_widget_metrics",
    "image_index",
    "image_referrers",
    "lifecycle_policy_preview",
    "image_archive",
    "lifecycle_transition_rules",
    "tag_mutability_filters",
    "lambda_statement_ids",
    "replication_rules",
    "creation_templates",
    "replication",
    "registry_permissions",
    "deletion_replication",
    "backfill",
    "replication_status",
    "replication_events",
    "event_targets",
    "lambda_code_location",
)

_installed = False
_lock = threading.Lock()
_reset_hooks: list[Callable[[], None]] = []


def on_reset(hook: Callable[[], None]) -> None:
    """Run hook whenever moto's state is reset (`POST /moto-api/reset`)."""
    _reset_hooks.append(hook)


def install() -> None:
    """Patch moto with every behaviour in BEHAVIOURS; later calls do nothing."""
    global _installed
    with _lock:
        if _installed:
            return
        _hook_moto_reset()
        for name in BEHAVIOURS:
            importlib.import_module(f"ecrrep.sandbox.{name}").install()
        _installed = True


def _hook_moto_reset() -> None:
    from moto.moto_api._internal.models import MotoAPIBackend

    reset = MotoAPIBackend.reset

    def reset_with_sandbox(self: MotoAPIBackend) -> None:
        reset(self)
        settings.reset_clock()
        for hook in _reset_hooks:
            hook()

    MotoAPIBackend.reset = reset_with_sandbox  # type: ignore[method-assign]
