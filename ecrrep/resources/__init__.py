"""Resource kinds, in dependency order: apply creates and updates in this order and deletes
in the reverse one (roles before the repository policies naming them, repositories in every
region before the replication rule that would otherwise create them without our settings)."""

from __future__ import annotations

from ecrrep.resources.base import ResourceKind


def all_kinds() -> list[ResourceKind]:
    from ecrrep.resources import (
        lifecycle_policies,
        replication,
        repositories,
        repository_policies,
        roles,
    )

    return [
        roles.KIND,
        repositories.KIND,
        lifecycle_policies.KIND,
        repository_policies.KIND,
        replication.KIND,
    ]


def kind_by_type() -> dict[str, ResourceKind]:
    return {kind.type: kind for kind in all_kinds()}
