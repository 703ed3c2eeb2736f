"""An opt-in Region whose EventBridge refuses a target on another Region's bus: one clear line
naming the Region and what to do, whether AWS refuses the call or the entry."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ecrrep.aws import AwsError
from ecrrep.resources.shared import event_rules

BUS = "arn:aws:events:us-east-1:123456789012:event-bus/default"
TARGETS = [{"Id": "source-region-bus", "Arn": BUS,
            "RoleArn": "arn:aws:iam::123456789012:role/p-ecr-events"}]


class OptInRegionEvents:
    """EventBridge in af-south-1 as Terraform users met it (terraform-provider-aws #31444)."""

    meta = type("Meta", (), {"region_name": "af-south-1"})()

    def __init__(self, as_entry: bool = False):
        self.as_entry = as_entry

    def put_targets(self, **params):
        if self.as_entry:
            return {"FailedEntryCount": 1, "FailedEntries": [{
                "TargetId": "source-region-bus", "ErrorCode": "ValidationException",
                "ErrorMessage": "Cross-region api call is not allowed."}]}
        raise ClientError({"Error": {"Code": "ValidationException",
                                     "Message": "Cross-region api call is not allowed."}},
                          "PutTargets")


@pytest.mark.parametrize("as_entry", [False, True], ids=["call", "entry"])
def test_a_refused_cross_region_target_says_which_region_and_what_to_do(as_entry):
    with pytest.raises(AwsError) as raised:
        event_rules._put_targets(OptInRegionEvents(as_entry), "p-ecr-replication-failed",
                                 TARGETS, [])
    line = raised.value.line()
    assert "\n" not in line
    assert line.startswith("PutTargets rule p-ecr-replication-failed (af-south-1): "
                           "CrossRegionTargetRefused: EventBridge in af-south-1 refuses to "
                           "forward events to the us-east-1 event bus")
    assert "remove af-south-1 from destination_regions" in line
    assert "notifications.enabled: false" in line


def test_other_validation_errors_pass_unchanged():
    class Refusing(OptInRegionEvents):
        def put_targets(self, **params):
            raise ClientError({"Error": {"Code": "ValidationException",
                                         "Message": "Parameter Arn is not valid."}},
                              "PutTargets")

    with pytest.raises(ClientError):
        event_rules._put_targets(Refusing(), "r", TARGETS, [])
