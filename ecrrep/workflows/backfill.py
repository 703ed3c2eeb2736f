"""Replication backfill: the plan's backfills (which existing repositories hold images), starting
them after apply wrote the rules, `ecrrep backfill` by hand, and waiting for them.

StartReplicationBackfill (botocore 1.44 model;
https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html): one
destination (Region and registry) that the replication configuration already names, else
InvalidParameterException; one backfill in progress per destination Region
(ReplicationBackfillInProgressException), at most 10 in progress per registry
(LimitExceededException). ECR evaluates the configuration when the backfill starts, so it is
started only once the rules are written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ecrrep.aws import (
    AWS_EXCEPTIONS,
    AwsError,
    aws_action,
    aws_error,
    interrupts,
    translate_error,
)
from ecrrep.aws.ecr_images import already_read
from ecrrep.engine import backfill
from ecrrep.replication.backfills import BackfillState, describe_backfill, latest_backfills
from ecrrep.replication.routing import Destination, destinations_of
from ecrrep.workflows import WorkflowError

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.engine.plan import Plan
    from ecrrep.engine.planner import ApplyReport
    from ecrrep.engine.saved_plan import SavedPlan
    from ecrrep.spec.models import Spec

POLL_SECONDS = 10.0
DEFAULT_WAIT_SECONDS = 1800.0


# -- planning --------------------------------------------------------------------------------


def holds_images(ctx: AwsContext, region: str, repository: str) -> bool:
    """Whether a repository holds any image: from the images this run has read (the cost
    estimate sizes the same repositories), else one ListImages of one result."""
    if (images := already_read(ctx, region, repository)) is not None:
        return bool(images)
    with aws_action(f"{repository} ({region})", "ListImages"):
        try:
            answer = ctx.client("ecr", region).list_images(repositoryName=repository,
                                                           maxResults=1)
        except aws_error("RepositoryNotFoundException"):
            return False
    return bool(answer.get("imageIds"))


def with_backfills(ctx: AwsContext, plan: Plan) -> Plan:
    """The plan with its backfills noted on the rule changes. Reads whether a repository holds
    images only for the repositories that gain a destination (none on a plan that changes no
    rule and adopts nothing)."""
    wanted = backfill.candidates(plan)
    if not wanted:
        return plan
    region = backfill.rule_changes(plan)[0].region
    names = sorted({n for found in wanted.values() for n in found})
    answers = ctx.map(lambda item: holds_images(ctx, *item), [(region, n) for n in names])
    holding = {name for name, holds in zip(names, answers, strict=True) if holds}
    return backfill.annotate(plan, backfill.planned_backfills(plan, holding))


def without_saved_backfills(saved: SavedPlan) -> SavedPlan:
    """A saved plan without its backfill notes: the fresh plan it is checked against is made
    without them, and they are derived again from the account afterwards."""
    return replace(saved, plan=backfill.without_backfills(saved.plan))


# -- starting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackfillStart:
    """What became of starting one backfill: started, already running, or failed."""

    region: str
    registry_id: str
    outcome: str  # "started" | "in progress" | "failed"
    id: str | None = None
    status: str | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"region": self.region, "registry_id": self.registry_id,
                               "outcome": self.outcome, "id": self.id, "status": self.status}
        if self.error:
            out["error"] = self.error
        return out


def start_backfill(ctx: AwsContext, source_region: str, destination: Destination,
                   ) -> BackfillStart:
    """Start one backfill. One already in progress to that Region is no failure: ECR allows
    one at a time, and it is found and named instead."""
    region, registry_id = destination
    # Tried once: botocore's standard mode takes LimitExceededException for throttling and
    # would retry it for about a minute, but here it means 10 backfills in progress, which
    # last far longer. A throttled or failed start is reported with the way to start it again.
    client = ctx.client("ecr", source_region, retries=False)
    try:
        with aws_action(f"replication backfill to {region} ({source_region})",
                        "StartReplicationBackfill"):
            try:
                answer = client.start_replication_backfill(
                    destination={"region": region, "registryId": registry_id})
            except aws_error("ReplicationBackfillInProgressException"):
                running = [b for b in latest_backfills(ctx, source_region, [region])
                           if b.running and b.registry_id == registry_id]
                found = running[0] if running else None
                return BackfillStart(region, registry_id, "in progress",
                                     found.id if found else None,
                                     found.status if found else None)
    except AWS_EXCEPTIONS + (AwsError,) as exc:
        return BackfillStart(region, registry_id, "failed", error=translate_error(exc).line())
    return BackfillStart(region, registry_id, "started", answer["replicationBackfillId"],
                         answer.get("status"))


def start_planned(ctx: AwsContext, plan: Plan, report: ApplyReport) -> list[BackfillStart]:
    """The plan's backfills, started once every rule change it made succeeded (a rule that
    failed or was not written leaves its destination without a backfill to start)."""
    planned = backfill.backfills_in(plan)
    if not planned:
        return []
    unfinished = {c.address for c, _ in report.failed} | {c.address for c in report.not_done}
    if any(c.address in unfinished for c in backfill.rule_changes(plan)):
        return []
    source = backfill.rule_changes(plan)[0].region
    return ctx.map(lambda b: start_backfill(ctx, source, b.destination), planned)


def project_destinations(ctx: AwsContext, spec: Spec) -> list[Destination]:
    """Every destination the registry's rules send one of the spec's repositories to."""
    from ecrrep.replication.read import managed_repositories

    with aws_action(f"registry ({spec.source_region})", "DescribeRegistry"):
        registry = ctx.client("ecr", spec.source_region).describe_registry()
    rules = registry.get("replicationConfiguration", {}).get("rules", [])
    found: set[Destination] = set()
    for name in managed_repositories(spec):
        found |= destinations_of(name, rules)
    return sorted(found)


def start_for_project(ctx: AwsContext, spec: Spec, region: str | None) -> list[BackfillStart]:
    """`ecrrep backfill`: a backfill to every destination of the project, or to `region`."""
    destinations = project_destinations(ctx, spec)
    if region is not None:
        chosen = [d for d in destinations if d[0] == region]
        if not chosen:
            named = ", ".join(d[0] for d in destinations) or "none"
            raise WorkflowError(f"--region {region}: not a destination of this project's "
                                f"replication rules (destinations: {named}); nothing was "
                                "started")
        destinations = chosen
    if not destinations:
        raise WorkflowError("no replication rule sends this project's repositories anywhere "
                            "yet: run `ecrrep apply` first; nothing was started")
    return [start_backfill(ctx, spec.source_region, d) for d in destinations]


# -- waiting ---------------------------------------------------------------------------------


def wait_for_backfills(ctx: AwsContext, source_region: str, ids: list[str], seconds: float,
                       on_poll: Callable[[list[BackfillState], float], None] = lambda s, t: None,
                       clock: Callable[[], float] = time.monotonic,
                       sleep: Callable[[float], None] = interrupts.sleep,
                       poll_seconds: float = POLL_SECONDS) -> list[BackfillState]:
    """Describe the backfills until every one has ended or `seconds` pass; the last states."""
    deadline = clock() + max(0.0, seconds)
    while True:
        states = [describe_backfill(ctx, source_region, i) for i in ids]
        left = deadline - clock()
        on_poll(states, max(0.0, left))
        if not any(s.running for s in states) or left <= 0:
            return states
        sleep(min(poll_seconds, left))
