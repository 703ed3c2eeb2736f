"""The cleanup function: expire old images, then publish the metrics the alarms watch.

It first keeps only the configured repositories the project owns (`ownership.py`: the
`ecrrep:project` tag read from each repository), so another project's repository under the
same prefix is never touched. For each of those in the source region it deletes the images
older than the repository's retention, except those with a tag starting with a protected
prefix and the repository's newest image; in batches of at most 100; nothing in a dry run.
Archived images are left to the lifecycle policy: DescribeImages lists ACTIVE images only, and
deleting an image archived less than 90 days ago is billed for the 90 days anyway
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html). It
logs one line per image, then publishes (namespace ECRRep) ImagesExpired and RepositorySizeBytes per
repository and ReplicationFailureRate per destination region. A dry run publishes them too
(ImagesExpired 0): the alarms watch the other two whatever the mode.

Lambda calls `handler(event, context)`; `ecrrep cleanup` and the tests call `run_cleanup` with
a configuration, a client factory and, for tests, the time to judge ages against.
Imports: the standard library, boto3 and ecrrep.cleanup.function's own modules only (the Lambda
zip holds no more).
Lambda reads its configuration from the settings file in its own package (see config.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ecrrep.cleanup.function import metrics
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.cleanup.function.ownership import ForeignRepository, owned_repositories
from ecrrep.cleanup.function.references import is_index, kept_by_reference

logger = logging.getLogger("ecrrep.cleanup")

# BatchDeleteImage takes at most 100 image ids per call.
MAX_DELETE_BATCH = 100

# A client factory: (service, region) → boto3 client.
Clients = Callable[[str, str], Any]

DELETED = "deleted"
WOULD_DELETE = "would-delete"
FAILED = "failed"
GONE = "gone"  # already deleted by someone else (or an earlier attempt): nothing to do
# ECR refused: the image is a child of an index that stays. Kept, as it should be; not a failure.
KEPT = "kept"
REFERENCED_BY_INDEX = "ImageReferencedByManifestList"


# -- entry points ----------------------------------------------------------------------------


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda's entry point. The event may ask for a dry run ({"dry_run": true}); it can
    never turn a configured dry run off."""
    # Lambda's root logger has the handler; our records propagate to it from INFO up.
    logger.setLevel(logging.INFO)
    config = CleanupConfig.from_settings_file()
    if isinstance(event, dict) and event.get("dry_run") is True:
        config = replace(config, dry_run=True)
    return run_cleanup(config, lambda_clients())


