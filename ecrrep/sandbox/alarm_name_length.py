"""An alarm name is at most 255 characters.

AWS page: PutMetricAlarm, Amazon CloudWatch API Reference,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
(AlarmName, "Length Constraints: Minimum length of 1. Maximum length of 255."). botocore checks
only the minimum before sending, so the service refuses the rest: `ValidationError`, in AWS's
generic constraint wording ("1 validation error detected: Value '...' at 'alarmName' failed to
satisfy constraint: Member must have length less than or equal to 255").
"""

from __future__ import annotations

from typing import Any

from ecrrep.sandbox.patching import aws_like, wrap_method

MAX_LENGTH = 255


def install() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    wrap_method(CloudWatchBackend, "put_metric_alarm", _check_name)


def too_long_message(name: str) -> str:
    return (f"1 validation error detected: Value '{name}' at 'alarmName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_LENGTH}")


def _check_name(original: Any, backend: Any, *args: Any, **kwargs: Any) -> Any:
    from moto.cloudwatch.exceptions import ValidationError

    name = kwargs.get("name", args[0] if args else "")
    if aws_like() and len(name) > MAX_LENGTH:
        raise ValidationError(too_long_message(name))
    return original(backend, *args, **kwargs)
