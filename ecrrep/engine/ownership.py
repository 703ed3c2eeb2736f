"""Who owns a resource ecrrep read, in one of three states, and the words for each.

- ours: it carries the ownership tag `ecrrep:project=<our project>` (or, for what cannot carry
  a tag, this project's claim names it: see `ecrrep.engine.claims`);
- unowned: no ecrrep project owns it (no ownership tag, no claim): `--adopt` may take it;
- another project's: its ownership tag (or a claim) names another ecrrep project: `--adopt`
  never takes it, `--adopt-from PROJECT` transfers it.

`RunLedger` remembers what this run read as ours (or may take over under this run's options),
so that apply never updates or deletes anything else, whatever plan it is handed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from ecrrep.aws.tagging import OWNERSHIP_TAG, project_of
from ecrrep.spec.documents import documents_differ

if TYPE_CHECKING:
    from ecrrep.engine.diff import DiffOptions
    from ecrrep.engine.plan import Change, Plan, Resource

State = Literal["ours", "unowned", "another project's"]
# Where the claims of what cannot carry a tag are kept (`ecrrep.engine.claims`).
CLAIMS_WHERE = "claims are SSM parameters under /ecrrep/<project>/"


def owner_of(resource: Resource) -> str | None:
    """The ecrrep project a resource belongs to, as read: the kind's own reading, else the
    ownership tag among its read tags."""
    if resource.owned and resource.owner is None:
        return None  # ours; the kind needs no project name for it
    if resource.owner is not None:
        return resource.owner
    tags = resource.attrs.get("tags") if isinstance(resource.attrs, dict) else None
    return project_of(tags) if isinstance(tags, dict) else None


def state_of(resource: Resource, project: str) -> State:
    if resource.owned:
        return "ours"
    owner = owner_of(resource)
    if owner is None or owner == project:
        # A tag naming us on a resource the kind did not accept as ours (a claim that cannot
        # be shown, say) proves nothing: unowned.
        return "unowned"
    return "another project's"


def may_take_over(resource: Resource, options: DiffOptions) -> bool:
    """Whether this run may change a resource it does not own: `--adopt` takes what no
    project owns, `--adopt-from P` what project P owns, and nothing else."""
    state = state_of(resource, options.project)
    if state == "unowned":
        return options.adopt
    if state == "another project's":
        return options.adopt_from is not None and owner_of(resource) == options.adopt_from
    return True


def describe_owner(resource: Resource, project: str) -> str:
    """How a plan names a resource's ownership state, in every message about it."""
    state = state_of(resource, project)
    if state == "another project's":
        return f"owned by ecrrep project '{owner_of(resource)}'"
    by_claim = resource.facts.get("proof") == "claim"
    if state == "unowned":
        if by_claim:
            return f"exists, and no ecrrep project claims it (unowned; {CLAIMS_WHERE})"
        return f"exists without the ownership tag {OWNERSHIP_TAG}={project} (unowned)"
    if by_claim:
        return f"claimed by this project ({CLAIMS_WHERE})"
    return f"owned by this project ({OWNERSHIP_TAG}={project})"


def conflict_message(resource: Resource, options: DiffOptions, what: str = "") -> str:
    """Why a resource the spec wants is left untouched, and what the user may do about it."""
    subject = f"{what} " if what else ""
    state = state_of(resource, options.project)
    if state == "another project's":
        owner = owner_of(resource)
        return (f"{subject}owned by ecrrep project '{owner}': left untouched (--adopt never "
                f"takes another project's resources; --adopt-from {owner} transfers it)")
    return (f"{subject}{describe_owner(resource, options.project)}: left untouched "
            f"(use --adopt to take it over)")


def takeover_note(resource: Resource, project: str) -> str:
    if state_of(resource, project) == "another project's":
        return f"transferred from project {owner_of(resource)}"
    if resource.facts.get("proof") == "claim":
        return "adopted: takes over a resource no ecrrep project claimed (ours claims it now)"
    return "adopted: takes over a resource that had no ownership tag"


class RunLedger:
    """What this run read, and may change: resources read as ours, and those it may take
    over under its own options (`--adopt`, `--adopt-from`) because the spec wants them.

    Filled by every plan this process makes; apply consults it before each update or delete,
    so a plan from anywhere else (an edited file, a hand-made object) touches nothing this
    run did not itself read as ours."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: dict[str, tuple[dict, str]] | None = None
        self._permitted: set[str] = set()

    def record(self, read: dict[str, tuple[dict, str]], permitted: Iterable[str]) -> None:
        """`read`: address → (attributes as read, ownership state in words)."""
        with self._lock:
            self._read = dict(read)
            self._permitted = set(permitted)

    def forget(self) -> None:
        with self._lock:
            self._read, self._permitted = None, set()

    def refusal(self, change: Change) -> str | None:
        """Why this run must not carry out `change`, or None when it may."""
        with self._lock:
            read, permitted = self._read, set(self._permitted)
        if read is None:
            return "refused: this run has read nothing from the account (apply runs a plan first)"
        have = read.get(change.address)
        if change.action == "create":
            if have is not None and change.address not in permitted:
                return f"refused: it exists, and this run read it as {have[1]}"
            return None
        if have is None:
            return "refused: this run did not read it in the account"
        if change.address not in permitted:
            return f"refused: this run read it as {have[1]}, not as ours"
        if change.before is not None and documents_differ(have[0], change.before):
            return "refused: the plan's `before` is not what this run read"
        return None


def ledger_entries(plan: Plan, current: Iterable[Resource], options: DiffOptions,
                   ) -> tuple[dict[str, tuple[dict, str]], set[str]]:
    """What a plan's run read (address → attributes, state in words) and the addresses it
    may change: what it read as ours, and what the plan takes over under the run's options
    (recorded at the address the plan gives it)."""
    current = list(current)
    read = {r.address: (r.attrs, _state_words(r, options.project)) for r in current}
    permitted = {r.address for r in current if r.owned}
    for change in plan.changes:
        if change.facts.get("takeover") and change.before is not None:
            read[change.address] = (change.before, "taken over in this run")
            permitted.add(change.address)
    return read, permitted


def _state_words(resource: Resource, project: str) -> str:
    state = state_of(resource, project)
    if state == "another project's":
        return f"owned by ecrrep project '{owner_of(resource)}'"
    return state


# One per process: a CLI command is one run.
RUN_LEDGER = RunLedger()
