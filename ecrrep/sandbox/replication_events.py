"""The `ECR Replication Action` event each replication puts on its destination's default bus.

Shaped as ECR's event reference shows it ("Event for a completed image replication" and "Event
for a failed image replication",
https://docs.aws.amazon.com/AmazonECR/latest/userguide/ecr-eventbridge.html): source `aws.ecr`,
the event's region is the destination, `resources` the destination repository's ARN, and
`detail` holds result (SUCCESS | FAILED), repository-name, image-digest, source-account,
action-type REPLICATE, source-region and image-tag. It goes through moto's EventBridge
backend, so every rule on that bus that matches it delivers to its targets.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from ecrrep.sandbox import settings

log = logging.getLogger(__name__)

SOURCE = "aws.ecr"
DETAIL_TYPE = "ECR Replication Action"


def replication_event(replication: Any, outcome: Any) -> dict[str, Any]:
    """The PutEvents entry for one finished replication."""
    detail: dict[str, Any] = {
        "result": "FAILED" if outcome.status == "FAILED" else "SUCCESS",
        "repository-name": replication.repository,
        "image-digest": replication.digest,
        "source-account": replication.account_id,
        "action-type": "REPLICATE",
        "source-region": replication.source_region,
    }
    if replication.tag:
        detail["image-tag"] = replication.tag
    arn = (f"arn:aws:ecr:{replication.destination_region}:{replication.destination_account}"
           f":repository/{replication.repository}")
    return {"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail),
            "Resources": [arn], "Time": settings.now()}


def put_replication_event(replication: Any, outcome: Any) -> None:
    from moto.events.models import events_backends

    backend = events_backends[replication.destination_account][replication.destination_region]
    try:
        backend.put_events([replication_event(replication, outcome)])
    except Exception:  # a target the emulator cannot deliver to must not break the request
        log.warning("could not deliver the ECR Replication Action event", exc_info=True)


def install() -> None:
    from ecrrep.sandbox import replication

    replication.on_replicated(put_replication_event)
