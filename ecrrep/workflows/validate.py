"""validate-replication: check that every destination holds the source's images and settings
(polling for --wait), and publish the failure rates when asked."""

from __future__ import annotations

from rich.console import Console

from ecrrep.aws.context import AwsContext
from ecrrep.render.wait import replication_wait_progress
from ecrrep.replication.check import (
    CheckError,
    ReplicationStatusReader,
    Report,
    check_replication,
    publish_failure_rates,
    wait_for_replication,
)
from ecrrep.spec.models import Spec
from ecrrep.workflows import WorkflowError


def validate_replication(aws: AwsContext, spec: Spec, grace_minutes: float, err: Console,
                         wait_seconds: float = 0, publish_metrics: bool = False) -> Report:
    """The replication report, checked again until settled for at most `wait_seconds` (with a
    progress display on `err`); notes and what was published go to `err` too."""
    reader = ReplicationStatusReader(aws, lambda note: err.print(note, markup=False,
                                                                 style="yellow"))

    def check() -> Report:
        try:
            return check_replication(aws, spec, grace_minutes, reader)
        except CheckError as exc:
            raise WorkflowError(str(exc)) from exc

    if wait_seconds > 0:
        with replication_wait_progress(err, wait_seconds) as display:
            report = wait_for_replication(check, wait_seconds, display.on_report,
                                          sleep=display.sleep)
    else:
        report = check()
    if publish_metrics:
        rates = publish_failure_rates(aws, spec, report)
        shown = ", ".join(f"{region} {rate:.1f}%" for region, rate in rates.items())
        err.print(f"Published ReplicationFailureRate and ReplicationLatencySeconds to "
                  f"CloudWatch ({spec.source_region}, "
                  f"namespace ECRRep): {shown}", markup=False)
    return report
