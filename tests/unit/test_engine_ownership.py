"""The run's ledger: apply changes only what its own run read as ours, with plain values."""

from __future__ import annotations

from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.ownership import RunLedger, ledger_entries
from ecrrep.engine.plan import Change, Plan, Resource

OURS = Resource("ecr_repository", "us-east-1", "apps/a", {"tags": {"ecrrep:project": "p"}})
UNOWNED = Resource("ecr_repository", "us-east-1", "apps/b", {"tags": {}}, owned=False)
THEIRS = Resource("ecr_repository", "us-east-1", "apps/c", {"tags": {"ecrrep:project": "q"}},
                  owned=False)


def ledger(plan: Plan | None = None, options: DiffOptions | None = None) -> RunLedger:
    run = RunLedger()
    run.record(*ledger_entries(plan or Plan([]), [OURS, UNOWNED, THEIRS],
                               options or DiffOptions("p")))
    return run


def change(resource: Resource, action: str, before=None, facts=None) -> Change:
    return Change(resource.type, resource.region, resource.name, action,
                  resource.attrs if before is None else before, None, facts=facts or {})


def test_nothing_read_nothing_changed():
    assert RunLedger().refusal(change(OURS, "delete")).startswith(
        "refused: this run has read nothing")


def test_only_what_was_read_as_ours_is_updated_or_deleted():
    run = ledger()
    assert run.refusal(change(OURS, "delete")) is None
    assert run.refusal(change(UNOWNED, "delete")) == (
        "refused: this run read it as unowned, not as ours")
    assert run.refusal(change(THEIRS, "update")) == (
        "refused: this run read it as owned by ecrrep project 'q', not as ours")
    ghost = Resource("ecr_repository", "us-east-1", "victim/x", {})
    assert run.refusal(change(ghost, "delete")) == (
        "refused: this run did not read it in the account")


def test_a_before_that_is_not_what_was_read_is_refused():
    assert ledger().refusal(change(OURS, "update", before={"tags": {}})) == (
        "refused: the plan's `before` is not what this run read")


def test_a_create_over_something_existing_that_is_not_ours_is_refused():
    assert ledger().refusal(change(UNOWNED, "create")) == (
        "refused: it exists, and this run read it as unowned")
    new = Resource("ecr_repository", "us-east-1", "apps/new", {})
    assert ledger().refusal(change(new, "create")) is None


def test_a_takeover_planned_by_this_run_is_allowed():
    adopted = change(UNOWNED, "update", facts={"takeover": True})
    run = ledger(Plan([adopted]), DiffOptions("p", adopt=True))
    assert run.refusal(adopted) is None
    assert run.refusal(change(THEIRS, "update")) is not None
