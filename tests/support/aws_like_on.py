"""For the tests of AWS's limits and delays: aws-like on, whatever the settings' default.

aws-like is the default (tests/sandbox/conftest.py); a module about a limit or a delay still
imports this fixture, so that the default changing would not quietly turn its tests into tests
of moto's own behaviour."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def aws_like_on(sandbox):
    """Import into a test module to run each of its tests with aws-like on."""
    sandbox.configure(aws_like=True)
