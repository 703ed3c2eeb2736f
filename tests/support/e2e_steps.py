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


def roles_known(aws, *role_arns: str) -> None:
    """Create the account's roles that a hand-made policy names, as they would exist on AWS,
    and let IAM propagation pass (the sandbox's clock, not a sleep): ECR refuses a policy
    naming a role it does not know yet, or one that does not exist ("Principal not found")."""
    from ecrrep.sandbox import settings

    iam = aws.client("iam")
    for arn in role_arns:
        iam.create_role(RoleName=arn.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))
    settings.advance(settings.current().iam_propagation_seconds)
