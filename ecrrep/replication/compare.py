"""The pure comparison of validate-replication, over plain values: a replica's settings and
images against the source's, the grace period and ECR's own replication status deciding
whether a missing image is in flight or a gap."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ecrrep.replication.model import (
    STATUS_DRIFT,
    STATUS_GAPS,
    STATUS_MISSING_REPOSITORY,
    STATUS_OK,
    CheckError,
    ImageGap,
    ImageRecord,
    RegionResult,
    ReplicationStatus,
    Report,
    RepositoryState,
    SettingDrift,
    StatusMap,
)
from ecrrep.spec.documents import documents_differ, normalise_lifecycle_policy, normalise_policy

# Replica settings compared with the source's. The first four are the fields the repository
# kind manages (same names); encryption is compared by type only, because a KMS key belongs to
# one region and every replica necessarily has a key of its own region.
SETTINGS_FIELDS = (
    "tag_mutability",
    "tag_mutability_exclusions",
    "scan_on_push",
    "encryption",
    "lifecycle_policy",
    "repository_policy",
)


def repository_settings(
    description: dict[str, Any], lifecycle_text: str | None, policy_text: str | None
) -> dict[str, Any]:
    """A repository's settings in compared form, from describe_repositories and the two
    policy texts (None when the repository has none)."""
    encryption = description.get("encryptionConfiguration") or {"encryptionType": "AES256"}
    return {
        "tag_mutability": description.get("imageTagMutability", "MUTABLE"),
        "tag_mutability_exclusions": _exclusions(description),
        "scan_on_push": description.get("imageScanningConfiguration", {}).get("scanOnPush", False),
        "encryption": encryption.get("encryptionType", "AES256"),
        "lifecycle_policy": (
            normalise_lifecycle_policy(json.loads(lifecycle_text)) if lifecycle_text else None
        ),
        "repository_policy": normalise_policy(json.loads(policy_text)) if policy_text else None,
    }


def without_setting(states: States, name: str) -> dict[tuple[str, str], RepositoryState | None]:
    """The states with one setting no longer compared (absent on both sides: never drift)."""
    return {key: replace(state, settings={k: v for k, v in state.settings.items() if k != name})
            if state is not None else None for key, state in states.items()}


def _exclusions(description: dict[str, Any]) -> list[str] | None:
    """The tag mutability exclusion wildcards, sorted: ECR keeps them as a set (None: none)."""
    filters = description.get("imageTagMutabilityExclusionFilters") or []
    return sorted(f["filter"] for f in filters) or None


def image_record(detail: dict[str, Any]) -> ImageRecord:
    """An image from a describe_images imageDetails entry."""
    pushed = detail.get("imagePushedAt")
    if isinstance(pushed, int | float):
        pushed = datetime.fromtimestamp(pushed, UTC)
    return ImageRecord(detail["imageDigest"], frozenset(detail.get("imageTags") or ()), pushed,
                       detail.get("imageStatus") or "ACTIVE")


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
# The destination regions: the same for every repository, or each repository's own (its
# replicate_to): a repository is checked only where it replicates.
Destinations = Sequence[str] | Mapping[str, Sequence[str]]


def regions_of(destinations: Destinations, repository: str) -> Sequence[str]:
    if isinstance(destinations, Mapping):
        return destinations.get(repository, ())
    return destinations


def make_report(
    source_region: str,
    repositories: list[str],
    destinations: Destinations,
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
        for region in regions_of(destinations, name):
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
    source_region: str, repositories: list[str], destinations: Destinations, states: States
) -> list[tuple[str, str]]:
    """(repository, digest) of every source image missing somewhere: the only images whose
    replication status is worth asking for."""
    wanted: dict[tuple[str, str], None] = {}
    for name in repositories:
        source = states.get((source_region, name))
        if source is None:
            continue
        for region in regions_of(destinations, name):
            replica = states.get((region, name))
            for image, _ in image_gaps(source.images, replica.images if replica else {}):
                wanted[(name, image.digest)] = None
    return list(wanted)


