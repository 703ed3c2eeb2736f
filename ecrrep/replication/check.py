"""validate-replication: does every destination region hold what the source holds?

For every managed repository and destination region: the replica exists, its settings equal
the source's by meaning, and every source image digest is there with the same tags. The
comparison is pure (`compare_region`, over plain values); reading runs in parallel through the
AwsContext; where ECR answers DescribeImageReplicationStatus, its per-region status and failure
code classify the images a replica lacks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ecrrep.aws import AWS_EXCEPTIONS, aws_action, aws_error, error_code, paginate
from ecrrep.cleanup.function import metrics
from ecrrep.resources.ecr_listing import describe_under_prefix
from ecrrep.resources.lifecycle_policies import KIND as LIFECYCLE_POLICIES
from ecrrep.resources.repository_policies import KIND as REPOSITORY_POLICIES
from ecrrep.spec import naming
from ecrrep.spec.documents import documents_differ, normalise_lifecycle_policy, normalise_policy

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

DEFAULT_GRACE_MINUTES = 30
# How often --wait checks again. ECR replicates within minutes; a shorter period only spends
# API calls.
POLL_SECONDS = 10.0

STATUS_OK = "ok"
STATUS_GAPS = "gaps"
STATUS_DRIFT = "drift"
STATUS_MISSING_REPOSITORY = "missing-repository"

# Replica settings compared with the source's. The first three are the fields the repository
# kind manages (same names); encryption is compared by type only, because a KMS key belongs to
# one region and every replica necessarily has a key of its own region.
SETTINGS_FIELDS = (
    "tag_mutability",
    "scan_on_push",
    "encryption",
    "lifecycle_policy",
    "repository_policy",
)


class CheckError(Exception):
    """The check cannot run (e.g. a source repository is missing): exit 1, one line."""


# -- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRecord:
    digest: str
    tags: frozenset[str]
    pushed_at: datetime | None = None


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

    @property
    def healthy(self) -> bool:
        return all(r.status == STATUS_OK for r in self.results)

    @property
    def settled(self) -> bool:
        """Healthy with nothing in flight: what --wait waits for."""
        return self.healthy and not any(r.in_flight for r in self.results)

    def to_json(self) -> dict[str, Any]:
        return {
            "healthy": self.healthy,
            "checked_at": self.checked_at.astimezone(UTC)
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "results": [r.to_json() for r in self.results],
            "lag": {region: summary.to_json() for region, summary in self.latencies().items()},
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


# -- the pure comparison ---------------------------------------------------------------------


def repository_settings(
    description: dict[str, Any], lifecycle_text: str | None, policy_text: str | None
) -> dict[str, Any]:
    """A repository's settings in compared form, from describe_repositories and the two
    policy texts (None when the repository has none)."""
    encryption = description.get("encryptionConfiguration") or {"encryptionType": "AES256"}
    return {
        "tag_mutability": description.get("imageTagMutability", "MUTABLE"),
        "scan_on_push": description.get("imageScanningConfiguration", {}).get("scanOnPush", False),
        "encryption": encryption.get("encryptionType", "AES256"),
        "lifecycle_policy": (
            normalise_lifecycle_policy(json.loads(lifecycle_text)) if lifecycle_text else None
        ),
        "repository_policy": normalise_policy(json.loads(policy_text)) if policy_text else None,
    }


def image_record(detail: dict[str, Any]) -> ImageRecord:
    """An image from a describe_images imageDetails entry."""
    pushed = detail.get("imagePushedAt")
    if isinstance(pushed, int | float):
        pushed = datetime.fromtimestamp(pushed, UTC)
    return ImageRecord(detail["imageDigest"], frozenset(detail.get("imageTags") or ()), pushed)


def replication_lags(
    source: Mapping[str, ImageRecord], replica: Mapping[str, ImageRecord]
) -> list[float]:
    """Seconds from the source push to the replica's, for every image both hold.

    A replicated image's imagePushedAt is when it was pushed to the destination repository,
    that is when replication put it there
    (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html). A
    replica older than its source image was not copied from that push (pushed there by hand,
    or kept from an earlier push of the same digest): it says nothing about replication and is
    left out, as are images without a push time.
    """
    lags = []
    for digest in sorted(source.keys() & replica.keys()):
        pushed, copied = source[digest].pushed_at, replica[digest].pushed_at
        if pushed is not None and copied is not None and copied >= pushed:
            lags.append((copied - pushed).total_seconds())
    return lags


def settings_drift(source: dict[str, Any], replica: dict[str, Any]) -> list[SettingDrift]:
    """Every compared setting whose replica value means something else than the source's."""
    return [
        SettingDrift(name, source.get(name), replica.get(name))
        for name in SETTINGS_FIELDS
        if documents_differ(source.get(name), replica.get(name))
    ]


