"""How the sandbox reads a destination registry's policy for cross-account replication: as
IAM does for what such statements say (pure, no server)."""

from __future__ import annotations

import pytest

from ecrrep.sandbox.registry_permissions import allows

SOURCE = "111111111111"
ARN = "arn:aws:ecr:eu-central-1:222222222222:repository/apps/web"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(**changes) -> dict:
    return {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SOURCE}:root"},
            "Action": ["ecr:ReplicateImage"], "Resource": [ARN], **changes}


@pytest.mark.parametrize("statement", [
    allow(),
    allow(Principal={"AWS": SOURCE}),
    allow(Principal="*"),
    allow(Principal={"AWS": ["arn:aws:iam::999999999999:root", SOURCE]}),
    allow(Action="ecr:*"),
    allow(Action="ECR:replicate*"),
    allow(Action="*"),
    allow(Resource="*"),
    allow(Resource="arn:aws:ecr:eu-central-?:222222222222:repository/apps/*"),
])
def test_statements_that_allow_the_source_account(statement):
    assert allows(policy(statement), SOURCE, "ecr:ReplicateImage", ARN)
    assert allows({"Statement": statement}, SOURCE, "ecr:ReplicateImage", ARN)


@pytest.mark.parametrize("statement", [
    allow(Principal={"AWS": "arn:aws:iam::999999999999:root"}),
    allow(Principal={"AWS": f"arn:aws:iam::{SOURCE}:role/deployer"}),
    allow(Principal={"Service": "ecr.amazonaws.com"}),
    allow(Action="ecr:CreateRepository"),
    allow(Resource="arn:aws:ecr:eu-central-1:222222222222:repository/tools/*"),
    allow(Resource="arn:aws:ecr:eu-central-1:222222222222:repository/apps/[w]eb"),
    allow(Effect="Deny"),
    allow(Condition={"StringEquals": {"aws:SourceAccount": SOURCE}}),
    allow(NotAction="ecr:CreateRepository"),
])
def test_statements_that_do_not(statement):
    assert not allows(policy(statement), SOURCE, "ecr:ReplicateImage", ARN)


def test_an_explicit_deny_wins_and_no_policy_allows_nothing():
    denied = {**allow(), "Effect": "Deny", "Action": "ecr:*"}
    assert not allows(policy(allow(), denied), SOURCE, "ecr:ReplicateImage", ARN)
    assert not allows(None, SOURCE, "ecr:ReplicateImage", ARN)
