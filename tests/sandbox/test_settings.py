"""The sandbox's settings and clock: what every behaviour reads."""

from __future__ import annotations

import pytest


def test_clock_moves_forward_and_reset_brings_it_back(sandbox):
    from ecrrep.sandbox import settings

    before = settings.now()
    sandbox.advance(3600)
    assert settings.now() - before >= 3600
    sandbox.reset()
    assert settings.now() - before < 3600


def test_unknown_setting_is_refused():
    from ecrrep.sandbox import settings

    with pytest.raises(TypeError, match="unknown sandbox settings: replication_dealy"):
        settings.configure(replication_dealy=1)
