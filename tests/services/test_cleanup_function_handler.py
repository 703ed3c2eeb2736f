"""The cleanup function's code against moto in-process, with real images put into it."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from ecrrep.cleanup.function import handler as cleanup
from ecrrep.cleanup.function import metrics
from ecrrep.cleanup.function.config import CleanupConfig
from ecrrep.spec.models import Spec
from tests.support.cleanup_account import (
    CONFIG,
    DAY,
    DESTINATION,
    NOW,
    OURS,
    PROJECT,
    SOURCE,
    FailingDeletes,
    Recorder,
    clients,
    digests,
)
from tests.support.pushed_images import push


def metric_values(name: str, dimension: str, value: str, statistic: str = "Sum") -> list[float]:
    cloudwatch = boto3.client("cloudwatch", region_name=SOURCE)
    answer = cloudwatch.get_metric_statistics(
        Namespace=metrics.NAMESPACE, MetricName=name,
        Dimensions=metrics.dimensions(PROJECT, dimension, value),
        StartTime=datetime.now(UTC) - timedelta(hours=1),
        EndTime=datetime.now(UTC) + timedelta(hours=1),
        Period=60, Statistics=[statistic])
    return [point[statistic] for point in answer["Datapoints"]]


def web_images(ecr: Any) -> dict[str, str]:
    """apps/web with a mix of ages and tags; retention 30 days, protected prod*, release*."""
    return {
        "old-feature": push(ecr, "apps/web", "old-feature", ["feature-1"], 60 * DAY, NOW),
        "old-untagged": push(ecr, "apps/web", "old-untagged", None, 45 * DAY, NOW),
        "old-prod": push(ecr, "apps/web", "old-prod", ["prod-1"], 90 * DAY, NOW),
        "old-release": push(ecr, "apps/web", "old-release", ["x", "release-2"], 40 * DAY, NOW),
        "young": push(ecr, "apps/web", "young", ["feature-2"], 5 * DAY, NOW),
        "newest": push(ecr, "apps/web", "newest", ["feature-3"], 1 * DAY, NOW),
    }


# -- what goes and what stays ----------------------------------------------------------------


def test_old_unprotected_images_go_protected_and_young_stay(ecr):
    images = web_images(ecr)
    result = cleanup.run_cleanup(CONFIG, clients, now=NOW)
    assert digests(ecr, "apps/web") == {
        images[k] for k in ("old-prod", "old-release", "young", "newest")}
    web = next(r for r in result["repositories"] if r["name"] == "web")
    assert [e["digest"] for e in web["expired"]] == [images["old-feature"],
                                                     images["old-untagged"]]
    assert {e["status"] for e in web["expired"]} == {"deleted"}
    assert web["deleted"] == 2 and web["protected"] == 2 and web["retention_days"] == 30
    assert result["deleted"] == 2 and result["failed"] == 0 and not result["dry_run"]
    json.dumps(result)  # what Lambda returns must be JSON


def test_the_newest_image_stays_even_when_past_retention(ecr):
    old = [push(ecr, "apps/api", f"img-{n}", [f"v{n}"], (100 - n) * DAY, NOW) for n in range(4)]
    cleanup.run_cleanup(CONFIG, clients, now=NOW)
    # api has no retention of its own: DEFAULT_RETENTION_DAYS (10) applies.
    assert digests(ecr, "apps/api") == {old[-1]}


def test_retention_is_per_repository(ecr):
    web = push(ecr, "apps/web", "web-20d", ["a"], 20 * DAY, NOW)
    push(ecr, "apps/web", "web-new", ["b"], DAY, NOW)
    api = push(ecr, "apps/api", "api-20d", ["a"], 20 * DAY, NOW)
    push(ecr, "apps/api", "api-new", ["b"], DAY, NOW)
    cleanup.run_cleanup(CONFIG, clients, now=NOW)
    assert web in digests(ecr, "apps/web")  # 30 days
    assert api not in digests(ecr, "apps/api")  # default 10 days


def test_dry_run_deletes_nothing_and_says_what_it_would(ecr, caplog):
    images = web_images(ecr)
    before = digests(ecr, "apps/web")
    with caplog.at_level(logging.INFO, logger="ecrrep.cleanup"):
        result = cleanup.run_cleanup(
            CleanupConfig(**{**CONFIG.__dict__, "dry_run": True}), clients, now=NOW)
    assert digests(ecr, "apps/web") == before
    web = next(r for r in result["repositories"] if r["name"] == "web")
    assert {e["digest"] for e in web["expired"]} == {images["old-feature"],
                                                     images["old-untagged"]}
    assert result["would_delete"] == 2 and result["deleted"] == 0 and result["dry_run"]
    assert [r.getMessage().split()[:2] for r in caplog.records] == [
        ["would", "delete"], ["would", "delete"]]
    assert metric_values(metrics.IMAGES_EXPIRED, "RepositoryName", "apps/web") == [0.0]


def test_each_deletion_is_logged_on_one_line(ecr, caplog):
    images = web_images(ecr)
    with caplog.at_level(logging.INFO, logger="ecrrep.cleanup"):
        cleanup.run_cleanup(CONFIG, clients, now=NOW)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("deleted")]
    assert len(lines) == 2
    assert all("\n" not in line for line in lines)
    assert f"apps/web@{images['old-feature']} tags=feature-1" in lines[0]
    assert "tags=untagged" in lines[1] and "retention=30d" in lines[1]


def test_deletes_in_batches_of_at_most_100(ecr):
    for n in range(231):
        push(ecr, "apps/api", f"bulk-{n}", [f"build-{n}"], (300 - n) * DAY, NOW)
    recorder = Recorder(ecr)

    def recording(service: str, region: str) -> Any:
        return recorder if (service, region) == ("ecr", SOURCE) else clients(service, region)

    result = cleanup.run_cleanup(CONFIG, recording, now=NOW)
    assert recorder.batches == [100, 100, 30]
    assert len(digests(ecr, "apps/api")) == 1
    assert result["deleted"] == 230


def test_failed_deletions_are_reported_and_already_gone_ones_are_not(ecr):
    images = web_images(ecr)
    failing = FailingDeletes(ecr, {images["old-feature"]: "KmsError",
                                   images["old-untagged"]: "ImageNotFound"})
    result = cleanup.run_cleanup(
        CONFIG, lambda s, r: failing if (s, r) == ("ecr", SOURCE) else clients(s, r), now=NOW)
    web = next(r for r in result["repositories"] if r["name"] == "web")
    status = {e["digest"]: e["status"] for e in web["expired"]}
    assert status == {images["old-feature"]: "failed", images["old-untagged"]: "gone"}
    failed = next(e for e in web["expired"] if e["status"] == "failed")
    assert failed["error"] == "KmsError: test"
    assert result["failed"] == 1 and result["deleted"] == 0


def test_a_missing_repository_is_skipped(ecr):
    config = CleanupConfig(**{**CONFIG.__dict__, "repositories": {"web": 30, "gone": 5}})
    push(ecr, "apps/web", "only", ["a"], 60 * DAY, NOW)
    result = cleanup.run_cleanup(config, clients, now=NOW)
    gone = next(r for r in result["repositories"] if r["name"] == "gone")
    assert gone["exists"] is False and gone["expired"] == []
    assert metric_values(metrics.REPOSITORY_SIZE_BYTES, "RepositoryName", "apps/gone") == []


# -- ownership -------------------------------------------------------------------------------

OWNED_SPEC = Spec.model_validate({
    "project": PROJECT,
    "source_region": SOURCE,
    "destination_regions": [DESTINATION],
    "repository_prefix": "apps",
    "repositories": [{"name": "web"}, {"name": "api"}, {"name": "legacy"}],
    "cleanup": {"retention_days": {"web": 10, "api": 10, "legacy": 10}},
})


def test_the_function_skips_repositories_another_project_or_nobody_owns(mock_account,
                                                                          monkeypatch, caplog):
    """The deployed handler, with the settings the function resource packages, deletes only
    from the repository tagged as ours, under a prefix it shares with other owners."""
    from ecrrep.resources.cleanup_function import function_settings

    ecr = boto3.client("ecr", region_name=SOURCE)
    ecr.create_repository(repositoryName="apps/web", tags=OURS)
    ecr.create_repository(repositoryName="apps/api",
                          tags=[{"Key": "ecrrep:project", "Value": "other"}])
    ecr.create_repository(repositoryName="apps/legacy")
    old = {name: push(ecr, f"apps/{name}", f"{name}-old", ["a"], 60 * DAY, NOW)
           for name in ("web", "api", "legacy")}
    for name in old:
        push(ecr, f"apps/{name}", f"{name}-new", ["b"], DAY, NOW)
    settings = function_settings(OWNED_SPEC)
    monkeypatch.setattr(CleanupConfig, "from_settings_file",
                        classmethod(lambda cls: cls.from_settings_text(settings)))

    with caplog.at_level(logging.WARNING, logger="ecrrep.cleanup"):
        result = cleanup.handler({}, None)

    assert old["web"] not in digests(ecr, "apps/web")
    assert old["api"] in digests(ecr, "apps/api") and len(digests(ecr, "apps/api")) == 2
    assert old["legacy"] in digests(ecr, "apps/legacy")
    assert [r["name"] for r in result["repositories"]] == ["web"]
    assert {s["name"]: s["owner"] for s in result["skipped"]} == {"api": "other",
                                                                  "legacy": None}
    messages = [r.getMessage() for r in caplog.records]
    assert "apps/api belongs to project other (ecrrep:project=other), not proj: its images " \
        "are left alone" in messages
    assert "apps/legacy has no ownership tag ecrrep:project, not proj: its images are left " \
        "alone" in messages
    assert metric_values(metrics.REPOSITORY_SIZE_BYTES, "RepositoryName", "apps/api",
                         "Maximum") == []


def test_ownership_keeps_missing_repositories_to_report_them(mock_account):
    from ecrrep.cleanup.function.ownership import owned_repositories

    ecr = boto3.client("ecr", region_name=SOURCE)
    ecr.create_repository(repositoryName="apps/web", tags=OURS)
    kept, foreign = owned_repositories(ecr, CONFIG)  # apps/api does not exist
    assert kept == {"web": 30, "api": None} and foreign == []


# -- metrics ---------------------------------------------------------------------------------


def copy_to_destination(repository: str, seed: str, tags: list[str]) -> None:
    """What ECR replication would have done: the same image in the destination region."""
    destination = boto3.client("ecr", region_name=DESTINATION)
    push(destination, repository, seed, tags)


def test_metrics_appear_in_cloudwatch(ecr):
    web_images(ecr)
    boto3.client("ecr", region_name=DESTINATION).create_repository(repositoryName="apps/web")
    # Of the four images cleanup leaves in apps/web, the destination holds three; apps/api
    # has no replica repository but also no image.
    for seed, tags in (("old-prod", ["prod-1"]), ("old-release", ["x", "release-2"]),
                       ("young", ["feature-2"])):
        copy_to_destination("apps/web", seed, tags)
    result = cleanup.run_cleanup(CONFIG, clients, now=NOW)

    assert metric_values(metrics.IMAGES_EXPIRED, "RepositoryName", "apps/web") == [2.0]
    assert metric_values(metrics.IMAGES_EXPIRED, "RepositoryName", "apps/api") == [0.0]
    sizes = metric_values(metrics.REPOSITORY_SIZE_BYTES, "RepositoryName", "apps/web")
    remaining = boto3.client("ecr", region_name=SOURCE).describe_images(
        repositoryName="apps/web")["imageDetails"]
    assert sizes == [float(sum(i["imageSizeInBytes"] for i in remaining))]
    rates = metric_values(metrics.REPLICATION_FAILURE_RATE, "DestinationRegion", DESTINATION,
                          "Maximum")
    assert rates == [25.0]
    assert result["replication"] == [{"region": DESTINATION, "source_images": 4, "missing": 1,
                                      "failure_rate_percent": 25.0}]
    assert result["metrics_published"] == 5


def test_images_within_the_grace_period_are_not_replication_failures(ecr):
    pushed = datetime.now(UTC).replace(microsecond=0)
    push(ecr, "apps/web", "fresh", ["a"], timedelta(0), pushed)
    boto3.client("ecr", region_name=DESTINATION).create_repository(repositoryName="apps/web")
    early = cleanup.run_cleanup(CONFIG, clients, now=pushed + timedelta(minutes=10))
    late = cleanup.run_cleanup(CONFIG, clients, now=pushed + timedelta(minutes=31))
    assert early["replication"][0]["missing"] == 0
    assert late["replication"][0]["missing"] == 1
    assert late["replication"][0]["failure_rate_percent"] == 100.0


def test_a_missing_replica_repository_counts_every_old_image_missing(ecr):
    push(ecr, "apps/web", "a", ["a"], 2 * DAY, NOW)
    push(ecr, "apps/web", "b", ["b"], 1 * DAY, NOW)
    result = cleanup.run_cleanup(CONFIG, clients, now=NOW)
    assert result["replication"][0]["missing"] == 2


# -- the Lambda entry point and its configuration --------------------------------------------


def test_handler_reads_its_configuration_from_the_packaged_settings(ecr, monkeypatch):
    images = web_images(ecr)
    settings = CONFIG.settings_text()
    monkeypatch.setattr(CleanupConfig, "from_settings_file",
                        classmethod(lambda cls: cls.from_settings_text(settings)))
    dry = cleanup.handler({"dry_run": True}, None)
    assert dry["dry_run"] and dry["would_delete"] == 2
    assert images["old-feature"] in digests(ecr, "apps/web")
    result = cleanup.handler({}, None)
    assert result["deleted"] == 2
    assert images["old-feature"] not in digests(ecr, "apps/web")


SPEC = Spec.model_validate({
    "project": "proj",
    "source_region": "us-east-1",
    "destination_regions": ["us-west-2", "eu-west-1"],
    "repository_prefix": "apps",
    "repositories": [{"name": "web"}, {"name": "api"}],
    "cleanup": {"retention_days": {"web": 90}, "protected_tag_prefixes": ["prod"],
                "dry_run": True},
})


def test_configuration_from_the_spec():
    config = CleanupConfig.from_spec(SPEC)
    assert config.project == "proj"
    assert config.repositories == {"web": 90, "api": 30}
    assert config.destination_regions == ("us-west-2", "eu-west-1")
    assert config.protected_tag_prefixes == ("prod",) and config.dry_run
    assert CleanupConfig.from_spec(SPEC, dry_run=False).dry_run is False


def test_the_function_resource_passes_what_the_handler_reads():
    from ecrrep.resources.cleanup_function import function_settings

    assert CleanupConfig.from_settings_text(function_settings(SPEC)) == (
        CleanupConfig.from_spec(SPEC))


def test_the_handler_runs_from_the_files_the_lambda_zip_holds(tmp_path: Path):
    """Only the zip's files and boto3 on the path, as in Lambda: nothing else of ecrrep."""
    from ecrrep.cleanup.package import build_zip, package_files

    package = tmp_path / "function.zip"
    package.write_bytes(build_zip(package_files(settings=CONFIG.settings_text())))
    assert "ecrrep/cleanup/function/handler.py" in zipfile.ZipFile(package).namelist()
    site = str(Path(boto3.__file__).resolve().parent.parent)
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "import ecrrep.cleanup.function.handler as h\n"
        "assert h.__file__.startswith(sys.argv[1]), h.__file__\n"
        "assert h.CleanupConfig.from_settings_file().project == 'proj'\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('ecrrep'))\n"
        "print(' '.join(loaded))\n"
    )
    # -S: no site-packages processing, so the editable install of ecrrep is invisible.
    done = subprocess.run([sys.executable, "-S", "-c", script, str(package), site],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "ecrrep", "ecrrep.cleanup", "ecrrep.cleanup.function", "ecrrep.cleanup.function.config",
        "ecrrep.cleanup.function.handler", "ecrrep.cleanup.function.metrics",
        "ecrrep.cleanup.function.ownership", "ecrrep.cleanup.function.references"]


def test_every_published_metric_names_the_project(ecr):
    web_images(ecr)
    cleanup.run_cleanup(CONFIG, clients, now=NOW)
    listed = boto3.client("cloudwatch", region_name=SOURCE).list_metrics(
        Namespace=metrics.NAMESPACE)["Metrics"]
    assert {m["MetricName"] for m in listed} == {
        metrics.IMAGES_EXPIRED, metrics.REPOSITORY_SIZE_BYTES, metrics.REPLICATION_FAILURE_RATE}
    for metric in listed:
        assert {"Name": "Project", "Value": PROJECT} in metric["Dimensions"], metric
