"""Private image replication as ECR performs it, after the sandbox's delay.

Follows https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html:
- each image put into a source registry is copied (manifest, digest, the tag pushed) to every
  destination of every rule whose PREFIX_MATCH filter matches the repository name; a rule
  without filters matches every repository;
- only content pushed after the rule exists is replicated ("Any preexisting content in a
  repository isn't replicated"; a replication backfill copies the rest, see `backfill`), and
  a rule without `deleteReplication` never deletes, so a tag moved in the source moves in each
  destination, while a deleted image or tag stays (a rule with it: `deletion_replication`);
- a missing destination repository is created by ECR on your behalf, with the repository
  creation template for REPLICATION that matches its name, ECR's defaults otherwise
  (https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html);
- replication is single-hop: a replicated image is not replicated again from the destination;
- a replication may have to pass checks first (`check_before_copy`): into another account's
  registry, that registry's permissions (`registry_permissions`).

A push schedules one replication per destination, due `replication_delay_seconds` later on
the sandbox clock; whether it fails is drawn at the push (`replication_failure_rate`, seeded
by `seed`). Due replications, and the other work other behaviours `defer` (replicated
deletions), run in due order at the start of the next request to the emulator, whatever the
service, so a test that moves the clock sees them on its next call, deterministically.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecrrep.sandbox import settings

# Failure code of a replication the failure rate made fail. AWS documents the field but not
# its values; this one says where the failure came from.
INJECTED_FAILURE_CODE = "SANDBOX_INJECTED_FAILURE"
IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Replication:
    """One image (with the one tag pushed, or none) on its way to one destination."""

    account_id: str
    source_region: str
    repository: str
    digest: str
    manifest: str
    media_type: str | None
    tag: str | None
    destination_region: str
    destination_account: str
    due: float
    fails: bool

    @property
    def image_key(self) -> tuple[str, str, str, str]:
        return (self.account_id, self.source_region, self.repository, self.digest)

    @property
    def destination(self) -> tuple[str, str]:
        return (self.destination_region, self.destination_account)


@dataclass(frozen=True)
class Outcome:
    status: str
    failure_code: str | None = None


_lock = threading.RLock()
_pending: list[Replication] = []
# (account, source region, repository, digest) → (destination region, account) → outcome
_outcomes: dict[tuple[str, str, str, str], dict[tuple[str, str], Outcome]] = {}
# (due, action): work other behaviours schedule on the same clock, run in due order with
# the replications (a deletion pushed after an image must not overtake its replication).
_deferred: list[tuple[float, Callable[[], None]]] = []
_rng = random.Random()
_rng_settings: settings.SandboxSettings | None = None
# Called with each finished replication and its outcome (the event behaviour listens).
_listeners: list[Callable[[Replication, Outcome], None]] = []
# Asked before each copy: None to go ahead, else the failure code it ends with.
_checks: list[Callable[[Replication], str | None]] = []


def on_replicated(listener: Callable[[Replication, Outcome], None]) -> None:
    """Call listener with each finished replication and its outcome; once per listener."""
    if listener not in _listeners:
        _listeners.append(listener)


def check_before_copy(check: Callable[[Replication], str | None]) -> None:
    """Ask check before each copy: a failure code it answers makes the replication FAILED
    with that code, and nothing arrives. Once per check."""
    if check not in _checks:
        _checks.append(check)


def rule_destinations(config: dict[str, Any], repository: str,
                      deleting: bool = False) -> list[tuple[str, str]]:
    """(region, registry id) of every destination whose rule matches the repository, once;
    with `deleting`, only the rules that replicate deletions (`deleteReplication.enabled`)."""
    found: list[tuple[str, str]] = []
    for rule in config.get("rules") or []:
        if deleting and not (rule.get("deleteReplication") or {}).get("enabled"):
            continue
        filters = rule.get("repositoryFilters") or []
        if filters and not any(f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH"
                               and repository.startswith(f["filter"]) for f in filters):
            continue
        for destination in rule.get("destinations") or []:
            key = (destination["region"], destination["registryId"])
            if key not in found:
                found.append(key)
    return found


def _draw_failure(current: settings.SandboxSettings) -> bool:
    """Whether this replication fails. The draws restart from `seed` whenever the settings
    change, so a run configured with a seed repeats its failures."""
    global _rng, _rng_settings
    rate = current.replication_failure_rate
    if rate <= 0:
        return False
    if rate >= 1:
        return True
    if current is not _rng_settings:
        _rng, _rng_settings = random.Random(current.seed), current
    return _rng.random() < rate


def schedule(backend: Any, repository: str, image: Any, tag: str | None) -> None:
    """Schedule the replications of an image just put into `backend`'s registry."""
    for destination in rule_destinations(backend.replication_config, repository):
        schedule_to(backend, repository, image, tag, destination)


def schedule_to(backend: Any, repository: str, image: Any, tag: str | None,
                destination: tuple[str, str]) -> Replication:
    """Schedule one replication of an image (with one tag, or none) to one destination."""
    current = settings.current()
    with _lock:
        replication = Replication(
            backend.account_id, backend.region_name, repository,
            image.get_image_digest(), image.image_manifest, image.image_manifest_media_type,
            tag, destination[0], destination[1],
            settings.now() + current.replication_delay_seconds, _draw_failure(current))
        _pending.append(replication)
        _outcomes.setdefault(replication.image_key, {})[replication.destination] = (
            Outcome(IN_PROGRESS))
        return replication


def defer(action: Callable[[], None]) -> None:
    """Run action once the replication delay has passed, in due order with replications."""
    with _lock:
        _deferred.append((settings.now() + settings.current().replication_delay_seconds,
                          action))


