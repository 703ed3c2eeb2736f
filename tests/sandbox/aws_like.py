"""For the tests of AWS's limits and delays: aws-like on (the settings' default is off)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def aws_like_on(sandbox):
    """Import into a test module to run each of its tests with aws-like on."""
    sandbox.configure(aws_like=True)
