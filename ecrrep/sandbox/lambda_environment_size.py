"""A Lambda function's environment variables: at most 4 KB in all.

AWS page: Lambda quotas, https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
("Function environment variables: 4 KB, for all environment variables associated with the
function, in aggregate").

AWS refuses CreateFunction and UpdateFunctionConfiguration with InvalidParameterValueException,
"Lambda was unable to configure your environment variables because the environment variables
you have provided exceeded the 4KB limit. String measured: {...}" (quoted from AWS in
github-aws-runners/terraform-aws-github-runner#3594): the size is that of the variables as a
compact JSON object.
"""

from __future__ import annotations

import json
from typing import Any

from ecrrep.sandbox.patching import aws_like, wrap_method

LIMIT_BYTES = 4096
MESSAGE = ("Lambda was unable to configure your environment variables because the environment "
           "variables you have provided exceeded the 4KB limit. String measured: ")


def install() -> None:
    from moto.awslambda.models import LambdaBackend

    wrap_method(LambdaBackend, "create_function", _check_created)
    wrap_method(LambdaBackend, "update_function_configuration", _check_updated)


def measured(variables: dict[str, str]) -> str:
    return json.dumps(variables, separators=(",", ":"), ensure_ascii=False)


def _refuse_oversized(environment: Any) -> None:
    from moto.awslambda.exceptions import InvalidParameterValueException

    variables = (environment or {}).get("Variables") or {}
    text = measured(variables)
    if aws_like() and len(text.encode()) > LIMIT_BYTES:
        raise InvalidParameterValueException(MESSAGE + text)


def _check_created(original: Any, backend: Any, spec: dict[str, Any]) -> Any:
    _refuse_oversized(spec.get("Environment"))
    return original(backend, spec)


def _check_updated(original: Any, backend: Any, function_name: str, qualifier: Any,
                   body: dict[str, Any]) -> Any:
    _refuse_oversized(body.get("Environment"))
    return original(backend, function_name, qualifier, body)
