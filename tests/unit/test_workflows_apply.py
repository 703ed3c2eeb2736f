"""The apply workflow without a terminal or an account: what it refuses, when it asks, how a
stop signal ends the run, and the JSON document of each outcome. `apply_plan` (the engine,
tested against AWS elsewhere) is replaced by a recording stand-in."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from ecrrep.engine.plan import Change, Plan
from ecrrep.engine.planner import ApplyEvent, ApplyReport
from ecrrep.workflows import apply as workflow
from ecrrep.workflows.apply import ApplyOutcome, converge

ROLE = Change("iam_role", "global", "ci", "create", None, {"tags": {}})
REPOSITORY = Change("ecr_repository", "us-east-1", "apps/web", "create", None, {"tags": {}})
UNCHANGED = Change("ecr_repository", "us-east-1", "apps/api", "no-op", {}, {})


class Recorder:
    """ApplyProgress that keeps what it was shown."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.totals: list[int] = []
        self.signals: list[int] = []

    @contextmanager
    def tracking(self, total: int) -> Iterator[Callable[[ApplyEvent], None]]:
        self.totals.append(total)
        yield lambda event: self.events.append((event.status, event.change.address))

    def interrupted(self, signum: int) -> None:
        self.signals.append(signum)


@pytest.fixture
def applied(monkeypatch) -> list[Change]:
    """The changes the stand-in engine carried out, in order."""
    done: list[Change] = []

    def apply_plan(_aws, plan, _options, on_event, stop):
        report = ApplyReport()
        for change in plan.actionable:
            if stop.is_set():
                report.not_done.append(change)
                continue
            on_event(ApplyEvent(change, "started"))
            done.append(change)
            report.done.append(change)
            on_event(ApplyEvent(change, "done"))
        return report

    monkeypatch.setattr(workflow, "apply_plan", apply_plan)
    return done


def refuse(verb: str) -> None:
    raise RuntimeError(f"asked to {verb}")


def test_a_blocked_plan_is_refused_before_asking_or_changing_anything(applied):
    blocked = Change("ecr_repository", "us-east-1", "apps/old", "delete", {}, None,
                     blocked="holds 3 images")
    plan = Plan([ROLE, blocked])

    outcome = converge(None, plan, verb="destroy", force_delete_images=False,
                       progress=Recorder(), confirm=refuse)

    assert outcome.refusal == ("destroy refused: 1 change(s) cannot be applied (listed above); "
                               "nothing was changed")
    assert outcome.exit_code == 0 and applied == []
    assert outcome.to_json() == {"plan": plan.to_json(), "applied": False}


def test_a_plan_without_changes_asks_nothing_and_runs_nothing(applied):
    plan = Plan([UNCHANGED])

    outcome = converge(None, plan, verb="apply", force_delete_images=False,
                       progress=Recorder(), confirm=refuse)

    assert outcome.refusal is None and outcome.report is None and applied == []
    assert outcome.to_json() == {"plan": plan.to_json(), "applied": True, "done": [],
                                 "failed": [], "not_done": []}


def test_a_cancelled_confirmation_changes_nothing(applied):
    with pytest.raises(RuntimeError, match="asked to apply"):
        converge(None, Plan([ROLE]), verb="apply", force_delete_images=False,
                 progress=Recorder(), confirm=refuse)
    assert applied == []


def test_a_run_reports_each_change_and_exits_0(applied):
    progress, asked = Recorder(), []

    outcome = converge(None, Plan([ROLE, UNCHANGED, REPOSITORY]), verb="apply",
                       force_delete_images=False, progress=progress, confirm=asked.append)

    assert asked == ["apply"]
    assert applied == [ROLE, REPOSITORY]
    assert progress.totals == [2]
    assert progress.events == [("started", ROLE.address), ("done", ROLE.address),
                               ("started", REPOSITORY.address), ("done", REPOSITORY.address)]
    assert outcome.exit_code == 0
    assert outcome.to_json()["done"] == [ROLE.address, REPOSITORY.address]


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_finishes_the_change_in_flight_and_starts_no_other(
        monkeypatch, signum, code):
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def apply_plan(_aws, plan, _options, on_event, stop):
        first, *rest = plan.actionable
        os.kill(os.getpid(), signum)  # arrives while the first change is in flight
        return ApplyReport(done=[first], not_done=[c for c in rest if stop.is_set()])

    monkeypatch.setattr(workflow, "apply_plan", apply_plan)
    progress = Recorder()

    outcome = converge(None, Plan([ROLE, REPOSITORY]), verb="apply",
                       force_delete_images=False, progress=progress)

    assert progress.signals == [signum]
    assert outcome.interrupted_by == signum and outcome.exit_code == code
    assert outcome.to_json()["not_done"] == [REPOSITORY.address]
    assert {s: signal.getsignal(s) for s in before} == before  # handlers given back


def test_a_failed_change_exits_1():
    report = ApplyReport(done=[ROLE], not_done=[REPOSITORY])
    assert ApplyOutcome(Plan([ROLE, REPOSITORY]), report=report).exit_code == 1