def image_gaps(
    source: Mapping[str, ImageRecord], replica: Mapping[str, ImageRecord]
) -> list[tuple[ImageRecord, ImageGap]]:
    """Source images the replica lacks, or holds without some of their tags. Tags the replica
    has beyond the source's are not gaps: ECR replicates pushes, never deletions."""
    gaps = []
    for digest in sorted(source):
        image = source[digest]
        copy = replica.get(digest)
        if copy is None:
            gaps.append((image, ImageGap(digest, tuple(sorted(image.tags)))))
        elif image.tags - copy.tags:
            gaps.append((image, ImageGap(digest, tuple(sorted(image.tags - copy.tags)))))
    return gaps


def in_flight(
    image: ImageRecord, status: ReplicationStatus | None, now: datetime, grace: timedelta
) -> bool:
    """Whether a missing image is still on its way rather than failed.

    ECR's own status wins where it answers: FAILED is a gap even within the grace period,
    IN_PROGRESS is in flight whatever its age. Otherwise an image pushed within the grace
    period counts as in flight.
    """
    if status is not None and status.status == "FAILED":
        return False
    if status is not None and status.status == "IN_PROGRESS":
        return True
    return image.pushed_at is not None and now - image.pushed_at < grace


def compare_region(
    source: RepositoryState,
    replica: RepositoryState | None,
    region: str,
    now: datetime,
    grace: timedelta,
    statuses: StatusMap | None = None,
) -> RegionResult:
    """One destination region of one repository against the source (replica None: absent)."""
    statuses = statuses or {}
    missing: list[ImageGap] = []
    flying: list[ImageGap] = []
    for image, gap in image_gaps(source.images, replica.images if replica else {}):
        status = statuses.get((source.name, image.digest, region))
        if in_flight(image, status, now, grace):
            flying.append(gap)
        else:
            code = status.failure_code if status and status.status == "FAILED" else None
            missing.append(ImageGap(gap.digest, gap.tags, code))
    drift = settings_drift(source.settings, replica.settings) if replica else []
    if replica is None:
        status_word = STATUS_MISSING_REPOSITORY
    elif missing:
        status_word = STATUS_GAPS
    elif drift:
        status_word = STATUS_DRIFT
    else:
        status_word = STATUS_OK
    return RegionResult(
        source.name,
        region,
        status_word,
        len(source.images),
        tuple(missing),
        tuple(flying),
        tuple(drift),
    )


States = Mapping[tuple[str, str], RepositoryState | None]  # (region, repository) → state


def make_report(
    source_region: str,
    repositories: list[str],
    destinations: list[str],
    states: States,
    now: datetime,
    grace: timedelta,
    statuses: StatusMap | None = None,
) -> Report:
    """Every repository × destination region, from the states read.

    A missing source repository is an error, not a gap: there is nothing to compare with.
    """
    absent = [name for name in repositories if states.get((source_region, name)) is None]
    if absent:
        raise CheckError(
            f"no source repository {', '.join(absent)} in {source_region}: nothing to "
            "validate against (run `ecrrep apply` first)"
        )
    report = Report(now, [])
    for name in repositories:
        source = states[(source_region, name)]
        assert source is not None
        for region in destinations:
            result = compare_region(
                source, states.get((region, name)), region, now, grace, statuses
            )
            report.results.append(result)
            report.source_keys.setdefault(region, set()).update(
                f"{name}@{d}" for d in source.images
            )
            # An image counts as failed when its digest is absent, as the cleanup function
            # counts it; a replica lacking only a tag is a gap here, not a failed image.
            replica = states.get((region, name))
            held = replica.images if replica else {}
            report.failed_keys.setdefault(region, set()).update(
                f"{name}@{g.digest}" for g in result.missing if g.digest not in held
            )
            report.lag_seconds.setdefault(region, []).extend(
                replication_lags(source.images, held)
            )
    return report


def gaps_to_classify(
    source_region: str, repositories: list[str], destinations: list[str], states: States
) -> list[tuple[str, str]]:
    """(repository, digest) of every source image missing somewhere: the only images whose
    replication status is worth asking for."""
    wanted: dict[tuple[str, str], None] = {}
    for name in repositories:
        source = states.get((source_region, name))
        if source is None:
            continue
        for region in destinations:
            replica = states.get((region, name))
            for image, _ in image_gaps(source.images, replica.images if replica else {}):
                wanted[(name, image.digest)] = None
    return list(wanted)


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


# -- reads -----------------------------------------------------------------------------------


