"""Policy documents ecrrep writes, and the normalisers that compare documents by meaning.

AWS may hand a document back with other key order, a single item instead of a one-item list,
or an account id where we wrote the account's root ARN. Every document is normalised the same
way on both sides of a comparison, so an unchanged document is never rewritten.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ecrrep.spec import naming

POLICY_VERSION = "2012-10-17"

PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
PUSH_ACTIONS = (
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
# GetAuthorizationToken is account-wide: IAM accepts no narrower resource than "*".
AUTH_TOKEN_ACTION = "ecr:GetAuthorizationToken"

# IAM's limit on one role's inline policies, in characters without whitespace.
IAM_INLINE_POLICY_LIMIT = 10_240

_LIST_KEYS = ("Action", "NotAction", "Resource", "NotResource")
_ACCOUNT_ID = re.compile(r"^\d{12}$")


# -- normalisation ---------------------------------------------------------------------------


def _as_sorted_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted({json.dumps(i, sort_keys=True): i for i in items}.values(), key=_sort_key)


def _collapse(items: list[Any]) -> Any:
    return items[0] if len(items) == 1 else items


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _principal_value(value: str) -> str:
    return naming.account_root_arn(value) if _ACCOUNT_ID.match(value) else value


def _normalise_principal(principal: Any) -> Any:
    if principal == "*":
        return {"AWS": "*"}
    if not isinstance(principal, dict):
        return principal
    out = {}
    for kind, values in sorted(principal.items()):
        # Account ids become root ARNs before duplicates go: an id and its root ARN are one.
        items = [_principal_value(v) if isinstance(v, str) else v
                 for v in (values if isinstance(values, list) else [values])]
        out[kind] = _collapse(_as_sorted_list(items))
    return out


def _normalise_condition(condition: Any) -> Any:
    if not isinstance(condition, dict):
        return condition
    return {
        operator: {key: _collapse(_as_sorted_list(v)) for key, v in sorted(pairs.items())}
        if isinstance(pairs, dict) else pairs
        for operator, pairs in sorted(condition.items())
    }


def _normalise_statement(statement: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in sorted(statement.items()):
        if key in _LIST_KEYS:
            out[key] = _collapse(_as_sorted_list(value))
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _normalise_principal(value)
        elif key == "Condition":
            out[key] = _normalise_condition(value)
        else:
            out[key] = value
    return out


def normalise_policy(document: Any) -> Any:
    """An IAM-style policy in canonical form: sorted keys, sorted statements, no 1-item lists."""
    if isinstance(document, str):
        document = json.loads(document)
    if not isinstance(document, dict):
        return document
    out = {k: v for k, v in sorted(document.items()) if k != "Statement"}
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    out["Statement"] = sorted(
        (_normalise_statement(s) if isinstance(s, dict) else s for s in statements),
        key=_sort_key,
    )
    return out


def normalise_lifecycle_policy(document: Any) -> Any:
    """A lifecycle policy in canonical form: rules by priority, prefix lists as sets."""
    if isinstance(document, str):
        document = json.loads(document)
    if not isinstance(document, dict):
        return document
    rules = []
    for rule in document.get("rules", []):
        selection = dict(rule.get("selection", {}))
        for key in ("tagPrefixList", "tagPatternList"):
            if key in selection:
                if selection[key]:
                    selection[key] = sorted(set(selection[key]))
                else:
                    del selection[key]
        if selection.get("countType") not in _DAY_COUNTS:
            selection.pop("countUnit", None)
        # standard is what a rule selects without storageClass: the same meaning.
        if selection.get("storageClass") == "standard":
            del selection["storageClass"]
        normalised = {
            "rulePriority": rule.get("rulePriority"),
            "selection": dict(sorted(selection.items())),
            "action": dict(sorted((rule.get("action") or {"type": "expire"}).items())),
        }
        if rule.get("description"):
            normalised["description"] = rule["description"]
        rules.append(dict(sorted(normalised.items())))
    rules.sort(key=lambda r: (r.get("rulePriority") is None, r.get("rulePriority") or 0))
    return {"rules": rules}


def documents_differ(a: Any, b: Any) -> bool:
    """The one comparison used for managed values: both sides are already normalised."""
    return _sort_key(a) != _sort_key(b)


def compact_json(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def policy_text(document: Any) -> str:
    """A lifecycle or repository policy as ecrrep sends it to ECR (indented, for the console);
    ECR's length limits apply to this text."""
    return json.dumps(document, indent=2, sort_keys=True)


# -- lifecycle -------------------------------------------------------------------------------


