"""Replication backfills as read from the source registry: their status and progress, and the
images a finished one could not copy.

ECR's model (botocore 1.44) and
https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html:
ListReplicationBackfills gives each backfill's destination, status and progress (kept 90 days
after it ends, newest first); DescribeReplicationBackfillResults gives one backfill, and its
per-image results only once it has reached a terminal status (resultStatusFilter FAILED:
the images it could not copy). Statuses: PREPARING, IN_PROGRESS, then COMPLETE or FAILED (a
backfill fails when half or more of at least 100 replications failed), or STOPPING, STOPPED.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, paginate
from ecrrep.replication.model import STATUS_GAPS, STATUS_OK, ImageGap, RegionResult, Report

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext

RUNNING = ("PREPARING", "IN_PROGRESS", "STOPPING")
ENDED = ("COMPLETE", "FAILED", "STOPPED")


@dataclass(frozen=True)
class UncopiedImage:
    """One image and tag combination a finished backfill could not copy."""

    repository: str
    digest: str
    tag: str | None
    failure_code: str | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"repository": self.repository, "digest": self.digest}
        if self.tag:
            out["tag"] = self.tag
        if self.failure_code:
            out["failure_code"] = self.failure_code
        return out


@dataclass(frozen=True)
class BackfillState:
    """One backfill to one destination, as ECR reports it."""

    id: str
    region: str
    registry_id: str
    status: str
    total: int | None = None  # replications (image × tag); unknown until ECR has counted
    completed: int = 0
    failed: int = 0
    failure_codes: tuple[str, ...] = ()
    failure_code: str | None = None  # why the backfill itself failed
    started_at: datetime | None = None
    ended_at: datetime | None = None
    uncopied: tuple[UncopiedImage, ...] = ()

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def healthy(self) -> bool:
        """Running, or ended having copied everything it set out to."""
        return self.running or (self.status == "COMPLETE" and not self.failed
                                and not self.uncopied)

    def progress_text(self) -> str:
        total = "?" if self.total is None else str(self.total)
        failed = f", {self.failed} failed" if self.failed else ""
        return f"{self.completed}/{total} copied{failed}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "region": self.region, "registry_id": self.registry_id,
            "status": self.status,
            "progress": {"total": self.total, "completed": self.completed,
                         "failed": self.failed, "failure_codes": list(self.failure_codes)},
            "started_at": _iso(self.started_at), "ended_at": _iso(self.ended_at),
            "uncopied": [u.to_json() for u in self.uncopied]}
        if self.failure_code:
            out["failure_code"] = self.failure_code
        return out


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


def state_of(summary: dict[str, Any], uncopied: tuple[UncopiedImage, ...] = ()) -> BackfillState:
    """A ReplicationBackfillSummary (or a DescribeReplicationBackfillResults answer) as a
    value. Progress is null until ECR has counted the replications (the model's note)."""
    progress = summary.get("progress") or {}
    destination = summary.get("destination") or {}
    return BackfillState(
        id=summary["replicationBackfillId"], region=destination.get("region", ""),
        registry_id=destination.get("registryId", ""), status=summary.get("status", ""),
        total=progress.get("totalReplicationCount"),
        completed=progress.get("completedReplicationCount", 0),
        failed=progress.get("failedReplicationCount", 0),
        failure_codes=tuple(progress.get("failureCodes") or ()),
        failure_code=summary.get("failureCode"), started_at=summary.get("startedAt"),
        ended_at=summary.get("endedAt"), uncopied=uncopied)


def uncopied_of(results: list[dict[str, Any]]) -> tuple[UncopiedImage, ...]:
    return tuple(UncopiedImage(r["repositoryName"], r["imageId"].get("imageDigest", ""),
                               r["imageId"].get("imageTag"), r.get("failureCode"))
                 for r in results)


def describe_backfill(ctx: AwsContext, source_region: str, backfill_id: str) -> BackfillState:
    """One backfill, with the images it could not copy once it has ended."""
    client = ctx.client("ecr", source_region)
    with aws_action(f"replication backfill {backfill_id} ({source_region})",
                    "DescribeReplicationBackfillResults"):
        answer = client.describe_replication_backfill_results(replicationBackfillId=backfill_id)
        state = state_of(answer)
        if state.status not in ENDED or not state.failed:
            return state
        failed = paginate(client, "describe_replication_backfill_results", "results",
                          replicationBackfillId=backfill_id, resultStatusFilter="FAILED")
    return state_of(answer, uncopied_of(failed))


def latest_backfills(ctx: AwsContext, source_region: str,
                     regions: Collection[str]) -> list[BackfillState]:
    """The newest backfill to each destination in these regions (running or ended); with
    what it could not copy when it ended with failures."""
    client = ctx.client("ecr", source_region)
    with aws_action(f"replication backfills ({source_region})", "ListReplicationBackfills"):
        summaries = paginate(client, "list_replication_backfills", "backfills")
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    for summary in summaries:
        destination = summary.get("destination") or {}
        key = (destination.get("region", ""), destination.get("registryId", ""))
        if key[0] in regions and (key not in newest or _started(summary)
                                    > _started(newest[key])):
            newest[key] = summary
    found = [state_of(s) for _, s in sorted(newest.items())]
    return [describe_backfill(ctx, source_region, s.id)
            if s.status in ENDED and s.failed else s for s in found]


def _started(summary: dict[str, Any]) -> float:
    moment = summary.get("startedAt")
    return moment.timestamp() if isinstance(moment, datetime) else 0.0


# -- in the validation report ----------------------------------------------------------------


def report_with_backfills(report: Report, backfills: list[BackfillState]) -> Report:
    """The report with the backfills, and the images an ended backfill could not copy counted
    as gaps with its failure code (not "in flight": nothing is copying them any more)."""
    report.backfills = list(backfills)
    uncopied: dict[tuple[str, str, str], str | None] = {
        (b.region, u.repository, u.digest): u.failure_code
        for b in backfills if not b.running for u in b.uncopied}
    if uncopied:
        report.results = [_with_uncopied(r, uncopied) for r in report.results]
    return report


def _with_uncopied(result: RegionResult,
                   uncopied: dict[tuple[str, str, str], str | None]) -> RegionResult:
    def key(gap: ImageGap) -> tuple[str, str, str]:
        return (result.region, result.repository, gap.digest)

    def coded(gap: ImageGap) -> ImageGap:
        return gap if gap.failure_code or key(gap) not in uncopied else replace(
            gap, failure_code=uncopied[key(gap)])

    stopped = [coded(g) for g in result.in_flight if key(g) in uncopied]
    if not stopped and not any(key(g) in uncopied for g in result.missing):
        return result
    missing = tuple(coded(g) for g in result.missing) + tuple(stopped)
    status = STATUS_GAPS if result.status == STATUS_OK else result.status
    return replace(result, status=status, missing=missing,
                   in_flight=tuple(g for g in result.in_flight if key(g) not in uncopied))