def managed_repositories(spec: Spec) -> list[str]:
    return [naming.repository_name(spec.repository_prefix, r.name) for r in spec.repositories]


def read_states(ctx: AwsContext, spec: Spec) -> dict[tuple[str, str], RepositoryState | None]:
    """Every managed repository in every region (None where absent), read in parallel."""
    names = managed_repositories(spec)
    described = ctx.map(
        lambda region: {d["repositoryName"]: d
                        for d in describe_under_prefix(ctx, spec.repository_prefix, region)
                        if d["repositoryName"] in names},
        spec.regions,
    )
    existing = [
        (region, d)
        for region, found in zip(spec.regions, described, strict=True)
        for d in found.values()
    ]
    parts = ("images", "lifecycle", "policy")
    tasks = [(region, d, part) for region, d in existing for part in parts]
    answers = ctx.map(lambda task: _read_part(ctx, *task), tasks)
    by_key = {
        (region, d["repositoryName"], part): answer
        for (region, d, part), answer in zip(tasks, answers, strict=True)
    }
    states: dict[tuple[str, str], RepositoryState | None] = {}
    for region, found in zip(spec.regions, described, strict=True):
        for name in names:
            d = found.get(name)
            if d is None:
                states[(region, name)] = None
                continue
            states[(region, name)] = RepositoryState(
                region,
                name,
                repository_settings(
                    d, by_key[(region, name, "lifecycle")], by_key[(region, name, "policy")]
                ),
                by_key[(region, name, "images")],
            )
    return states


def _read_part(ctx: AwsContext, region: str, description: dict[str, Any], part: str) -> Any:
    client = ctx.client("ecr", region)
    name = description["repositoryName"]
    with aws_action(f"{name} ({region})"):
        if part == "images":
            details = paginate(client, "describe_images", "imageDetails", repositoryName=name)
            return {d["imageDigest"]: image_record(d) for d in details}
        # The same reads, and the same "not found" answers, as the policy kinds use.
        kind = LIFECYCLE_POLICIES if part == "lifecycle" else REPOSITORY_POLICIES
        try:
            return kind.get_text(client, name)
        except aws_error(*kind.not_found_codes):
            return None


class ReplicationStatusReader:
    """DescribeImageReplicationStatus, where the endpoint has it.

    The first call is a probe made with retries off: an endpoint without the API (moto alone
    answers HTTP 500; ecrrep's sandbox has it) would otherwise cost botocore's whole retry
    budget per call. After a
    failed probe the reader answers nothing for the rest of the run and says why, once.
    """

    def __init__(self, ctx: AwsContext, notify: Callable[[str], None]):
        self.ctx = ctx
        self.notify = notify
        self.available: bool | None = None

    def statuses(
        self, source_region: str, images: list[tuple[str, str]]
    ) -> dict[tuple[str, str, str], ReplicationStatus]:
        if not images or self.available is False:
            return {}
        out: dict[tuple[str, str, str], ReplicationStatus] = {}
        rest = images
        if self.available is None:
            first, rest = images[0], images[1:]
            probe = self.ctx.client("ecr", source_region, retries=False)
            try:
                out.update(self._one(probe, *first))
            except AWS_EXCEPTIONS as exc:
                self.available = False
                self.notify(
                    f"DescribeImageReplicationStatus is not available here ({_reason(exc)}): "
                    "judging by digests present in each region and the grace period only."
                )
                return {}
            self.available = True
        client = self.ctx.client("ecr", source_region)
        for answer in self.ctx.map(lambda image: self._read(client, *image), rest):
            out.update(answer)
        return out

    def _read(self, client: Any, repository: str, digest: str) -> dict:
        with aws_action(f"{repository}@{digest}", "DescribeImageReplicationStatus"):
            return self._one(client, repository, digest)

    @staticmethod
    def _one(client: Any, repository: str, digest: str) -> dict:
        answer = client.describe_image_replication_status(
            repositoryName=repository, imageId={"imageDigest": digest}
        )
        return {
            (repository, digest, s["region"]): ReplicationStatus(
                s.get("status", ""), s.get("failureCode")
            )
            for s in answer.get("replicationStatuses", [])
        }


def _reason(exc: BaseException) -> str:
    code = error_code(exc)
    return f"{code}" if code else type(exc).__name__


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
    missing_anywhere = gaps_to_classify(spec.source_region, names, spec.destination_regions, states)
    statuses = reader.statuses(spec.source_region, missing_anywhere)
    return make_report(
        spec.source_region,
        names,
        spec.destination_regions,
        states,
        now(),
        timedelta(minutes=grace_minutes),
        statuses,
    )


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
    sleep: Callable[[float], None] = time.sleep,
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