def cancel(replications: list[Replication]) -> None:
    """Drop these replications if they have not run yet (a stopped backfill's)."""
    with _lock:
        for replication in replications:
            if not any(p is replication for p in _pending):
                continue
            _pending[:] = [p for p in _pending if p is not replication]
            if not any(p.image_key == replication.image_key
                       and p.destination == replication.destination for p in _pending):
                _outcomes.get(replication.image_key, {}).pop(replication.destination, None)


def statuses(account_id: str, region: str, repository: str,
             digest: str) -> dict[tuple[str, str], Outcome]:
    """Per destination (region, registry id): the state of this image's replication."""
    with _lock:
        return dict(_outcomes.get((account_id, region, repository, digest), {}))


def process_due() -> None:
    """Perform every replication and deferred action whose time has come, oldest first."""
    if not _pending and not _deferred:
        return
    with _lock:
        now = settings.now()
        work: list[tuple[float, Any]] = [(r.due, r) for r in _pending if r.due <= now]
        work += [(due, action) for due, action in _deferred if due <= now]
        _deferred[:] = [(due, action) for due, action in _deferred if due > now]
        for _, item in sorted(work, key=lambda entry: entry[0]):
            if isinstance(item, Replication):
                _replicate(item)
            else:
                item()


def _replicate(replication: Replication) -> None:
    """Perform one due replication, record its outcome and tell the listeners."""
    _pending[:] = [p for p in _pending if p is not replication]
    outcome = _perform(replication)
    still_pending = any(p.image_key == replication.image_key
                        and p.destination == replication.destination for p in _pending)
    if not still_pending:
        _outcomes.setdefault(replication.image_key, {})[replication.destination] = outcome
    for listener in _listeners:
        listener(replication, outcome)


def _perform(replication: Replication) -> Outcome:
    if replication.fails:
        return Outcome(FAILED, INJECTED_FAILURE_CODE)
    refused = next((code for check in _checks if (code := check(replication))), None)
    if refused is not None:
        log.info("replication of %s@%s to %s refused: %s", replication.repository,
                 replication.digest, replication.destination, refused)
        return Outcome(FAILED, refused)
    try:
        _copy(replication)
    except Exception as exc:  # whatever the destination refuses fails this replication
        log.info("replication of %s@%s to %s failed: %s", replication.repository,
                 replication.digest, replication.destination_region, exc)
        return Outcome(FAILED, getattr(exc, "code", None) or type(exc).__name__)
    return Outcome(COMPLETE)


def _copy(replication: Replication) -> None:
    from moto.ecr.models import ecr_backends

    from ecrrep.sandbox.creation_templates import create_repository_for

    backend = ecr_backends[replication.destination_account][replication.destination_region]
    if replication.repository not in backend.repositories:
        create_repository_for(backend, replication.repository, "REPLICATION")
    repository = backend.repositories[replication.repository]
    present = next((i for i in repository.images
                    if i.get_image_digest() == replication.digest), None)
    if present is not None and (replication.tag is None or replication.tag in present.image_tags):
        return
    _put_image_without_replication(
        backend, replication.repository, replication.manifest, replication.tag,
        replication.media_type, replication.digest)


def _put_image_without_replication(*args: Any) -> Any:
    raise RuntimeError("replication is not installed")


def _push_times_on_the_sandbox_clock() -> None:
    """An image's imagePushedAt is when it was put into *that* repository, so a replica's is
    when replication put it there
    (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageDetail.html). moto
    stamps images with the wall clock; on the sandbox server they take the sandbox's clock, so
    a delay passed by moving the clock shows in the replicas' push times."""
    from moto.ecr.models import Image

    from ecrrep.sandbox.request_scope import serving_sandbox

    init = Image.__init__

    def init_on_sandbox_clock(self: Image, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if serving_sandbox():
            # Shifted rather than replaced: moto's own stamp may come from a clock a test set.
            self.image_pushed_at = int(self.image_pushed_at + settings.offset())

    Image.__init__ = init_on_sandbox_clock  # type: ignore[method-assign]


def reset() -> None:
    global _rng_settings
    with _lock:
        _pending.clear()
        _deferred.clear()
        _outcomes.clear()
        _rng_settings = None


def install() -> None:
    from moto.core.responses import BaseResponse
    from moto.ecr.models import ECRBackend

    from ecrrep.sandbox import behaviours
    from ecrrep.sandbox.request_scope import serving_sandbox

    global _put_image_without_replication
    if getattr(ECRBackend.put_image, "_sandbox", False):
        return
    put_image = ECRBackend.put_image
    _put_image_without_replication = put_image

    def put_image_and_replicate(self: ECRBackend, repository_name: str, image_manifest: str,
                                image_tag: str, *args: Any, **kwargs: Any) -> Any:
        image = put_image(self, repository_name, image_manifest, image_tag, *args, **kwargs)
        if serving_sandbox():  # moto elsewhere in the process (mock_aws) keeps moto's ways
            schedule(self, repository_name, image, image_tag)
        return image

    call_action = BaseResponse.call_action

    def call_action_after_due_replications(self: BaseResponse) -> Any:
        process_due()
        return call_action(self)

    put_image_and_replicate._sandbox = True  # type: ignore[attr-defined]
    ECRBackend.put_image = put_image_and_replicate  # type: ignore[method-assign]
    _push_times_on_the_sandbox_clock()
    BaseResponse.call_action = call_action_after_due_replications  # type: ignore[method-assign]
    behaviours.on_reset(reset)
