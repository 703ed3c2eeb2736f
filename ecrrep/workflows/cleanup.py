"""`ecrrep cleanup`: the cleanup function's own code, run here against the account.

The function decides what it may touch (the same check runs in Lambda); this only builds its
configuration from the spec and gives it this run's clients."""

from __future__ import annotations

import logging
from typing import Any, TextIO

from ecrrep.aws.context import AwsContext
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.cleanup.function.handler import run_cleanup
from ecrrep.spec.models import Spec


def clean_up(aws: AwsContext, spec: Spec, dry_run: bool,
             log_to: TextIO | None = None) -> dict[str, Any]:
    """The function's JSON-ready summary (deleted, skipped, failed ...). `dry_run` forces a
    dry run (else the spec's cleanup.dry_run decides); `log_to` gets the function's one line
    per image, as it logs them in Lambda."""
    config = CleanupConfig.from_spec(spec, dry_run=True if dry_run else None)
    if log_to is not None:
        handler = logging.StreamHandler(log_to)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger = logging.getLogger("ecrrep.cleanup")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    return run_cleanup(config, aws.client)
