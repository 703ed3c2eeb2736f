"""Replication into another account's registry only where that registry's permissions policy
allows it, as ECR requires; moto's replication (and the sandbox's without aws-like) copies
into any registry.

Follows https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions-create-replication.html:
the destination registry's policy must grant the source `ecr:ReplicateImage`, and
`ecr:CreateRepository` lets ECR create a repository not there yet (else one of that name must
exist already); "If neither is done, replication fails." Only the destination needs a policy,
and only for another account
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication.html, "Cross-account
replication policy requirements").

So, while aws-like is on, a replication to a registry of another account is FAILED, and
nothing arrives, unless the policy of that registry (account and Region) allows the source
account `ecr:ReplicateImage` on the repository's ARN, and `ecr:CreateRepository` too when the
repository is not there yet. Pushes and backfills alike: both replicate through
`replication`. AWS documents DescribeImageReplicationStatus's failureCode but not its values
(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageReplicationStatus.html);
the sandbox's codes name the permission missing. (The status has no failure reason field,
in the API reference or botocore's model.)

The policy is evaluated as IAM does for what these statements say: an explicit Deny wins over
any Allow; a statement names the source account as `arn:aws:iam::<account>:root`, the bare
account ID or `*`; actions (case-insensitively) and resources take IAM's wildcards `*` and
`?`. The sandbox does not evaluate `Condition`, `NotAction`, `NotResource` or
`NotPrincipal`: a statement holding any of them is left out.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from ecrrep.sandbox.replication import Replication

REPLICATE_IMAGE, CREATE_REPOSITORY = "ecr:ReplicateImage", "ecr:CreateRepository"
DENIED_REPLICATE_IMAGE = "REGISTRY_POLICY_DENIES_REPLICATE_IMAGE"
DENIED_CREATE_REPOSITORY = "REGISTRY_POLICY_DENIES_CREATE_REPOSITORY"
UNEVALUATED = ("Condition", "NotAction", "NotResource", "NotPrincipal")


def allows(policy: dict[str, Any] | None, account: str, action: str, resource: str) -> bool:
    """Whether a registry policy lets `account` call `action` on `resource`."""
    effects = {s.get("Effect") for s in _statements(policy)
               if _applies(s, account, action, resource)}
    return "Allow" in effects and "Deny" not in effects


def refusal(replication: Replication) -> str | None:
    """The failure code of a replication the destination registry does not allow, else
    None (aws-like off, or a destination in the source's own account)."""
    from moto.ecr.models import ecr_backends

    from ecrrep.sandbox.patching import aws_like

    source, there = replication.account_id, replication.destination_account
    if there == source or not aws_like():
        return None
    backend = ecr_backends[there][replication.destination_region]
    policy = json.loads(backend.registry_policy) if backend.registry_policy else None
    arn = (f"arn:aws:ecr:{replication.destination_region}:{there}:repository/"
           f"{replication.repository}")
    if not allows(policy, source, REPLICATE_IMAGE, arn):
        return DENIED_REPLICATE_IMAGE
    if replication.repository not in backend.repositories and not allows(
            policy, source, CREATE_REPOSITORY, arn):
        return DENIED_CREATE_REPOSITORY
    return None


def _statements(policy: dict[str, Any] | None) -> list[dict[str, Any]]:
    found = (policy or {}).get("Statement", [])
    found = [found] if isinstance(found, dict) else found
    return [s for s in found if isinstance(s, dict) and not any(k in s for k in UNEVALUATED)]


def _applies(statement: dict[str, Any], account: str, action: str, resource: str) -> bool:
    return (_names(statement.get("Principal"), account)
            and any(_matches(p, action, ignore_case=True)
                    for p in _listed(statement.get("Action")))
            and any(_matches(p, resource) for p in _listed(statement.get("Resource"))))


def _names(principal: Any, account: str) -> bool:
    """Whether a Principal names the whole of `account` (or everyone)."""
    if principal == "*":
        return True
    given = _listed(principal.get("AWS")) if isinstance(principal, dict) else []
    return bool({"*", account, f"arn:aws:iam::{account}:root"} & set(given))


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value or [] if isinstance(v, str)]


def _matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


@functools.cache
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters, `?` any one; nothing else is special."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def install() -> None:
    from ecrrep.sandbox import replication

    replication.check_before_copy(refusal)
