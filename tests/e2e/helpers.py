"""Steps the end-to-end tests share: run a command that must succeed, read its JSON."""

from __future__ import annotations

import json


def plan_json(cli) -> dict:
    result = cli("plan", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def changes_by_address(doc: dict) -> dict[str, dict]:
    return {c["address"]: c for c in doc["resource_changes"]}


def apply_ok(cli, *args: str) -> None:
    result = cli("apply", "--auto-approve", *args)
    assert result.returncode == 0, result.stdout + result.stderr
