"""Where the emulator is laxer than AWS in ways that hide a retried call's second landing,
make it answer as AWS does, for the duration of a test.

- Lambda AddPermission with a statement id already in the function's policy: AWS refuses
  with ResourceConflictException (HTTP 409); moto adds a second statement with the same id.
  The sandbox does the same while aws-like is on (`ecrrep.sandbox.lambda_statement_ids`);
  the fault tests run on the plain moto server, so they patch it in here with the same check.
"""

from __future__ import annotations

from typing import Any

import pytest


def refuse_duplicate_statement_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.awslambda.policy import Policy

    from ecrrep.sandbox.lambda_statement_ids import refuse_duplicate

    add_statement = Policy.add_statement

    def checked(self: Policy, raw: str, qualifier: str | None = None) -> Any:
        refuse_duplicate(self, raw)
        return add_statement(self, raw, qualifier)

    monkeypatch.setattr(Policy, "add_statement", checked)
