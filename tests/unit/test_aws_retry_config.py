"""Throttling is botocore's: ecrrep's clients use the retry mode and attempts the user set
(AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, or retry_mode / max_attempts in the profile), standard mode
and 10 attempts where nothing is set, and adaptive mode when asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecrrep.aws.context import DEFAULT_MAX_ATTEMPTS, AwsContext


@pytest.fixture(autouse=True)
def no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_PROFILE", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))


def retries(ctx: AwsContext, **kwargs: bool) -> dict:
    return ctx.client("ecr", "us-east-1", **kwargs).meta.config.retries


def test_by_default_standard_mode_with_ecrrep_s_ten_attempts():
    assert retries(AwsContext()) == {"mode": "standard",
                                     "total_max_attempts": DEFAULT_MAX_ATTEMPTS}


def test_the_environment_chooses_adaptive_mode_and_the_attempts(monkeypatch):
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    assert retries(AwsContext()) == {"mode": "adaptive", "total_max_attempts": 4}


def test_the_profile_in_the_config_file_chooses_them(monkeypatch, tmp_path):
    config = tmp_path / "config"
    config.write_text("[profile storm]\nretry_mode = adaptive\nmax_attempts = 6\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

    assert retries(AwsContext(profile="storm")) == {"mode": "adaptive", "total_max_attempts": 6}


def test_a_probe_client_tries_once_whatever_the_user_set(monkeypatch):
    monkeypatch.setenv("AWS_RETRY_MODE", "adaptive")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")

    assert retries(AwsContext(), retries=False) == {"mode": "standard", "total_max_attempts": 1}
