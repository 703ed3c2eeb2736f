"""Backfills in the validation report, and starting the plan's backfills after apply: plain
values, and a stand-in client answering as ECR's model says."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.exceptions

from ecrrep.engine.backfill import PlannedBackfill, annotate
from ecrrep.engine.plan import Change, Plan
from ecrrep.engine.planner import ApplyReport
from ecrrep.replication.backfills import report_with_backfills, state_of, uncopied_of
from ecrrep.replication.compare import make_report
from ecrrep.workflows.backfill import start_planned
from tests.support.replication_states import GRACE, NOW, RECENT, image, state

ACCOUNT = "123456789012"
PROD = "apps/prod"


def summary(status: str, **progress: int) -> dict:
    return {"replicationBackfillId": "b-1", "status": status,
            "destination": {"region": "eu-central-1", "registryId": ACCOUNT},
            "startedAt": datetime(2025, 6, 1, tzinfo=UTC),
            **({"progress": {"totalReplicationCount": 0, "completedReplicationCount": 0,
                             "failedReplicationCount": 0, "failureCodes": [], **progress}}
               if progress else {})}


def report_with_recent_gap():
    """A report where the replica lacks an image pushed within the grace period."""
    states = {("us-east-1", PROD): state("us-east-1", [image("sha256:a", "v1", pushed=RECENT)],
                                         name=PROD),
              ("eu-central-1", PROD): state("eu-central-1", [], name=PROD)}
    return make_report("us-east-1", [PROD], ["eu-central-1"], states, NOW, GRACE)


def test_progress_is_unknown_until_ecr_has_counted():
    assert state_of(summary("PREPARING")).progress_text() == "0/? copied"
    counted = state_of(summary("IN_PROGRESS", totalReplicationCount=4,
                               completedReplicationCount=1))
    assert counted.running and counted.progress_text() == "1/4 copied"


def test_an_image_an_ended_backfill_could_not_copy_is_a_gap_with_its_code():
    report = report_with_recent_gap()
    assert report.healthy and report.results[0].in_flight
    ended = state_of(summary("COMPLETE", totalReplicationCount=1, failedReplicationCount=1),
                     uncopied_of([{"repositoryName": PROD, "status": "FAILED",
                                   "imageId": {"imageDigest": "sha256:a", "imageTag": "v1"},
                                   "failureCode": "IMAGE_NOT_FOUND"}]))

    report_with_backfills(report, [ended])

    (result,) = report.results
    assert result.status == "gaps" and not result.in_flight
    assert [g.to_json() for g in result.missing] == [
        {"digest": "sha256:a", "tags": ["v1"], "failure_code": "IMAGE_NOT_FOUND"}]
    assert not report.healthy
    assert report.to_json()["backfills"][0]["uncopied"] == [
        {"repository": PROD, "digest": "sha256:a", "tag": "v1",
         "failure_code": "IMAGE_NOT_FOUND"}]


def test_a_running_backfill_keeps_the_report_unsettled_and_its_images_in_flight():
    report = report_with_backfills(report_with_recent_gap(), [state_of(summary("IN_PROGRESS"))])

    assert report.healthy and not report.settled
    assert report.results[0].in_flight


def test_no_backfill_leaves_the_json_as_it_was():
    report = report_with_backfills(report_with_recent_gap(), [])

    assert "backfills" not in report.to_json()


class Ecr:
    """Answers StartReplicationBackfill, or raises the given AWS error code."""

    def __init__(self, error: str | None = None):
        self.error, self.started = error, []

    def start_replication_backfill(self, destination: dict) -> dict:
        if self.error:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": self.error, "Message": "no"}}, "StartReplicationBackfill")
        self.started.append(destination)
        return {"replicationBackfillId": "b-1", "status": "PREPARING"}


class Context:
    def __init__(self, ecr: Ecr):
        self.ecr = ecr

    def client(self, service: str, region: str, retries: bool = True) -> Ecr:
        assert (service, region) == ("ecr", "us-east-1")
        return self.ecr

    def map(self, fn, items):
        return [fn(i) for i in items]


def planned_plan() -> tuple[Plan, Change]:
    rule = Change("ecr_replication_rule", "us-east-1", "proj", "update",
                  {"destinations": []}, {"destinations": []})
    plan = annotate(Plan([rule]), [PlannedBackfill("eu-central-1", ACCOUNT, (PROD,), "apps/*")])
    return plan, rule


def test_the_backfills_start_after_the_rule_was_written():
    plan, rule = planned_plan()
    ecr = Ecr()

    (start,) = start_planned(Context(ecr), plan, ApplyReport(done=[rule]))

    assert (start.outcome, start.id, start.status) == ("started", "b-1", "PREPARING")
    assert ecr.started == [{"region": "eu-central-1", "registryId": ACCOUNT}]


def test_no_backfill_starts_when_the_rule_was_not_written():
    plan, rule = planned_plan()
    ecr = Ecr()

    assert start_planned(Context(ecr), plan, ApplyReport(not_done=[rule])) == []
    assert ecr.started == []


def test_a_refused_start_is_reported_as_a_failure_not_raised():
    plan, rule = planned_plan()

    (start,) = start_planned(Context(Ecr("LimitExceededException")), plan,
                             ApplyReport(done=[rule]))

    assert start.failed and "LimitExceededException" in start.error
