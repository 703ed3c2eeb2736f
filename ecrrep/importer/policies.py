"""A repository policy → `access: restricted | open` when it is exactly what that preset writes
(given the role ARNs), else `access: custom` with the document. Pure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ecrrep.spec import naming
from ecrrep.spec.documents import documents_differ, normalise_policy, repository_policy_document
from ecrrep.spec.rules import ROLE_ARN_PATTERN, matches


@dataclass(frozen=True)
class Roles:
    """The role ARNs the presets name: ecrrep's own roles, or roles found in the policies."""

    production: str | None
    ci: str | None


def preset_for(document: Any, account_id: str, roles: Roles) -> str | None:
    """`restricted` or `open` when the document is exactly that preset's, else None."""
    for access, needs in (("restricted", (roles.production, roles.ci)), ("open", (roles.ci,))):
        if any(arn is None for arn in needs):
            continue
        preset = repository_policy_document(access, None, account_id, roles.production,
                                            roles.ci)
        if not documents_differ(preset, normalise_policy(document)):
            return access
    return None


def _role_principals(document: Any) -> list[str]:
    """The role ARNs a policy names as AWS principals."""
    found: list[str] = []
    for statement in normalise_policy(document).get("Statement", []):
        principal = statement.get("Principal")
        values = principal.get("AWS", []) if isinstance(principal, dict) else []
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, str) and matches(ROLE_ARN_PATTERN, value):
                found.append(value)
    return found


def roles_in_policies(documents: list[Any], account_id: str) -> Roles:
    """The (production, ci) role pair that lets the most policies read as a preset.

    Used when ecrrep's own roles do not exist (`iam.create_roles: false`): the spec then names
    the existing roles, and one pair serves every repository."""
    votes: Counter[tuple[str | None, str | None]] = Counter()
    for document in documents:
        arns = sorted(set(_role_principals(document)))
        candidates = [(None, ci) for ci in arns] + [(p, c) for p in arns for c in arns if p != c]
        for production, ci in candidates:
            access = preset_for(document, account_id, Roles(production, ci))
            if access == "restricted":
                votes[(production, ci)] += 1
            elif access == "open":
                votes[(None, ci)] += 1
    if not votes:
        return Roles(None, None)
    # A restricted match names both roles; prefer it over an open match on the same CI role.
    (production, ci), _ = max(votes.items(), key=lambda item: (item[1], item[0][0] is not None))
    return Roles(production, ci)


def account_pull_policy(account_id: str) -> dict[str, Any]:
    """What a repository without a policy becomes: the account's identities pull as their own
    IAM policies allow. For principals of the same account this grants nothing that having no
    policy did not: https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policies.html
    """
    return normalise_policy({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": naming.account_root_arn(account_id)},
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                       "ecr:GetDownloadUrlForLayer"],
        }],
    })


def import_access(document: Any, account_id: str,
                  roles: Roles) -> tuple[dict[str, Any], str | None]:
    """The spec's `access` (and `policy`) for a repository, and a note when it is not the
    policy the repository has now."""
    if document is None:
        return ({"access": "custom", "policy": account_pull_policy(account_id)},
                "had no repository policy; ecrrep always sets one, so this spec has one that "
                "lets this account's identities pull as their IAM policies allow (the same "
                "access as no policy) — apply will set it")
    access = preset_for(document, account_id, roles)
    if access is not None:
        return {"access": access}, None
    return ({"access": "custom", "policy": normalise_policy(document)},
            "repository policy written as custom: it is not exactly what `restricted` or "
            "`open` would write for the roles found")
