"""A Lambda function policy's statement ids are unique: AddPermission with an id already in
the policy is refused.

AWS page: AddPermission, AWS Lambda API Reference,
https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html
(ResourceConflictException, HTTP 409: "The resource already exists, or another operation is
in progress."); the message AWS gives is "The statement id (<id>) provided already exists.
Please provide a new statement id, or remove the existing statement." moto adds a second
statement with the same id, which hides a retried AddPermission that had already landed.
"""

from __future__ import annotations

import json
from typing import Any

from ecrrep.sandbox.patching import aws_like, wrap_method


def install() -> None:
    from moto.awslambda.policy import Policy

    wrap_method(Policy, "add_statement", _unique_statement_ids)


def statement_id(raw: str) -> str | None:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return parsed.get("StatementId") if isinstance(parsed, dict) else None


def refuse_duplicate(policy: Any, raw: str) -> None:
    """Raise AWS's conflict when `raw` (AddPermission's body) reuses a statement id."""
    from moto.awslambda.exceptions import LambdaClientError

    sid = statement_id(raw)
    if sid and any(s.get("Sid") == sid for s in policy.statements):
        error = LambdaClientError(
            "ResourceConflictException",
            f"The statement id ({sid}) provided already exists. Please provide a new "
            "statement id, or remove the existing statement.")
        error.code = 409
        raise error


def _unique_statement_ids(original: Any, policy: Any, raw: str,
                          qualifier: str | None = None) -> Any:
    if aws_like():
        refuse_duplicate(policy, raw)
    return original(policy, raw, qualifier)
