"""Replication backfill, which moto lacks: StartReplicationBackfill,
DescribeReplicationBackfillResults, ListReplicationBackfills and StopReplicationBackfill.

Follows https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html and
botocore's ECR model (1.44):
- a backfill targets one destination (Region and registry) that the replication
  configuration already names, else InvalidParameterException; it replicates the source's
  existing images that the rules for that destination match, each image and tag combination
  counted as one replication. The sandbox leaves out the combinations already in the
  destination, so a backfill after replication has caught up copies nothing;
- one backfill in progress per destination Region (a second start is
  ReplicationBackfillInProgressException), at most 10 in progress per registry
  (LimitExceededException);
- statuses: Start answers PREPARING (the sandbox prepares at once, so the next read is
  IN_PROGRESS); IN_PROGRESS until every replication has run, which is after
  `replication_delay_seconds` on the sandbox clock like a push; then COMPLETE, or FAILED when
  at least half failed once at least 100 have run; per-image results only once it has ended;
- Stop is for PREPARING or IN_PROGRESS only (else ReplicationBackfillInvalidStatusException):
  the replications not yet done are dropped, those done stay; it answers STOPPING, and the
  backfill is STOPPED from the next read on.

The replications are the `replication` module's own, so they fail at the configured
`replication_failure_rate`, create missing repositories from creation templates, update
DescribeImageReplicationStatus and put replication events, exactly as pushes do.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ecrrep.sandbox import replication, settings

PREPARING, IN_PROGRESS, COMPLETE = "PREPARING", "IN_PROGRESS", "COMPLETE"
FAILED, STOPPING, STOPPED = "FAILED", "STOPPING", "STOPPED"
RUNNING = (PREPARING, IN_PROGRESS)
MAX_IN_PROGRESS = 10
# "A replication backfill automatically fails if 50% or more of the underlying replications
# fail. This threshold is only evaluated after at least 100 replications are processed."
FAILURE_SHARE, FAILURE_MINIMUM = 0.5, 100


@dataclass
class Backfill:
    id: str
    account_id: str
    region: str
    destination: tuple[str, str]
    started_at: float
    due: float
    replications: list[replication.Replication]
    outcomes: dict[int, replication.Outcome] = field(default_factory=dict)
    status: str = IN_PROGRESS
    ended_at: float | None = None

    def refresh(self) -> str:
        """Move on to a terminal status once the work is done; returns the status."""
        if self.status == STOPPING:
            self.status, self.ended_at = STOPPED, settings.now()
        done = len(self.outcomes) == len(self.replications)
        if self.status == IN_PROGRESS and done and settings.now() >= self.due:
            failed = self.failed_count()
            fails = len(self.outcomes) >= FAILURE_MINIMUM and (
                failed >= FAILURE_SHARE * len(self.outcomes))
            self.status, self.ended_at = (FAILED if fails else COMPLETE), self.due
        return self.status

    def failed_count(self) -> int:
        return sum(o.status == replication.FAILED for o in self.outcomes.values())


_backfills: dict[str, Backfill] = {}
# id() of a pending backfill replication → its backfill (value-equal pushes must not count).
_by_replication: dict[int, Backfill] = {}


def qualifying_images(backend: Any, destination: tuple[str, str]) -> list[tuple[str, Any, Any]]:
    """(repository, image, tag or None) of every image and tag combination the rules send to
    this destination and that the destination does not hold yet."""
    from moto.ecr.models import ecr_backends

    target = ecr_backends[destination[1]][destination[0]]
    found = []
    for name, repository in sorted(backend.repositories.items()):
        if destination not in replication.rule_destinations(backend.replication_config, name):
            continue
        present = _tags_by_digest(target.repositories.get(name))
        for image in repository.images:
            there = present.get(image.get_image_digest())
            for tag in image.image_tags or [None]:
                if there is None or (tag is not None and tag not in there):
                    found.append((name, image, tag))
    return found


def _tags_by_digest(repository: Any) -> dict[str, list[str]]:
    if repository is None:
        return {}
    return {i.get_image_digest(): list(i.image_tags) for i in repository.images}


def record_outcome(done: replication.Replication, outcome: replication.Outcome) -> None:
    """Listener on every finished replication: count those of backfills."""
    backfill = _by_replication.pop(id(done), None)
    if backfill is not None:
        index = next(i for i, r in enumerate(backfill.replications) if r is done)
        backfill.outcomes[index] = outcome


def reset() -> None:
    _backfills.clear()
    _by_replication.clear()


# -- the API -----------------------------------------------------------------------------


@functools.cache
def _errors() -> dict[str, type]:
    """The ECR error classes these operations raise, by code."""
    from moto.core.exceptions import ServiceException
    from moto.ecr.exceptions import InvalidParameterException

    def error(code: str) -> type:
        return type(code, (ServiceException,), {"code": code})

    return {"InvalidParameterException": InvalidParameterException,
            **{code: error(code) for code in (
                "LimitExceededException", "ReplicationBackfillInProgressException",
                "ReplicationBackfillNotFoundException",
                "ReplicationBackfillInvalidStatusException")}}


def _timestamp(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _destination(backfill: Backfill) -> dict[str, str]:
    return {"region": backfill.destination[0], "registryId": backfill.destination[1]}


def _progress(backfill: Backfill) -> dict[str, Any]:
    codes = sorted({o.failure_code for o in backfill.outcomes.values()
                    if o.status == replication.FAILED and o.failure_code})
    failed = backfill.failed_count()
    return {"totalReplicationCount": len(backfill.replications),
            "completedReplicationCount": len(backfill.outcomes) - failed,
            "failedReplicationCount": failed, "failureCodes": codes}


def summary(backfill: Backfill) -> dict[str, Any]:
    """The ReplicationBackfillSummary shape, as ListReplicationBackfills answers it."""
    backfill.refresh()
    found = {"replicationBackfillId": backfill.id, "destination": _destination(backfill),
             "status": backfill.status, "progress": _progress(backfill),
             "startedAt": _timestamp(backfill.started_at),
             "endedAt": _timestamp(backfill.ended_at)}
    return {k: v for k, v in found.items() if v is not None}


def results(backfill: Backfill, wanted: str | None) -> list[dict[str, Any]]:
    """ReplicationBackfillResult of each replication run, once the backfill has ended."""
    if backfill.refresh() in RUNNING + (STOPPING,):
        return []
    found = []
    for index, outcome in sorted(backfill.outcomes.items()):
        done = backfill.replications[index]
        if wanted and outcome.status != wanted:
            continue
        image_id = {"imageDigest": done.digest, **({"imageTag": done.tag} if done.tag else {})}
        found.append({"repositoryName": done.repository, "imageId": image_id,
                      "status": outcome.status,
                      **({"failureCode": outcome.failure_code} if outcome.failure_code else {})})
    return found


def _page(response: Any, items: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """One page of items and the token of the next, as botocore's paginators expect."""
    start = int(response._get_param("nextToken") or 0)
    size = response._get_param("maxResults") or limit
    following = start + size
    return items[start:following], (str(following) if following < len(items) else None)


