"""Planning: the plan of a spec under the command's options, and saving it for `apply FILE`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ecrrep.aws.context import AwsContext
from ecrrep.aws.scrub import scrub
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Plan, planfile_document
from ecrrep.engine.planner import plan_for
from ecrrep.engine.saved_plan import (
    SavedPlan,
    SavedPlanError,
    file_digest,
    fresh_plan_of,
    load_saved_plan,
    saved_plan_bytes,
)
from ecrrep.replication.cost import CostEstimate
from ecrrep.replication.usage import plan_cost_estimate
from ecrrep.spec.loader import LoadedSpec
from ecrrep.spec.models import Spec
from ecrrep.workflows import WorkflowError
from ecrrep.workflows.backfill import with_backfills, without_saved_backfills


@dataclass(frozen=True)
class PlanOptions:
    """The planning flags: --adopt, --force-delete-images, --adopt-from."""

    adopt: bool = False
    force_delete_images: bool = False
    adopt_from: str | None = None

    def for_project(self, project: str) -> DiffOptions:
        return DiffOptions(project, adopt=self.adopt,
                           force_delete_images=self.force_delete_images,
                           adopt_from=self.adopt_from)

    def saved(self) -> dict[str, Any]:
        """The options a saved plan records, to plan it again with the same ones at apply."""
        options: dict[str, Any] = {"adopt": self.adopt,
                                   "force_delete_images": self.force_delete_images}
        if self.adopt_from is not None:
            options["adopt_from"] = self.adopt_from
        return options


def plan_changes(aws: AwsContext, spec: Spec, options: PlanOptions,
                 destroy: bool = False) -> Plan:
    """What it takes to bring the account to the spec (to nothing of ours, with destroy)."""
    return with_backfills(aws, plan_for(aws, spec, options.for_project(spec.project), destroy))


def plan_cost(aws: AwsContext, spec: Spec, plan: Plan) -> CostEstimate | None:
    """The monthly change in replication cost the plan makes (None: none); reads only the
    sizes of the repositories whose destinations it changes."""
    return plan_cost_estimate(aws, spec.source_region, plan.changes)


def save_plan(path: str, plan: Plan, loaded: LoadedSpec, options: PlanOptions) -> str:
    """Write the plan file (scrubbed like any output); its digest, for reviewers."""
    document = planfile_document(plan, loaded.text, loaded.path, options.saved())
    data = scrub(saved_plan_bytes(document).decode()).encode()
    Path(path).write_bytes(data)
    return file_digest(data)


def read_saved_plan(path: str) -> SavedPlan:
    try:
        return load_saved_plan(path)
    except SavedPlanError as exc:
        raise WorkflowError(str(exc)) from exc


def replan_saved(aws: AwsContext, saved: SavedPlan, spec: Spec) -> Plan:
    """The fresh plan of a saved plan's spec and options, once the saved changes are shown to
    be exactly its changes on an unchanged account (ecrrep.engine.saved_plan)."""
    try:
        return with_backfills(aws, fresh_plan_of(aws, without_saved_backfills(saved), spec))
    except SavedPlanError as exc:
        raise WorkflowError(str(exc)) from exc
