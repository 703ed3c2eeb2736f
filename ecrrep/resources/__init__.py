"""Resource kinds, in dependency order: apply creates and updates in this order and deletes
in the reverse one (ownership claims before anything they claim, roles before the repository
policies naming them, repositories in every region before the replication rule that would
otherwise create them without our settings). Each kind declares the kinds it needs before it
(`depends_on`); tests/unit/test_kind_dependencies.py checks this order against them."""

from __future__ import annotations

from ecrrep.resources.base import ResourceKind


def all_kinds() -> list[ResourceKind]:
    from ecrrep.resources import (
        alarms,
        claims,
        cleanup_function,
        creation_templates,
        dashboard,
        lifecycle_policies,
        registry_policy,
        registry_scanning,
        replication,
        replication_events,
        repositories,
        repository_policies,
        roles,
        schedule,
        subscription,
        topic,
    )

    return [
        # First: a claim exists before what it claims, and outlives it.
        claims.KIND,
        roles.KIND,
        repositories.KIND,
        lifecycle_policies.KIND,
        repository_policies.KIND,
        # Before the rule: a template affects only repositories created after it.
        creation_templates.KIND,
        # Before the rule: another account's registry must let ours replicate into it.
        registry_policy.KIND,
        replication.KIND,
        registry_scanning.KIND,
        # Monitoring and automation: the topic before what notifies it, the function before
        # its schedule, the events role (in roles) and the topic before the event rules.
        topic.KIND,
        subscription.KIND,
        alarms.KIND,
        dashboard.KIND,
        cleanup_function.KIND,
        schedule.KIND,
        replication_events.KIND,
    ]

