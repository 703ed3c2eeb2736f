"""A dashboard widget graphs at most 500 metrics.

AWS page: CloudWatch service quotas,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
("Dashboards: ... Up to 500 metrics per dashboard widget").

AWS refuses PutDashboard with `InvalidParameterInput`, "The dashboard body is invalid, there
are N validation errors: [...]" and the same list as `dashboardValidationMessages`
(DataPath, Message), each message in the schema validator's words ("Should NOT have more than
500 items", as AWS answers in awsdocs/amazon-cloudwatch-user-guide#10 for another array).
"""

from __future__ import annotations

import json
from typing import Any

from ecrrep.sandbox.patching import aws_like, wrap_method

MAX_METRICS = 500


def install() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    wrap_method(CloudWatchBackend, "put_dashboard", _check_widgets)


def validation_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    """One message per widget with more than 500 metrics."""
    widgets = body.get("widgets") if isinstance(body, dict) else None
    return [
        {"DataPath": f"/widgets/{index}/properties/metrics",
         "Message": f"Should NOT have more than {MAX_METRICS} items"}
        for index, widget in enumerate(widgets if isinstance(widgets, list) else [])
        if isinstance(widget, dict)
        and len((widget.get("properties") or {}).get("metrics") or []) > MAX_METRICS
    ]


def invalid_body_message(messages: list[dict[str, str]]) -> str:
    listed = json.dumps([{"dataPath": m["DataPath"], "message": m["Message"]} for m in messages],
                        indent=2)
    return (f"The dashboard body is invalid, there are {len(messages)} validation errors:\n"
            f"{listed}")


def _check_widgets(original: Any, backend: Any, name: str, body: str) -> Any:
    from moto.cloudwatch.exceptions import DashboardInvalidInputError

    messages = validation_messages(json.loads(body)) if aws_like() else []
    if messages:
        error = DashboardInvalidInputError(invalid_body_message(messages))
        error.dashboardValidationMessages = messages  # type: ignore[attr-defined]
        raise error
    return original(backend, name, body)
