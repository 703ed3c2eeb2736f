"""Our statement in a destination registry's permissions policy, and the policy with it merged.

Pure: documents in, documents out. Cross-account replication needs the destination registry to
allow the source account `ecr:ReplicateImage`, and `ecr:CreateRepository` so ECR may create a
replica ecrrep has not created yet, on `arn:aws:ecr:<region>:<destination account>:repository/*`
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-create-replication.html,
https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-examples.html). The
registry holds one policy shared by everyone: our statement is told by its Sid, the others are
kept exactly as they are.
"""

from __future__ import annotations

import copy
import json
from typing import Any

POLICY_VERSION = "2012-10-17"
ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage")


def statement_id(project: str) -> str:
    """Our statement's Sid: letters and digits only, as IAM's policy grammar allows
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html).
    A project name is lowercase letters, digits and hyphens, so each hyphen is written `X`
    (a letter no project name holds): one Sid per project, never another project's (written
    camel-case, `a-1b` and `a1b`, or `ab--c` and `ab-c`, would share one)."""
    return "EcrrepReplication" + project.replace("-", "X")


def our_statement(project: str, source_account: str, region: str,
                  destination_account: str) -> dict[str, Any]:
    return {
        "Sid": statement_id(project),
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{source_account}:root"},
        "Action": list(ACTIONS),
        "Resource": [f"arn:aws:ecr:{region}:{destination_account}:repository/*"],
    }


def comparable(statement: dict[str, Any]) -> dict[str, Any]:
    """A statement by meaning: a one-item list and its item alike, lists sorted."""
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in ("Action", "Resource"):
            value = sorted([value] if isinstance(value, str) else value)
        elif key == "Principal" and isinstance(value, dict):
            value = {k: sorted([v] if isinstance(v, str) else v) for k, v in value.items()}
        out[key] = value
    return out


def policies_differ(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Whether two policies differ in meaning: statements compared `comparable`, in any
    order (AWS may answer them in another); every other key exactly."""
    return _meaning(a) != _meaning(b)


def holds(policy: dict[str, Any] | None, sid: str, ours: dict[str, Any] | None) -> bool:
    """Whether a policy read back holds our write: our statement as wanted, by meaning, or,
    for a removal (None), no statement of ours. The others are not ours to check: each
    written is what we read, and whoever changed one since did so on purpose."""
    found = find_ours(policy, sid)
    if ours is None:
        return found is None
    return found is not None and comparable(found) == comparable(ours)


def _meaning(policy: dict[str, Any] | None) -> Any:
    if policy is None:
        return None
    statements = [comparable(s) if isinstance(s, dict) else s for s in _statements(policy)]
    rest = {k: v for k, v in policy.items() if k != "Statement"}
    return rest, sorted(statements, key=lambda s: json.dumps(s, sort_keys=True))


def find_ours(policy: dict[str, Any] | None, sid: str) -> dict[str, Any] | None:
    for statement in _statements(policy):
        if isinstance(statement, dict) and statement.get("Sid") == sid:
            return statement
    return None


def with_ours(policy: dict[str, Any] | None, sid: str,
              ours: dict[str, Any] | None) -> dict[str, Any] | None:
    """The policy with our statement replaced by `ours` (added where absent), or removed
    (None); every other statement and key kept exactly. None when nothing is left: the
    registry then needs no policy."""
    others = [s for s in _statements(policy)
              if not (isinstance(s, dict) and s.get("Sid") == sid)]
    statements = others + ([copy.deepcopy(ours)] if ours is not None else [])
    if not statements:
        return None
    document = copy.deepcopy(policy) if policy else {"Version": POLICY_VERSION}
    document["Statement"] = statements
    return document


def _statements(policy: dict[str, Any] | None) -> list[Any]:
    found = (policy or {}).get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)
