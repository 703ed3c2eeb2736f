"""The cleanup function's settings file: its round trip and the message a bad setting gives."""

from __future__ import annotations

import pytest

from ecrrep.cleanup.function.config import CleanupConfig, ConfigError
from tests.support.cleanup_account import CONFIG


def test_settings_round_trip():
    assert CleanupConfig.from_settings_text(CONFIG.settings_text()) == CONFIG


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"source_region": ""}, "source_region is not set"),
        ({"project": None}, "project is not set"),
        ({"repositories": {"web": 0}}, "repositories must be a JSON object"),
        ({"repositories": ["web"]}, "repositories must be a JSON object"),
        ({"dry_run": "maybe"}, "dry_run must be true or false"),
        ({"default_retention_days": "ten"}, "default_retention_days must be a whole number"),
        ({"default_retention_days": 0}, "default_retention_days must be at least 1"),
        ({"destination_regions": "us-west-2"}, "destination_regions must be a list"),
    ],
)
def test_bad_settings_name_the_setting(change, message):
    with pytest.raises(ConfigError, match=message):
        CleanupConfig.from_settings({**CONFIG.to_settings(), **change})


def test_settings_that_are_not_json_say_so():
    with pytest.raises(ConfigError, match="settings.json is not JSON"):
        CleanupConfig.from_settings_text("{not json")
