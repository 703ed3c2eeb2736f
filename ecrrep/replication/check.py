"""validate-replication: does every destination region hold what the source holds?

For every managed repository and destination region: the replica exists, its settings equal
the source's by meaning, and every source image digest is there with the same tags. This
module runs the check (read, then compare), waits for it to settle (--wait) and publishes its
metrics; the reads are in `read`, the pure comparison in `compare`, the values in `model`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ecrrep.aws import aws_action, interrupts
from ecrrep.cleanup.function import metrics
from ecrrep.replication.backfills import latest_backfills, report_with_backfills
from ecrrep.replication.compare import gaps_to_classify, make_report, without_setting

# CheckError and the status reader are part of what the command uses to run a check.
from ecrrep.replication.model import CheckError, Report
from ecrrep.replication.read import (
    ReplicationStatusReader,
    destination_label,
    managed_repositories,
    read_states,
)
from ecrrep.replication.strategy import spec_destinations

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

__all__ = ["CheckError", "ReplicationStatusReader", "check_replication",
           "publish_failure_rates", "wait_for_replication"]

DEFAULT_GRACE_MINUTES = 30
# How often --wait checks again. ECR replicates within minutes; a shorter period only spends
# API calls.
POLL_SECONDS = 10.0


def check_replication(
    ctx: AwsContext,
    spec: Spec,
    grace_minutes: float = DEFAULT_GRACE_MINUTES,
    status_reader: ReplicationStatusReader | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Report:
    """Read the account once and compare every destination with the source."""
    reader = status_reader or ReplicationStatusReader(ctx, lambda _: None)
    names = managed_repositories(spec)
    states = read_states(ctx, spec)
    if spec.scanning is not None:
        # The registry's scanning rules decide what is scanned, not a repository's scanOnPush:
        # https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-filters.html
        states = without_setting(states, "scan_on_push")
    # Each repository against its own destinations (replicate_to), and every destination in
    # another account.
    others = [destination_label(d.region, d.account_id)
              for d in getattr(spec, "destinations", ())]
    destinations = {name: [*regions, *others]
                    for name, regions in spec_destinations(spec).items()}
    missing_anywhere = gaps_to_classify(spec.source_region, names, destinations, states)
    statuses = reader.statuses(spec.source_region, missing_anywhere)
    report = make_report(
        spec.source_region,
        names,
        destinations,
        states,
        now(),
        timedelta(minutes=grace_minutes),
        statuses,
    )
    backfills = latest_backfills(ctx, spec.source_region, spec.destination_regions)
    return report_with_backfills(report, backfills)


def publish_failure_rates(ctx: AwsContext, spec: Spec, report: Report) -> dict[str, float]:
    """Send ReplicationFailureRate, and ReplicationLatencySeconds (the 95th percentile) where
    an image was measured, per destination region to CloudWatch in the source region, where
    the alarms watching them live. Returns the failure rates."""
    rates = report.failure_rates()
    data = [metrics.replication_failure_rate_datum(region, rate, project=spec.project)
            for region, rate in rates.items()]
    # A region with no image measured sends no latency: there is no value, and a 0 would
    # claim a replication that was instant.
    data += [metrics.replication_latency_datum(region, summary.p95_seconds,
                                               project=spec.project)
             for region, summary in report.latencies().items()
             if summary.p95_seconds is not None]
    with aws_action(f"{metrics.NAMESPACE} metrics ({spec.source_region})", "PutMetricData"):
        metrics.publish(ctx.client("cloudwatch", spec.source_region), data)
    return rates


def wait_for_replication(
    check: Callable[[], Report],
    seconds: float,
    on_report: Callable[[Report, float], None] = lambda report, left: None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = interrupts.sleep,
    poll_seconds: float = POLL_SECONDS,
) -> Report:
    """Check until replication has settled (healthy, nothing in flight) or `seconds` pass;
    returns the last report. `on_report` hears each report and the seconds left."""
    deadline = clock() + max(0.0, seconds)
    while True:
        report = check()
        left = deadline - clock()
        on_report(report, max(0.0, left))
        if report.settled or left <= 0:
            return report
        sleep(min(poll_seconds, left))