_DAY_COUNTS = ("sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
_ARCHIVE = {"type": "transition", "targetStorageClass": "archive"}
# A spec rule's count setting → (countType, action, storageClass). The archive ones follow
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html and
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive_restore_image.html.
_COUNTS: dict[str, tuple[str, dict[str, str], str | None]] = {
    "keep_last": ("imageCountMoreThan", {"type": "expire"}, None),
    "expire_after_days": ("sinceImagePushed", {"type": "expire"}, None),
    "archive_after_days": ("sinceImagePushed", _ARCHIVE, None),
    "archive_unpulled_days": ("sinceImagePulled", _ARCHIVE, None),
    "expire_archived_after_days": ("sinceImageTransitioned", {"type": "expire"}, "archive"),
}


def lifecycle_rule(priority: int, rule: Any) -> dict[str, Any]:
    """One ECR lifecycle rule from a spec rule (`LifecycleRuleSpec`)."""
    selection: dict[str, Any] = {"tagStatus": rule.select}
    if rule.tag_prefixes:
        selection["tagPrefixList"] = list(rule.tag_prefixes)
    if rule.tag_patterns:
        selection["tagPatternList"] = list(rule.tag_patterns)
    setting, number = _count_setting(rule)
    count_type, action, storage_class = _COUNTS[setting]
    selection.update(countType=count_type, countNumber=number)
    if count_type in _DAY_COUNTS:
        selection["countUnit"] = "days"
    if storage_class:
        selection["storageClass"] = storage_class
    out: dict[str, Any] = {
        "rulePriority": priority,
        "selection": selection,
        "action": dict(action),
    }
    out["description"] = rule.description or _describe_rule(rule)
    return out


def _count_setting(rule: Any) -> tuple[str, int | None]:
    """The rule's one count setting and its number (the spec allows exactly one; a rule
    still missing it, being validated, reads as expire_after_days: None)."""
    return next(((name, getattr(rule, name)) for name in _COUNTS
                 if getattr(rule, name, None) is not None), ("expire_after_days", None))


def _describe_rule(rule: Any) -> str:
    what = {"tagged": "tagged", "untagged": "untagged", "any": "all"}[rule.select]
    tags = rule.tag_prefixes or rule.tag_patterns
    if tags:
        what += " " + ", ".join(tags)
    setting, number = _count_setting(rule)
    return {
        "keep_last": f"Keep the last {number} {what} images",
        "expire_after_days": f"Expire {what} images after {number} days",
        "archive_after_days": f"Archive {what} images after {number} days",
        "archive_unpulled_days": f"Archive {what} images not pulled for {number} days",
        "expire_archived_after_days":
            f"Expire archived {what} images {number} days after archiving",
    }[setting]


def lifecycle_policy_document(repository: Any) -> dict[str, Any] | None:
    """The lifecycle policy of a spec repository, or None when it has none."""
    if repository.lifecycle_policy is not None:
        return normalise_lifecycle_policy(repository.lifecycle_policy)
    if not repository.lifecycle:
        return None
    rules = [lifecycle_rule(i, r) for i, r in enumerate(repository.lifecycle, start=1)]
    return normalise_lifecycle_policy({"rules": rules})


# -- repository policies ---------------------------------------------------------------------


def _allow(sid: str, principal: str | list[str], actions: tuple[str, ...]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": list(actions),
    }


def repository_policy_document(
    access: str,
    custom_policy: dict[str, Any] | None,
    account_id: str,
    production_role_arn: str | None,
    ci_role_arn: str | None,
) -> dict[str, Any]:
    """The repository policy for `restricted`, `open` or `custom` access, normalised."""
    if access == "custom":
        return normalise_policy(custom_policy)
    statements = []
    if access == "restricted":
        statements.append(_allow("ProductionPull", production_role_arn, PULL_ACTIONS))
    else:
        statements.append(_allow("AccountPull", naming.account_root_arn(account_id), PULL_ACTIONS))
    statements.append(_allow("CIPushPull", ci_role_arn, PULL_ACTIONS + PUSH_ACTIONS))
    return normalise_policy({"Version": POLICY_VERSION, "Statement": statements})


# -- IAM roles -------------------------------------------------------------------------------


def trust_policy_document(services: list[str], role_arns: list[str]) -> dict[str, Any]:
    """Who may assume a role: AWS services and, optionally, other roles."""
    statements: list[dict[str, Any]] = [{
        "Effect": "Allow",
        "Principal": {"Service": [f"{s}.amazonaws.com" for s in services]},
        "Action": "sts:AssumeRole",
    }]
    if role_arns:
        statements.append({
            "Effect": "Allow",
            "Principal": {"AWS": list(role_arns)},
            "Action": "sts:AssumeRole",
        })
    return normalise_policy({"Version": POLICY_VERSION, "Statement": statements})


def _statement(sid: str, actions: tuple[str, ...] | list[str], resources: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources}


def _fits_inline_limit(document: dict[str, Any]) -> bool:
    return len(compact_json(document)) <= IAM_INLINE_POLICY_LIMIT


def production_role_policy(
    account_id: str, regions: list[str], prefix: str, repositories: list[str]
) -> dict[str, Any]:
    """Pull only, on the spec's repositories in every region.

    Listing every repository ARN is the least privilege; when that would pass IAM's size limit
    the policy falls back to the prefix pattern, which still covers only ecrrep's repositories.
    """
    arns = [
        naming.repository_arn(region, account_id, naming.repository_name(prefix, name))
        for region in regions for name in repositories
    ]
    document = _pull_policy(arns)
    if _fits_inline_limit(document):
        return document
    pattern = [naming.repository_arn(r, account_id, f"{prefix}/*") for r in regions]
    return _pull_policy(pattern)


def _pull_policy(repository_arns: list[str]) -> dict[str, Any]:
    return normalise_policy({
        "Version": POLICY_VERSION,
        "Statement": [
            _statement("AuthorizationToken", [AUTH_TOKEN_ACTION], "*"),
            _statement("PullImages", PULL_ACTIONS, repository_arns),
        ],
    })


def ci_role_policy(account_id: str, source_region: str, prefix: str) -> dict[str, Any]:
    """Push and pull on the prefix in the source region, where images enter the registry."""
    arn = naming.repository_arn(source_region, account_id, f"{prefix}/*")
    return normalise_policy({
        "Version": POLICY_VERSION,
        "Statement": [
            _statement("AuthorizationToken", [AUTH_TOKEN_ACTION], "*"),
            _statement(
                "PushPullImages",
                PULL_ACTIONS + PUSH_ACTIONS + ("ecr:DescribeImages", "ecr:ListImages"),
                arn,
            ),
        ],
    })
