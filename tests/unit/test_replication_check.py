"""The replication comparison, with plain values: images, settings, grace, statuses, verdict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ecrrep.replication.check import wait_for_replication
from ecrrep.replication.compare import (
    compare_region,
    gaps_to_classify,
    image_gaps,
    image_record,
    make_report,
    settings_drift,
)
from ecrrep.replication.model import (
    CheckError,
    ImageRecord,
    ReplicationStatus,
    verdict_line,
)
from ecrrep.replication.read import read_states
from tests.support.replication_states import (
    GRACE,
    LIFECYCLE,
    NOW,
    POLICY,
    RECENT,
    image,
    settings,
    state,
)

SOURCE = state("us-east-1", [image("sha256:a", "v1", "prod-1"), image("sha256:b", "v2")])


# -- images ----------------------------------------------------------------------------------


def test_identical_replica_is_ok():
    replica = state("us-west-2", SOURCE.images.values())
    result = compare_region(SOURCE, replica, "us-west-2", NOW, GRACE)
    assert result.status == "ok"
    assert (result.source_images, result.present) == (2, 2)
    assert result.missing == result.in_flight == result.drift == ()


def test_missing_image_is_a_gap_naming_digest_and_tags():
    replica = state("us-west-2", [image("sha256:b", "v2")])
    result = compare_region(SOURCE, replica, "us-west-2", NOW, GRACE)
    assert result.status == "gaps"
    assert [g.to_json() for g in result.missing] == [
        {"digest": "sha256:a", "tags": ["prod-1", "v1"]}]
    assert result.present == 1


def test_image_without_one_of_its_tags_is_a_gap_for_that_tag():
    replica = state("us-west-2", [image("sha256:a", "v1"), image("sha256:b", "v2")])
    gaps = image_gaps(SOURCE.images, replica.images)
    assert [(g.digest, g.tags) for _, g in gaps] == [("sha256:a", ("prod-1",))]


def test_extra_images_and_tags_in_the_replica_are_not_gaps():
    replica = state("us-west-2", [image("sha256:a", "v1", "prod-1", "old"),
                                  image("sha256:b", "v2"), image("sha256:z", "gone")])
    assert compare_region(SOURCE, replica, "us-west-2", NOW, GRACE).status == "ok"


def test_untagged_source_image_missing_has_no_tags():
    source = state("us-east-1", [image("sha256:u")])
    result = compare_region(source, state("eu-west-1", []), "eu-west-1", NOW, GRACE)
    assert [g.to_json() for g in result.missing] == [{"digest": "sha256:u", "tags": []}]


def test_recent_missing_image_is_in_flight_and_healthy():
    source = state("us-east-1", [image("sha256:a", "v1"), image("sha256:n", "v3",
                                                                 pushed=RECENT)])
    replica = state("us-west-2", [image("sha256:a", "v1")])
    result = compare_region(source, replica, "us-west-2", NOW, GRACE)
    assert result.status == "ok"
    assert [g.digest for g in result.in_flight] == ["sha256:n"]
    assert result.present == 1


def test_grace_zero_makes_every_missing_image_a_gap():
    source = state("us-east-1", [image("sha256:n", "v3", pushed=RECENT)])
    result = compare_region(source, state("us-west-2", []), "us-west-2", NOW, timedelta(0))
    assert [g.digest for g in result.missing] == ["sha256:n"]


def test_unknown_push_time_is_not_in_flight():
    source = state("us-east-1", [image("sha256:n", "v3", pushed=None)])
    result = compare_region(source, state("us-west-2", []), "us-west-2", NOW, GRACE)
    assert result.status == "gaps"


# -- replication status ----------------------------------------------------------------------


def test_failed_status_is_a_gap_even_within_grace_with_its_failure_code():
    source = state("us-east-1", [image("sha256:n", "v3", pushed=RECENT)])
    statuses = {("apps/prod", "sha256:n", "us-west-2"):
                ReplicationStatus("FAILED", "KMS_KEY_IS_DISABLED")}
    result = compare_region(source, state("us-west-2", []), "us-west-2", NOW, GRACE, statuses)
    assert [g.to_json() for g in result.missing] == [
        {"digest": "sha256:n", "tags": ["v3"], "failure_code": "KMS_KEY_IS_DISABLED"}]


def test_in_progress_status_is_in_flight_whatever_the_age():
    statuses = {("apps/prod", "sha256:a", "us-west-2"): ReplicationStatus("IN_PROGRESS")}
    replica = state("us-west-2", [image("sha256:b", "v2")])
    result = compare_region(SOURCE, replica, "us-west-2", NOW, GRACE, statuses)
    assert result.status == "ok"
    assert [g.digest for g in result.in_flight] == ["sha256:a"]


def test_status_of_another_region_does_not_apply():
    statuses = {("apps/prod", "sha256:a", "eu-west-1"): ReplicationStatus("IN_PROGRESS")}
    replica = state("us-west-2", [image("sha256:b", "v2")])
    result = compare_region(SOURCE, replica, "us-west-2", NOW, GRACE, statuses)
    assert [g.digest for g in result.missing] == ["sha256:a"]


def test_complete_status_but_absent_image_is_a_gap():
    statuses = {("apps/prod", "sha256:a", "us-west-2"): ReplicationStatus("COMPLETE")}
    replica = state("us-west-2", [image("sha256:b", "v2")])
    result = compare_region(SOURCE, replica, "us-west-2", NOW, GRACE, statuses)
    assert [(g.digest, g.failure_code) for g in result.missing] == [("sha256:a", None)]


# -- settings --------------------------------------------------------------------------------


def test_settings_compare_by_meaning():
    reordered_policy = {"Statement": [{
        "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/prod"},
        "Effect": "Allow", "Sid": "Pull"}], "Version": "2012-10-17"}
    rule = LIFECYCLE["rules"][0]
    reordered_lifecycle = {"rules": [{"action": rule["action"], "selection": {
        "countNumber": 15, "countType": "imageCountMoreThan", "tagPrefixList": ["prod"],
        "tagStatus": "tagged"}, "description": "keep 15", "rulePriority": 1}]}
    replica = settings(policy=json.dumps(reordered_policy),
                       lifecycle=json.dumps(reordered_lifecycle, indent=4))
    assert settings_drift(settings(), replica) == []


def test_lifecycle_policy_deleted_from_replica_is_drift():
    replica = state("eu-west-1", SOURCE.images.values(), lifecycle=None)
    result = compare_region(SOURCE, replica, "eu-west-1", NOW, GRACE)
    assert result.status == "drift"
    [drift] = result.drift
    assert drift.field == "lifecycle_policy"
    assert drift.replica is None
    assert drift.source["rules"][0]["selection"]["countNumber"] == 15


@pytest.mark.parametrize("change, field", [
    ({"imageTagMutability": "MUTABLE"}, "tag_mutability"),
    ({"imageScanningConfiguration": {"scanOnPush": False}}, "scan_on_push"),
    ({"encryptionConfiguration": {"encryptionType": "KMS", "kmsKey": "arn:k"}}, "encryption"),
    ({"policy": None}, "repository_policy"),
])
def test_each_setting_drifts(change, field):
    assert [d.field for d in settings_drift(settings(), settings(**change))] == [field]


def test_kms_keys_of_different_regions_are_not_drift():
    west = settings(encryptionConfiguration={
        "encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-west-2:123456789012:key/1"})
    east = settings(encryptionConfiguration={
        "encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:123456789012:key/2"})
    assert settings_drift(east, west) == []


def test_gaps_outrank_drift_in_the_status():
    replica = state("us-west-2", [image("sha256:b", "v2")], imageTagMutability="MUTABLE")
    result = compare_region(SOURCE, replica, "us-west-2", NOW, GRACE)
    assert result.status == "gaps"
    assert [d.field for d in result.drift] == ["tag_mutability"]


def test_missing_replica_repository():
    result = compare_region(SOURCE, None, "us-west-2", NOW, GRACE)
    assert result.status == "missing-repository"
    assert {g.digest for g in result.missing} == {"sha256:a", "sha256:b"}
    assert result.drift == ()


# -- report ----------------------------------------------------------------------------------


def states_for(replicas):
    out = {("us-east-1", "apps/prod"): SOURCE}
    out.update(replicas)
    return out


def test_report_json_shape_and_health():
    states = states_for({
        ("us-west-2", "apps/prod"): state("us-west-2", SOURCE.images.values()),
        ("eu-west-1", "apps/prod"): state("eu-west-1", [image("sha256:b", "v2")]),
    })
    report = make_report("us-east-1", ["apps/prod"], ["us-west-2", "eu-west-1"], states, NOW,
                         GRACE)
    doc = report.to_json()
    assert doc["healthy"] is False
    assert doc["checked_at"] == "2025-06-01T12:00:00Z"
    assert doc["results"] == [
        {"repository": "apps/prod", "region": "us-west-2", "status": "ok", "source_images": 2,
         "missing": [], "in_flight": [], "drift": []},
        {"repository": "apps/prod", "region": "eu-west-1", "status": "gaps",
         "source_images": 2, "missing": [{"digest": "sha256:a", "tags": ["prod-1", "v1"]}],
         "in_flight": [], "drift": []},
    ]
    assert report.failure_rates() == {"us-west-2": 0.0, "eu-west-1": 50.0}
    assert verdict_line(report).startswith("Replication unhealthy: 1 image(s) missing")


def test_failure_rate_counts_across_repositories_per_region():
    other = state("us-east-1", [image("sha256:c", "x")], name="apps/test")
    states = states_for({
        ("us-east-1", "apps/test"): other,
        ("us-west-2", "apps/prod"): state("us-west-2", SOURCE.images.values()),
        ("us-west-2", "apps/test"): None,
    })
    report = make_report("us-east-1", ["apps/prod", "apps/test"], ["us-west-2"], states, NOW,
                         GRACE)
    assert report.failure_rates() == {"us-west-2": pytest.approx(100 / 3)}
    assert [r.status for r in report.results] == ["ok", "missing-repository"]


def test_in_flight_does_not_count_as_failure_and_report_is_healthy():
    source = state("us-east-1", [image("sha256:n", "v", pushed=RECENT)])
    states = {("us-east-1", "apps/prod"): source,
              ("us-west-2", "apps/prod"): state("us-west-2", [])}
    report = make_report("us-east-1", ["apps/prod"], ["us-west-2"], states, NOW, GRACE)
    assert report.healthy and not report.settled
    assert report.failure_rates() == {"us-west-2": 0.0}
    assert "1 image(s) still in flight" in verdict_line(report)


def test_missing_source_repository_is_an_error():
    with pytest.raises(CheckError, match="no source repository apps/prod in us-east-1"):
        make_report("us-east-1", ["apps/prod"], ["us-west-2"], {}, NOW, GRACE)


def test_only_missing_images_are_worth_a_status_call():
    states = states_for({
        ("us-west-2", "apps/prod"): state("us-west-2", [image("sha256:b", "v2")]),
        ("eu-west-1", "apps/prod"): None,
    })
    assert gaps_to_classify("us-east-1", ["apps/prod"], ["us-west-2", "eu-west-1"],
                            states) == [("apps/prod", "sha256:a"), ("apps/prod", "sha256:b")]


def test_healthy_verdict():
    states = states_for({("us-west-2", "apps/prod"): state("us-west-2", SOURCE.images.values())})
    report = make_report("us-east-1", ["apps/prod"], ["us-west-2"], states, NOW, GRACE)
    assert verdict_line(report) == ("Replication healthy: 1 repository × 1 destination region, "
                                    "every source image present.")


def test_image_record_from_describe_images():
    record = image_record({"imageDigest": "sha256:a", "imagePushedAt": 1717243200})
    assert record == ImageRecord("sha256:a", frozenset(), datetime(2024, 6, 1, 12, 0,
                                                                   tzinfo=UTC))


# -- waiting ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def reports(*settled_flags):
    states = iter(settled_flags)

    def check():
        settled = next(states)
        replica = SOURCE.images.values() if settled else [image("sha256:b", "v2")]
        data = states_for({("us-west-2", "apps/prod"): state("us-west-2", replica)})
        return make_report("us-east-1", ["apps/prod"], ["us-west-2"], data, NOW, GRACE)

    return check


def test_wait_returns_at_once_when_settled():
    clock = FakeClock()
    report = wait_for_replication(reports(True), 60, clock=clock, sleep=clock.sleep)
    assert report.healthy and clock.slept == []


def test_wait_polls_until_settled():
    clock = FakeClock()
    seen = []
    report = wait_for_replication(reports(False, False, True), 60,
                                  lambda r, left: seen.append(left), clock, clock.sleep,
                                  poll_seconds=10)
    assert report.healthy
    assert clock.slept == [10, 10]
    assert seen == [60, 50, 40]


def test_wait_gives_up_when_time_runs_out():
    clock = FakeClock()
    report = wait_for_replication(reports(False, False, False), 15, clock=clock,
                                  sleep=clock.sleep, poll_seconds=10)
    assert not report.healthy
    assert clock.slept == [10, 5]


# -- reads: describe_images is paginated ------------------------------------------------------


# Archived replica images are listed too (DescribeImages lists ACTIVE ones by default).
ANY_STATUS = {"imageStatus": "ANY"}


def test_read_states_follows_describe_images_pages(monkeypatch):
    from types import SimpleNamespace

    from botocore.stub import Stubber

    from ecrrep.aws.context import AwsContext

    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}.items():
        monkeypatch.setenv(key, value)
    spec = SimpleNamespace(source_region="us-east-1", destination_regions=[],
                           regions=["us-east-1"], repository_prefix="apps",
                           repositories=[SimpleNamespace(name="prod")])
    ctx = AwsContext(endpoint_url="http://127.0.0.1:9", parallelism=1)
    client = ctx.client("ecr", "us-east-1")
    arn = "arn:aws:ecr:us-east-1:123456789012:repository/apps/prod"
    with Stubber(client) as stub:
        stub.add_response("describe_repositories", {"repositories": [
            {"repositoryName": "apps/prod", "repositoryArn": arn,
             "imageTagMutability": "IMMUTABLE"},
            {"repositoryName": "apps/other", "repositoryArn": arn + "x"}]})
        stub.add_response("describe_images", {
            "imageDetails": [{"imageDigest": "sha256:a", "imageTags": ["v1"]}],
            "nextToken": "page-2"}, {"repositoryName": "apps/prod", "filter": ANY_STATUS})
        stub.add_response("describe_images", {
            "imageDetails": [{"imageDigest": "sha256:b"}]},
            {"repositoryName": "apps/prod", "nextToken": "page-2", "filter": ANY_STATUS})
        stub.add_client_error("get_lifecycle_policy", "LifecyclePolicyNotFoundException")
        stub.add_response("get_repository_policy", {"policyText": json.dumps(POLICY)})
        states = read_states(ctx, spec)
        stub.assert_no_pending_responses()
    prod = states[("us-east-1", "apps/prod")]
    assert sorted(prod.images) == ["sha256:a", "sha256:b"]
    assert prod.settings["lifecycle_policy"] is None
    assert prod.settings["tag_mutability"] == "IMMUTABLE"
    assert set(states) == {("us-east-1", "apps/prod")}


def _context(monkeypatch):
    from ecrrep.aws.context import AwsContext

    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y",
                       "AWS_MAX_ATTEMPTS": "10"}.items():
        monkeypatch.setenv(key, value)
    return AwsContext(endpoint_url="http://127.0.0.1:9", parallelism=1)


def test_status_probe_uses_a_client_without_retries(monkeypatch):
    ctx = _context(monkeypatch)
    probe = ctx.client("ecr", "us-east-1", retries=False)
    assert probe is not ctx.client("ecr", "us-east-1")
    assert probe.meta.config.retries["total_max_attempts"] == 1


def test_status_api_missing_falls_back_once_and_is_not_asked_again(monkeypatch):
    from botocore.stub import Stubber

    from ecrrep.replication.read import ReplicationStatusReader

    ctx = _context(monkeypatch)
    notes: list[str] = []
    reader = ReplicationStatusReader(ctx, notes.append)
    with Stubber(ctx.client("ecr", "us-east-1", retries=False)) as probe, \
            Stubber(ctx.client("ecr", "us-east-1")) as normal:
        probe.add_client_error("describe_image_replication_status", "500", "Internal error",
                               http_status_code=500)
        assert reader.statuses("us-east-1", [("apps/prod", "sha256:a")]) == {}
        assert reader.statuses("us-east-1", [("apps/prod", "sha256:b")]) == {}
        probe.assert_no_pending_responses()
        normal.assert_no_pending_responses()
    assert len(notes) == 1
    assert "DescribeImageReplicationStatus is not available here (500)" in notes[0]


def test_status_api_answers_per_region(monkeypatch):
    from botocore.stub import Stubber

    from ecrrep.replication.read import ReplicationStatusReader

    ctx = _context(monkeypatch)
    reader = ReplicationStatusReader(ctx, lambda note: pytest.fail(note))

    def answer(digest, status, code=None):
        entry = {"region": "us-west-2", "registryId": "123456789012", "status": status}
        if code:
            entry["failureCode"] = code
        return {"repositoryName": "apps/prod", "imageId": {"imageDigest": digest},
                "replicationStatuses": [entry]}

    with Stubber(ctx.client("ecr", "us-east-1", retries=False)) as probe, \
            Stubber(ctx.client("ecr", "us-east-1")) as normal:
        probe.add_response("describe_image_replication_status", answer("sha256:a", "COMPLETE"))
        normal.add_response("describe_image_replication_status",
                            answer("sha256:b", "FAILED", "REPLICATION_FAILED"))
        statuses = reader.statuses("us-east-1", [("apps/prod", "sha256:a"),
                                                 ("apps/prod", "sha256:b")])
    assert statuses == {
        ("apps/prod", "sha256:a", "us-west-2"): ReplicationStatus("COMPLETE"),
        ("apps/prod", "sha256:b", "us-west-2"): ReplicationStatus("FAILED",
                                                                  "REPLICATION_FAILED"),
    }


def test_a_missing_tag_is_a_gap_but_not_a_failed_image_in_the_rate():
    states = states_for({("us-west-2", "apps/prod"): state("us-west-2", [
        image("sha256:a", "v1"), image("sha256:b", "v2")])})
    report = make_report("us-east-1", ["apps/prod"], ["us-west-2"], states, NOW, GRACE)
    assert not report.healthy
    assert report.failure_rates() == {"us-west-2": 0.0}