def _registry_backfills(response: Any) -> list[Backfill]:
    backend = response.ecr_backend
    return [b for b in _backfills.values()
            if (b.account_id, b.region) == (backend.account_id, backend.region_name)]


def _found(response: Any) -> Backfill:
    wanted = response._get_param("replicationBackfillId")
    for backfill in _registry_backfills(response):
        if backfill.id == wanted:
            return backfill
    raise _errors()["ReplicationBackfillNotFoundException"](
        f"The replication backfill with id '{wanted}' does not exist in the registry with id "
        f"'{response.current_account}'")


def _check_can_start(response: Any, destination: tuple[str, str]) -> None:
    errors = _errors()
    backend = response.ecr_backend
    configured = {(d["region"], d["registryId"])
                  for rule in backend.replication_config.get("rules") or []
                  for d in rule.get("destinations") or []}
    if destination not in configured:
        raise errors["InvalidParameterException"](
            f"Invalid parameter at 'destination' failed to satisfy constraint: 'The "
            f"destination {destination[0]}/{destination[1]} is not in the registry's "
            f"replication configuration'")
    running = [b for b in _registry_backfills(response) if b.refresh() in RUNNING]
    if any(b.destination[0] == destination[0] for b in running):
        raise errors["ReplicationBackfillInProgressException"](
            f"A replication backfill is already in progress for the destination Region "
            f"'{destination[0]}'")
    if len(running) >= MAX_IN_PROGRESS:
        raise errors["LimitExceededException"](
            f"A registry can have at most {MAX_IN_PROGRESS} replication backfills in progress")


