"""IAM propagation: for a while after CreateRole, ECR and Lambda do not know the new role.

AWS page: "Changes that I make are not always immediately visible", IAM User Guide,
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
("IAM ... is eventually consistent ... we recommend that you do not include such IAM changes
in the critical, high-availability code paths").

What AWS answers while the role has not propagated, or when it does not exist:
- ecr:SetRepositoryPolicy naming the role as a principal: InvalidParameterException,
  "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Principal not found'"
  (quoted from AWS in hashicorp/terraform-provider-aws#39064);
- lambda:CreateFunction / UpdateFunctionConfiguration with the role: InvalidParameterValueException,
  "The role defined for the function cannot be assumed by Lambda." (the same answer as for a
  role whose trust policy does not let lambda.amazonaws.com assume it, which this module also
  gives: https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html).

Setting: `iam_propagation_seconds`, measured on the sandbox clock from the role's creation.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ecrrep.sandbox import settings
from ecrrep.sandbox.patching import aws_like, wrap_method

PRINCIPAL_NOT_FOUND = (
    "Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Principal not found'")
ROLE_CANNOT_BE_ASSUMED = "The role defined for the function cannot be assumed by Lambda."
LAMBDA_SERVICE = "lambda.amazonaws.com"
_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/(?:[^/]+/)*([^/]+)$")
CREATED_AT = "sandbox_created_at"


def install() -> None:
    from moto.awslambda.models import LambdaBackend
    from moto.ecr.models import ECRBackend
    from moto.iam.models import IAMBackend

    wrap_method(IAMBackend, "create_role", _stamp_creation)
    wrap_method(ECRBackend, "set_repository_policy", _check_policy_principals)
    wrap_method(LambdaBackend, "create_function", _check_function_role)
    wrap_method(LambdaBackend, "update_function_configuration", _check_updated_role)


def _stamp_creation(original: Any, backend: Any, *args: Any, **kwargs: Any) -> Any:
    # Always stamped (it changes no answer), so turning aws-like on later still knows the age.
    role = original(backend, *args, **kwargs)
    setattr(role, CREATED_AT, settings.now())
    return role


def known_role(account_id: str, role_arn: str) -> Any | None:
    """The role if it exists and has propagated on the sandbox clock, else None."""
    from moto.iam.models import iam_backends

    match = _ROLE_ARN.match(role_arn)
    if not match or match.group(1) != account_id:
        return None
    backend = iam_backends[account_id]["aws"]
    role = next((r for r in backend.get_roles() if r.name == match.group(2)), None)
    if role is None:
        return None
    age = settings.now() - getattr(role, CREATED_AT, float("-inf"))
    return role if age >= settings.current().iam_propagation_seconds else None


def aws_principals(policy: dict[str, Any]) -> list[str]:
    """Every `Principal.AWS` value of a policy document."""
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    found: list[str] = []
    for statement in statements:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if not isinstance(principal, dict):
            continue
        values = principal.get("AWS", [])
        found.extend([values] if isinstance(values, str) else values)
    return found


def _check_policy_principals(original: Any, backend: Any, registry_id: str,
                             repository_name: str, policy_text: str) -> Any:
    if aws_like():
        from moto.ecr.exceptions import InvalidParameterException

        try:
            policy = json.loads(policy_text)
        except ValueError:
            policy = {}  # moto's own validation answers for text that is not JSON
        for principal in aws_principals(policy if isinstance(policy, dict) else {}):
            same_account_role = _ROLE_ARN.match(principal)
            if same_account_role and same_account_role.group(1) == backend.account_id \
                    and known_role(backend.account_id, principal) is None:
                raise InvalidParameterException(PRINCIPAL_NOT_FOUND)
    return original(backend, registry_id, repository_name, policy_text)


def _check_function_role(original: Any, backend: Any, spec: dict[str, Any]) -> Any:
    if aws_like() and spec.get("Role"):
        _refuse_unassumable(backend.account_id, spec["Role"])
    return original(backend, spec)


def _check_updated_role(original: Any, backend: Any, function_name: str, qualifier: Any,
                        body: dict[str, Any]) -> Any:
    if aws_like() and body.get("Role"):
        _refuse_unassumable(backend.account_id, body["Role"])
    return original(backend, function_name, qualifier, body)


def _refuse_unassumable(account_id: str, role_arn: str) -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException

    if not _ROLE_ARN.match(role_arn) or _ROLE_ARN.match(role_arn).group(1) != account_id:
        return  # moto answers for malformed and cross-account roles itself
    role = known_role(account_id, role_arn)
    if role is None or not lambda_may_assume(role.assume_role_policy_document):
        raise InvalidParameterValueException(ROLE_CANNOT_BE_ASSUMED)


def lambda_may_assume(trust_policy: Any) -> bool:
    """Whether a trust policy allows lambda.amazonaws.com to sts:AssumeRole."""
    try:
        policy = json.loads(trust_policy) if isinstance(trust_policy, str) else trust_policy
    except ValueError:
        return False
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        actions = statement.get("Action", [])
        if statement.get("Effect") == "Allow" \
                and LAMBDA_SERVICE in ([services] if isinstance(services, str) else services) \
                and "sts:AssumeRole" in ([actions] if isinstance(actions, str) else actions):
            return True
    return False
