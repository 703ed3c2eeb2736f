"""Deletions that another deletion in the same plan already does.

A repository's lifecycle policy and repository policy are part of the repository: DeleteRepository
removes them with it ("Deletes a repository ... If the repository isn't empty, you must either
delete the contents of the repository or use the force option",
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DeleteRepository.html, and a
deleted repository's GetLifecyclePolicy / GetRepositoryPolicy answer RepositoryNotFoundException).
Deleting them first would cost two calls per repository per region for nothing (6,000 of a
1,000-repository destroy's 21,000), so a plan that deletes a repository drops the deletions of
what goes with it and says so on the repository's change. A kind declares this with
`deleted_with` (the type of the resource that takes it along, under the same region and name).
"""

from __future__ import annotations

from collections.abc import Mapping

from ecrrep.engine.plan import Change


def without_implied_deletions(changes: list[Change],
                              deleted_with: Mapping[str, str]) -> list[Change]:
    """`changes` without the deletions that a deletion of their parent (kind type →
    parent type in `deleted_with`) carries out; each such parent change notes what goes with
    it. A parent whose deletion is blocked takes nothing along."""
    parents = {(c.type, c.region, c.name): c for c in changes
               if c.action == "delete" and not c.blocked and c.type in deleted_with.values()}
    kept: list[Change] = []
    for change in changes:
        parent = _parent(change, deleted_with, parents)
        if parent is None:
            kept.append(change)
        else:
            parent.notes.append(f"its {_title(change.type)} goes with it")
    return kept


def _parent(change: Change, deleted_with: Mapping[str, str],
            parents: Mapping[tuple[str, str, str], Change]) -> Change | None:
    parent_type = deleted_with.get(change.type)
    if change.action != "delete" or change.blocked or parent_type is None:
        return None
    return parents.get((parent_type, change.region, change.name))


def _title(type_: str) -> str:
    return type_.removeprefix("ecr_").replace("_", " ")

