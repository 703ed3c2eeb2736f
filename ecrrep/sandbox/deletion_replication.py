"""Replication of deletes: a rule with `deleteReplication.enabled` replicates image deletions
and tag removals to the destinations it matches, after the replication delay like a push.

Follows https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-delete.html and
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteReplication.html:
- removing a tag from an image that keeps other tags removes that tag from the image in each
  destination repository;
- removing an image's last tag deletes the image, and deleting an image by digest deletes it
  and all its tags, in each destination repository too;
- a rule without `deleteReplication` (or with `enabled: false`) deletes nothing: the replicas
  stay, as `replication` describes.

What BatchDeleteImage changed is read as a before/after difference of the source repository
(digest → tags), so every way moto deletes (by tag, by digest, both) is covered the same way.
A replicated deletion is never replicated again (replication is single-hop), and one whose
repository or image is already gone in the destination does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Removal:
    """What one BatchDeleteImage did to one image of the source: the tags it removed, or
    the whole image (`tags` None)."""

    repository: str
    digest: str
    tags: tuple[str, ...] | None


def removals(repository: str, before: dict[str, list[str]],
             after: dict[str, list[str]]) -> list[Removal]:
    """The images deleted and the tags removed between two views (digest → tags)."""
    found: list[Removal] = []
    for digest, tags in before.items():
        if digest not in after:
            found.append(Removal(repository, digest, None))
            continue
        removed = tuple(t for t in tags if t not in after[digest])
        if removed:
            found.append(Removal(repository, digest, removed))
    return found


def _tags_by_digest(repository: Any) -> dict[str, list[str]]:
    return {image.get_image_digest(): list(image.image_tags) for image in repository.images}


def apply_removal(removal: Removal, destination: tuple[str, str]) -> None:
    """Do in one destination registry what the source did; nothing if already gone there."""
    from moto.ecr.models import ecr_backends

    region, account = destination
    repository = ecr_backends[account][region].repositories.get(removal.repository)
    if repository is None:
        return
    image = next((i for i in repository.images if i.get_image_digest() == removal.digest), None)
    if image is None:
        return
    if removal.tags is not None:
        for tag in removal.tags:
            image.remove_tag(tag)
    # The last tag gone is the image gone ("Amazon ECR deletes the untagged image").
    if removal.tags is None or not image.image_tags:
        repository.images.remove(image)


def schedule_removals(backend: Any, found: list[Removal]) -> None:
    from ecrrep.sandbox import replication

    for removal in found:
        for destination in replication.rule_destinations(
                backend.replication_config, removal.repository, deleting=True):
            replication.defer(lambda r=removal, d=destination: apply_removal(r, d))


def install() -> None:
    from moto.ecr.models import ECRBackend

    from ecrrep.sandbox.request_scope import serving_sandbox

    if getattr(ECRBackend.batch_delete_image, "_sandbox", False):
        return
    batch_delete_image = ECRBackend.batch_delete_image

    def batch_delete_image_and_replicate(self: ECRBackend, repository_name: str,
                                         *args: Any, **kwargs: Any) -> Any:
        repository = self.repositories.get(repository_name)
        before = _tags_by_digest(repository) if repository is not None else {}
        answer = batch_delete_image(self, repository_name, *args, **kwargs)
        if repository is not None and serving_sandbox():
            schedule_removals(self, removals(repository_name, before,
                                             _tags_by_digest(repository)))
        return answer

    batch_delete_image_and_replicate._sandbox = True  # type: ignore[attr-defined]
    ECRBackend.batch_delete_image = batch_delete_image_and_replicate  # type: ignore[method-assign]