def lambda_clients() -> Clients:
    """Clients with botocore's standard retries, one per (service, region)."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 10})
    cache: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        if (service, region) not in cache:
            cache[(service, region)] = boto3.client(service, region_name=region, config=config)
        return cache[(service, region)]

    return client


def run_cleanup(config: CleanupConfig, clients: Clients, now: datetime | None = None) -> dict:
    """Clean every managed repository, publish the metrics; a JSON-ready summary."""
    now = now or datetime.now(UTC)
    ecr = clients("ecr", config.source_region)
    owned, foreign = owned_repositories(ecr, config)
    for repository in foreign:
        logger.warning("%s", repository.message(config.project))
    results = [clean_repository(ecr, config, name, now) for name in owned]
    present = [r for r in results if r.exists]
    rates = [
        replication_in(clients("ecr", region), region, present, now,
                       timedelta(minutes=config.replication_grace_minutes))
        for region in config.destination_regions
    ]
    project = config.project
    data = [metrics.images_expired_datum(r.repository, r.deleted, project=project)
            for r in present]
    data += [metrics.repository_size_datum(r.repository, r.size_bytes, project=project)
             for r in present]
    data += [metrics.replication_failure_rate_datum(r.region, r.percent, project=project)
             for r in rates]
    published = metrics.publish(clients("cloudwatch", config.source_region), data)
    return summary(config, now, results, rates, published, foreign)


# -- one repository --------------------------------------------------------------------------


@dataclass
class RepositoryResult:
    name: str
    repository: str
    retention_days: int
    exists: bool = True
    images: list[dict[str, Any]] = field(default_factory=list)  # as found, describe_images
    expired: list[dict[str, Any]] = field(default_factory=list)  # with "status"
    protected: int = 0
    referenced: int = 0  # past retention, kept because an image that stays references it

    @property
    def deleted(self) -> int:
        return sum(e["status"] == DELETED for e in self.expired)

    @property
    def remaining(self) -> list[dict[str, Any]]:
        gone = {e["digest"] for e in self.expired if e["status"] in (DELETED, GONE)}
        return [i for i in self.images if i["imageDigest"] not in gone]

    @property
    def size_bytes(self) -> int:
        return metrics.repository_size_bytes(self.remaining)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "repository": self.repository,
            "exists": self.exists,
            "retention_days": self.retention_days,
            "images": len(self.images),
            "expired": self.expired,
            "deleted": self.deleted,
            "protected": self.protected,
            "referenced": self.referenced,
            "failed": sum(e["status"] == FAILED for e in self.expired),
            "size_bytes": self.size_bytes,
        }


def clean_repository(ecr: Any, config: CleanupConfig, name: str, now: datetime) -> RepositoryResult:
    repository = config.repository_name(name)
    result = RepositoryResult(name, repository, config.retention_days(name))
    try:
        result.images = describe_images(ecr, repository)
    except Exception as exc:
        if _error_code(exc) != "RepositoryNotFoundException":
            raise
        logger.warning("repository %s does not exist in %s: skipped", repository,
                       config.source_region)
        result.exists = False
        return result
    old, result.protected = images_to_expire(
        result.images, result.retention_days, config.protected_tag_prefixes, now)
    referenced = kept_by_reference(ecr, repository, result.images, old)
    result.referenced = len(referenced)
    old = [i for i in old if i["imageDigest"] not in referenced]
    if config.dry_run:
        result.expired = [_entry(image, WOULD_DELETE, now) for image in old]
        for entry in result.expired:
            logger.info("would delete %s", _describe(repository, entry, result.retention_days))
    else:
        # Indexes in calls of their own, before the rest: ECR refuses to delete a child while
        # its index exists, and a batch's order is not a promise.
        indexes = [i for i in old if is_index(i)]
        others = [i for i in old if not is_index(i)]
        result.expired = [
            *delete_images(ecr, repository, indexes, now, result.retention_days),
            *delete_images(ecr, repository, others, now, result.retention_days),
        ]
    return result


def images_to_expire(
    images: list[dict[str, Any]],
    retention_days: int,
    protected_prefixes: Iterable[str],
    now: datetime,
) -> tuple[list[dict[str, Any]], int]:
    """The images past their retention, oldest first, and how many old images a protected
    tag keeps. The newest image always stays, whatever its age: a repository is never
    emptied by cleanup."""
    if not images:
        return [], 0
    newest = max(images, key=_age_order)
    cutoff = now - timedelta(days=retention_days)
    prefixes = tuple(protected_prefixes)
    old = [i for i in images if i is not newest and _aware(i["imagePushedAt"]) < cutoff]
    kept = [i for i in old if _protected(i, prefixes)]
    expire = [i for i in old if not _protected(i, prefixes)]
    return sorted(expire, key=_age_order), len(kept)


def delete_images(
    ecr: Any, repository: str, images: list[dict[str, Any]], now: datetime, retention: int
) -> list[dict[str, Any]]:
    """Delete by digest (every tag of the image goes with it), at most 100 per call; one log
    line per image."""
    entries = []
    for start in range(0, len(images), MAX_DELETE_BATCH):
        batch = images[start:start + MAX_DELETE_BATCH]
        answer = ecr.batch_delete_image(
            repositoryName=repository,
            imageIds=[{"imageDigest": image["imageDigest"]} for image in batch],
        )
        failures = {
            f.get("imageId", {}).get("imageDigest"): f for f in answer.get("failures") or []
        }
        for image in batch:
            failure = failures.get(image["imageDigest"])
            entries.append(_after_delete(repository, image, failure, now, retention))
    return entries


def _after_delete(
    repository: str, image: dict[str, Any], failure: dict[str, Any] | None, now: datetime,
    retention: int,
) -> dict[str, Any]:
    if failure is None:
        entry = _entry(image, DELETED, now)
        logger.info("deleted %s", _describe(repository, entry, retention))
    elif failure.get("failureCode") == "ImageNotFound":
        entry = _entry(image, GONE, now)
        logger.info("already gone %s", _describe(repository, entry, retention))
    elif failure.get("failureCode") == REFERENCED_BY_INDEX:
        entry = _entry(image, KEPT, now)
        logger.info("kept %s: an image index that stays refers to it",
                    _describe(repository, entry, retention))
    else:
        entry = _entry(image, FAILED, now)
        entry["error"] = f"{failure.get('failureCode')}: {failure.get('failureReason')}"
        logger.warning("could not delete %s: %s", _describe(repository, entry, retention),
                       entry["error"])
    return entry


# -- replication -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicationRate:
    region: str
    source_images: int
    missing: int
    percent: float

    def to_json(self) -> dict[str, Any]:
        return {"region": self.region, "source_images": self.source_images,
                "missing": self.missing, "failure_rate_percent": round(self.percent, 3)}


def replication_in(
    ecr: Any, region: str, results: list[RepositoryResult], now: datetime, grace: timedelta
) -> ReplicationRate:
    """ReplicationFailureRate for one destination region: the share of the source's images
    (what cleanup left) that the region lacks although pushed before the grace period."""
    pushed_at: dict[str, datetime | None] = {}
    present: set[str] = set()
    for result in results:
        remaining = result.remaining
        for image in remaining:
            pushed_at[f"{result.name}@{image['imageDigest']}"] = _aware(image["imagePushedAt"])
        if remaining:
            present |= {f"{result.name}@{d}" for d in list_digests(ecr, result.repository)}
    missing = metrics.missing_after_grace(pushed_at, present, now, grace)
    percent = metrics.replication_failure_rate(set(pushed_at), missing)
    return ReplicationRate(region, len(pushed_at), len(missing), percent)


# -- reads -----------------------------------------------------------------------------------


def describe_images(ecr: Any, repository: str) -> list[dict[str, Any]]:
    return _paginate(ecr, "describe_images", "imageDetails", repositoryName=repository)


def list_digests(ecr: Any, repository: str) -> set[str]:
    """The image digests a repository holds, archived ones too (a replica ECR archived still
    holds the image); none when the repository does not exist."""
    try:
        ids = _paginate(ecr, "list_images", "imageIds", repositoryName=repository,
                        **_every_image_status(ecr))
    except Exception as exc:
        if _error_code(exc) == "RepositoryNotFoundException":
            return set()
        raise
    return {i["imageDigest"] for i in ids if i.get("imageDigest")}


def _every_image_status(ecr: Any) -> dict[str, Any]:
    """ListImages' filter for every imageStatus: without it ECR lists ACTIVE images only
    (botocore's ListImagesFilter.imageStatus;
    https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html). Lambda's own
    boto3 may predate the field, and would refuse it: then no filter, as before."""
    members = ecr.meta.service_model.shape_for("ListImagesFilter").members
    return {"filter": {"imageStatus": "ANY"}} if "imageStatus" in members else {}


def _paginate(client: Any, operation: str, key: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    for page in client.get_paginator(operation).paginate(**params):
        items.extend(page.get(key, []))
    return items


# -- summary ---------------------------------------------------------------------------------


def summary(
    config: CleanupConfig,
    now: datetime,
    results: list[RepositoryResult],
    rates: list[ReplicationRate],
    published: int,
    foreign: list[ForeignRepository] | None = None,
) -> dict[str, Any]:
    expired = [e for r in results for e in r.expired]
    foreign = foreign or []
    return {
        "dry_run": config.dry_run,
        "checked_at": _iso(now),
        "source_region": config.source_region,
        "protected_tag_prefixes": list(config.protected_tag_prefixes),
        "repositories": [r.to_json() for r in results],
        "replication": [r.to_json() for r in rates],
        # Configured repositories left alone because the project does not own them.
        "skipped": [{**f.to_json(), "message": f.message(config.project)} for f in foreign],
        "deleted": sum(e["status"] == DELETED for e in expired),
        "would_delete": sum(e["status"] == WOULD_DELETE for e in expired),
        "failed": sum(e["status"] == FAILED for e in expired),
        "metrics_published": published,
    }


# -- helpers ---------------------------------------------------------------------------------


def _entry(image: dict[str, Any], status: str, now: datetime) -> dict[str, Any]:
    pushed_at = _aware(image["imagePushedAt"])
    return {
        "digest": image["imageDigest"],
        "tags": list(image.get("imageTags") or []),
        "pushed_at": _iso(pushed_at),
        "age_days": round((now - pushed_at).total_seconds() / 86400, 1),
        "size_bytes": int(image.get("imageSizeInBytes") or 0),
        "status": status,
    }


def _describe(repository: str, entry: dict[str, Any], retention: int) -> str:
    tags = ",".join(entry["tags"]) or "untagged"
    return (f"{repository}@{entry['digest']} tags={tags} pushed={entry['pushed_at']} "
            f"age={entry['age_days']}d retention={retention}d")


def _protected(image: dict[str, Any], prefixes: tuple[str, ...]) -> bool:
    return any(tag.startswith(prefixes) for tag in image.get("imageTags") or ())


def _age_order(image: dict[str, Any]) -> tuple[datetime, str]:
    return _aware(image["imagePushedAt"]), image["imageDigest"]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code", "")
    return ""