def _answer(response: Any, **fields: Any) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"registryId": response.current_account, **fields})


def start_replication_backfill(self: Any) -> Any:
    given = self._get_param("destination") or {}
    destination = (given.get("region"), given.get("registryId"))
    _check_can_start(self, destination)
    now = settings.now()
    backfill = Backfill(str(uuid.uuid4()), self.ecr_backend.account_id,
                        self.ecr_backend.region_name, destination, now,
                        now + settings.current().replication_delay_seconds, [])
    for name, image, tag in qualifying_images(self.ecr_backend, destination):
        scheduled = replication.schedule_to(self.ecr_backend, name, image, tag, destination)
        backfill.replications.append(scheduled)
        _by_replication[id(scheduled)] = backfill
    _backfills[backfill.id] = backfill
    return _answer(self, replicationBackfillId=backfill.id,
                   destination=_destination(backfill), status=PREPARING,
                   startedAt=_timestamp(now))


def describe_replication_backfill_results(self: Any) -> Any:
    backfill = _found(self)
    page, token = _page(self, results(backfill, self._get_param("resultStatusFilter")), 1000)
    found = summary(backfill)
    answer = {k: found[k] for k in ("destination", "status", "progress", "startedAt",
                                    "endedAt") if k in found}
    return _answer(self, replicationBackfillId=backfill.id, **answer,
                   results=page, **({"nextToken": token} if token else {}))


def list_replication_backfills(self: Any) -> Any:
    from moto.core.responses import ActionResult

    backfills = sorted(_registry_backfills(self), key=lambda b: b.started_at, reverse=True)
    page, token = _page(self, [summary(b) for b in backfills], 50)
    return ActionResult({"registryId": self.current_account, "backfills": page,
                         **({"nextToken": token} if token else {})})


def stop_replication_backfill(self: Any) -> Any:
    backfill = _found(self)
    if backfill.refresh() not in RUNNING:
        raise _errors()["ReplicationBackfillInvalidStatusException"](
            f"The replication backfill with id '{backfill.id}' is {backfill.status} and can "
            f"no longer be stopped")
    undone = [r for i, r in enumerate(backfill.replications) if i not in backfill.outcomes]
    replication.cancel(undone)
    for dropped in undone:
        _by_replication.pop(id(dropped), None)
    backfill.status = STOPPING
    return _answer(self, replicationBackfillId=backfill.id,
                   destination=_destination(backfill), status=STOPPING,
                   startedAt=_timestamp(backfill.started_at))


API = (start_replication_backfill, describe_replication_backfill_results,
       list_replication_backfills, stop_replication_backfill)


def install() -> None:
    from moto.ecr.responses import ECRResponse

    from ecrrep.sandbox import behaviours

    for handler in API:
        setattr(ECRResponse, handler.__name__, handler)
    replication.on_replicated(record_outcome)
    behaviours.on_reset(reset)
