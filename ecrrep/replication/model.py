"""The values of a replication check: images, repository states, gaps, drift, one result per
repository × destination region, and the report with its JSON and its one-line verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ecrrep.cleanup.function import metrics

STATUS_OK = "ok"
STATUS_GAPS = "gaps"
STATUS_DRIFT = "drift"
STATUS_MISSING_REPOSITORY = "missing-repository"



class CheckError(Exception):
    """The check cannot run (e.g. a source repository is missing): exit 1, one line."""


# -- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRecord:
    digest: str
    tags: frozenset[str]
    pushed_at: datetime | None = None
    # ECR's imageStatus: ACTIVE, ARCHIVED (archive storage class) or ACTIVATING (restoring).
    # An archived or restoring replica still holds the image: present, never a gap.
    status: str = "ACTIVE"


@dataclass(frozen=True)
class RepositoryState:
    """One repository in one region: its settings in compared form and its images by digest."""

    region: str
    name: str
    settings: dict[str, Any]
    images: dict[str, ImageRecord]


@dataclass(frozen=True)
class ReplicationStatus:
    """What DescribeImageReplicationStatus says about one image in one destination region."""

    status: str  # COMPLETE | IN_PROGRESS | FAILED
    failure_code: str | None = None


# (repository, digest, destination region) → status
StatusMap = Mapping[tuple[str, str, str], ReplicationStatus]


@dataclass(frozen=True)
class ImageGap:
    """A source image a replica lacks, whole (tags = all its tags) or in part (the tags the
    replica's copy lacks)."""

    digest: str
    tags: tuple[str, ...]
    failure_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"digest": self.digest, "tags": list(self.tags)}
        if self.failure_code:
            out["failure_code"] = self.failure_code
        return out


@dataclass(frozen=True)
class SettingDrift:
    field: str
    source: Any
    replica: Any

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "source": self.source, "replica": self.replica}


@dataclass(frozen=True)
class RegionResult:
    """One managed repository in one destination region."""

    repository: str
    region: str
    status: str
    source_images: int
    missing: tuple[ImageGap, ...] = ()
    in_flight: tuple[ImageGap, ...] = ()
    drift: tuple[SettingDrift, ...] = ()

    @property
    def present(self) -> int:
        return self.source_images - len(self.missing) - len(self.in_flight)

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "region": self.region,
            "status": self.status,
            "source_images": self.source_images,
            "missing": [g.to_json() for g in self.missing],
            "in_flight": [g.to_json() for g in self.in_flight],
            "drift": [d.to_json() for d in self.drift],
        }


@dataclass
class Report:
    checked_at: datetime
    results: list[RegionResult]
    # Per destination region: the source images (as "repository@digest") and those missing
    # or failed there after the grace period, for ReplicationFailureRate.
    source_keys: dict[str, set[str]] = field(default_factory=dict)
    failed_keys: dict[str, set[str]] = field(default_factory=dict)
    # Per destination region: replica push time minus source push time, in seconds, of every
    # image present in both (ReplicationLatencySeconds and the "lag" key).
    lag_seconds: dict[str, list[float]] = field(default_factory=dict)
    # The newest replication backfill to each destination region, running or ended
    # (ecrrep.replication.backfills.BackfillState).
    backfills: list[Any] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return all(r.status == STATUS_OK for r in self.results)

    @property
    def settled(self) -> bool:
        """Healthy with nothing in flight: what --wait waits for."""
        return (self.healthy and not any(r.in_flight for r in self.results)
                and not any(b.running for b in self.backfills))

    def to_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checked_at": self.checked_at.astimezone(UTC)
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "results": [r.to_json() for r in self.results],
            "lag": {region: summary.to_json() for region, summary in self.latencies().items()},
            **({"backfills": [b.to_json() for b in self.backfills]} if self.backfills else {}),
        }

    def latencies(self) -> dict[str, metrics.LatencySummary]:
        """Median, 95th percentile and worst replication time per destination region."""
        return {region: metrics.latency_summary(seconds)
                for region, seconds in self.lag_seconds.items()}

    def failure_rates(self) -> dict[str, float]:
        """ReplicationFailureRate per destination region, through the shared metrics module."""
        return {
            region: metrics.replication_failure_rate(keys, self.failed_keys.get(region, set()))
            for region, keys in self.source_keys.items()
        }

    def counts(self) -> dict[str, int]:
        return {
            "missing": sum(len(r.missing) for r in self.results),
            "in_flight": sum(len(r.in_flight) for r in self.results),
            "drift": sum(len(r.drift) for r in self.results),
            "missing_repositories": sum(
                r.status == STATUS_MISSING_REPOSITORY for r in self.results
            ),
        }



def verdict_line(report: Report) -> str:
    """The one-line verdict that ends the text output."""
    counts = report.counts()
    pairs = len(report.results)
    repositories = len({r.repository for r in report.results})
    regions = len({r.region for r in report.results})
    scope = (
        f"{repositories} repositor{'y' if repositories == 1 else 'ies'} × "
        f"{regions} destination region{'s' if regions != 1 else ''}"
    )
    flying = f", {counts['in_flight']} image(s) still in flight" if counts["in_flight"] else ""
    if report.healthy:
        return f"Replication healthy: {scope}, every source image present{flying}."
    problems = []
    if counts["missing_repositories"]:
        problems.append(
            f"{counts['missing_repositories']} replica repositor"
            f"{'y' if counts['missing_repositories'] == 1 else 'ies'} missing"
        )
    if counts["missing"]:
        problems.append(f"{counts['missing']} image(s) missing")
    if counts["drift"]:
        problems.append(f"{counts['drift']} setting(s) drifted")
    bad = sum(r.status != STATUS_OK for r in report.results)
    return (
        f"Replication unhealthy: {', '.join(problems)}; {bad} of {pairs} "
        f"repository × region checks failed{flying}."
    )


