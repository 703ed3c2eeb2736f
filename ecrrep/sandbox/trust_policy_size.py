"""A role's trust policy is at most 2,048 characters.

AWS page: IAM and AWS STS quotas, IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
("Role trust policy length: 2,048 characters"; "IAM does not count white space when
calculating the size of a policy against these quotas").

AWS refuses CreateRole and UpdateAssumeRolePolicy with `LimitExceeded` (HTTP 409),
"Cannot exceed quota for ACLSizePerRole: 2048" (quoted from AWS in aws/aws-cdk#18564 and
kubeflow/kubeflow#6687) — not MalformedPolicyDocument.
"""

from __future__ import annotations

from typing import Any

from ecrrep.sandbox.patching import aws_like, wrap_method

MAX_CHARACTERS = 2048
MESSAGE = f"Cannot exceed quota for ACLSizePerRole: {MAX_CHARACTERS}"


def install() -> None:
    from moto.iam.models import IAMBackend

    wrap_method(IAMBackend, "create_role", _check_created)
    wrap_method(IAMBackend, "update_assume_role_policy", _check_updated)


def counted_length(document: str) -> int:
    """The policy's length as IAM counts it: white space does not count."""
    return sum(1 for character in document if not character.isspace())


def _refuse_oversized(document: str | None) -> None:
    from moto.iam.exceptions import LimitExceededException

    if aws_like() and document and counted_length(document) > MAX_CHARACTERS:
        raise LimitExceededException(MESSAGE)


def _check_created(original: Any, backend: Any, *args: Any, **kwargs: Any) -> Any:
    _refuse_oversized(kwargs.get("assume_role_policy_document", args[1] if len(args) > 1
                                 else None))
    return original(backend, *args, **kwargs)


def _check_updated(original: Any, backend: Any, role_name: str, policy_document: str) -> Any:
    _refuse_oversized(policy_document)
    return original(backend, role_name, policy_document)
