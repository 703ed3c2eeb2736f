"""The test account: fake credentials, and plain boto3 against a test server, to check the
account independently of ecrrep."""

from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass
from typing import Any

import boto3

ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0000",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-never-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Aws:
    """Plain boto3 against the test server, to check the account independently of ecrrep."""

    endpoint: str

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=self.endpoint,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        # A reset rebuilds every backend: on a loaded machine it can take longer than a call.
        urllib.request.urlopen(request, timeout=60).read()

    def env(self) -> dict[str, str]:
        """The environment a user would set to point ecrrep at this server."""
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "ECRREP_")) and k != "NO_COLOR"}
        env.update(FAKE_CREDENTIALS)
        env["AWS_ENDPOINT_URL"] = self.endpoint
        env["COLUMNS"] = "200"
        return env
