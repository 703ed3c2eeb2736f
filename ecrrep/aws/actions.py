"""The vocabulary a resource kind declares its IAM actions in: a grant is actions on a scope
(a key of `ecrrep.aws.permissions.SCOPES`), and a kind's `iam` says what it calls to read, to
write and to delete. Kept apart from the policy builder in `permissions`, which reads every
kind's declaration, so that the kinds can import this without importing each other."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Grant:
    scope: str
    actions: tuple[str, ...]


def grants(scope: str, *actions: str) -> Grant:
    return Grant(scope, actions)


@dataclass(frozen=True)
class KindActions:
    """What a resource kind calls to read it, to create or update it, and to delete it."""

    read: tuple[Grant, ...]
    write: tuple[Grant, ...] = ()
    delete: tuple[Grant, ...] = ()


# Every read of repositories, roles' regions and the dashboard goes through the claims (the
# prefixes and regions we manage), and repositories are also found through the tagging index
# in every managed region.
CLAIMS_READ = (grants("claims_root", "ssm:GetParametersByPath"),
               grants("claims", "ssm:ListTagsForResource"))
REPOSITORY_READ = (*CLAIMS_READ,
                   grants("repository_listing", "ecr:DescribeRepositories"),
                   grants("repository", "ecr:ListTagsForResource"),
                   grants("none", "tag:GetResources"))

# Replication backfills belong to the registry, as its replication configuration does (a
# registry is not a resource type: "*"); apply and `ecrrep backfill` start them, validate-
# replication and `ecrrep backfill --wait` read them:
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/replication-backfill.html
BACKFILL_START = (grants("none", "ecr:StartReplicationBackfill"),)
BACKFILL_READ = (grants("none", "ecr:ListReplicationBackfills",
                        "ecr:DescribeReplicationBackfillResults"),)
