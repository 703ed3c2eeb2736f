"""Talking to AWS: clients and call counts (`context`), the AWS error idiom (`errors`), the
bounded work pool (`pool`), pagination, reachability (`connection`), the IAM actions each part
of ecrrep calls (`permissions`), and keeping credentials out of every output (`scrub`).

The names most code needs can be imported from the package itself
(`from ecrrep.aws import aws_error, retry_on`); they load on first use, so importing a light
module of this package (scrub, connection) does not import botocore.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.aws.errors import (
        AWS_EXCEPTIONS,
        AwsError,
        aws_action,
        aws_error,
        error_code,
        retry_on,
        translate_error,
    )
    from ecrrep.aws.pagination import paginate

_HOME = {
    "AwsContext": "context",
    "AWS_EXCEPTIONS": "errors",
    "AwsError": "errors",
    "aws_action": "errors",
    "aws_error": "errors",
    "error_code": "errors",
    "retry_on": "errors",
    "translate_error": "errors",
    "paginate": "pagination",
}

__all__ = [
    "AWS_EXCEPTIONS", "AwsContext", "AwsError", "aws_action", "aws_error", "error_code",
    "paginate", "retry_on", "translate_error",
]


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
