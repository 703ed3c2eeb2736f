"""The sandbox's own tests: an account on the sandbox server whose settings and clock a test
changes (`configure`, `advance`), checked with plain boto3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3

from tests.support.account import FAKE_CREDENTIALS, Aws


@dataclass
class Sandbox(Aws):
    def configure(self, **changes: Any) -> None:
        from ecrrep.sandbox import settings

        settings.configure(**changes)

    def advance(self, seconds: float) -> None:
        from ecrrep.sandbox import settings

        settings.advance(seconds)

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service, region_name=region, endpoint_url=self.endpoint,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])
