"""Where the emulator is laxer than AWS in ways that hide a retried call's second landing,
make it answer as AWS does, for the duration of a test.

- Lambda AddPermission with a statement id already in the function's policy: AWS refuses
  with ResourceConflictException (HTTP 409); moto adds a second statement with the same id.
"""

from __future__ import annotations

import json
from typing import Any

import pytest


def refuse_duplicate_statement_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.awslambda.exceptions import LambdaClientError
    from moto.awslambda.policy import Policy

    add_statement = Policy.add_statement

    def checked(self: Policy, raw: str, qualifier: str | None = None) -> Any:
        sid = _statement_id(raw)
        if sid and any(s.get("Sid") == sid for s in self.statements):
            error = LambdaClientError(
                "ResourceConflictException",
                f"The statement id ({sid}) provided already exists. Please provide a new "
                "statement id, or remove the existing statement.")
            error.code = 409
            raise error
        return add_statement(self, raw, qualifier)

    monkeypatch.setattr(Policy, "add_statement", checked)


def _statement_id(raw: str) -> str | None:
    try:
        return json.loads(raw).get("StatementId")
    except ValueError:
        return None
