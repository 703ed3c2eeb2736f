"""Rules about the policy documents a spec gives: a custom repository policy (its shape, the
principals it names, the actions it grants, whether it opens the repository to anyone) and a
raw lifecycle policy (its shape and the types of its fields).

ECR checks none of this before SetRepositoryPolicy or PutLifecyclePolicy: without these rules a
bad principal or action is refused by AWS half way through an apply, after roles and
repositories were created, and a policy letting anyone push is applied in every region.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import botocore.session

from ecrrep.spec.rules import Loc, Problem, shown

# Actions IAM knows for ECR that are no API operation (so not in botocore's model):
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
_PERMISSION_ONLY_ACTIONS = ("BatchImportUpstreamImage", "ReplicateImage")
# What a pull-only grant may hold: reading images and metadata, never writing anything.
_READ_PREFIXES = ("Get", "Describe", "List", "BatchGet", "BatchCheck")

_ACCOUNT_ID = r"[0-9]{12}"
_IAM_NAME = r"[A-Za-z0-9_+=,.@-]+"
# A resource policy names an account, a user, a role or an STS session, never with wildcards:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
_AWS_PRINCIPAL = (
    rf"^(?:{_ACCOUNT_ID}"
    rf"|arn:aws:iam::{_ACCOUNT_ID}:(?:root|(?:role|user)/(?:{_IAM_NAME}/)*{_IAM_NAME})"
    rf"|arn:aws:sts::{_ACCOUNT_ID}:(?:assumed-role/{_IAM_NAME}/{_IAM_NAME}"
    rf"|federated-user/{_IAM_NAME}))$"
)
_SERVICE_PRINCIPAL = r"^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$"
_AWS_PRINCIPAL_HELP = (
    "must be a 12-digit account id, an IAM ARN (arn:aws:iam::ACCOUNT:root, "
    "arn:aws:iam::ACCOUNT:role/NAME, arn:aws:iam::ACCOUNT:user/NAME) or '*'"
)


@functools.cache
def ecr_actions() -> frozenset[str]:
    """Every ECR action name (without `ecr:`): botocore's ECR operations and the
    permission-only actions."""
    model = botocore.session.get_session().get_service_model("ecr")
    return frozenset(model.operation_names) | frozenset(_PERMISSION_ONLY_ACTIONS)


def _matching(pattern: str) -> set[str]:
    """ECR actions an action name matches; IAM compares them ignoring case, with `*` and `?`."""
    regex = re.escape(pattern.lower()).replace(r"\*", ".*").replace(r"\?", ".")
    return {a for a in ecr_actions() if re.fullmatch(regex, a.lower())}


def _is_read(action: str) -> bool:
    return action.startswith(_READ_PREFIXES)


# -- repository policies: shape ----------------------------------------------------------------


def policy_from_json(value: Any) -> Any:
    """A repository policy may be written as YAML or as a string holding the JSON document."""
    if not isinstance(value, str):
        return value
    try:
        document = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"must be a JSON object: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(document, dict):
        raise ValueError("must be a JSON object (a policy document)")
    return document


def repository_policy_problem(document: Mapping[str, Any]) -> str | None:
    statements = document.get("Statement")
    if statements is None:
        return "needs a Statement (a statement or a list of statements)"
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return "Statement must be a statement or a non-empty list of statements"
    for index, statement in enumerate(statements):
        where = f"Statement[{index}]"
        if not isinstance(statement, Mapping):
            return f"{where} must be a mapping"
        if statement.get("Effect") not in ("Allow", "Deny"):
            return f"{where} needs Effect: Allow or Deny"
        if "Action" not in statement and "NotAction" not in statement:
            return f"{where} needs Action"
        if "Principal" not in statement and "NotPrincipal" not in statement:
            return f"{where} needs Principal (a repository policy says who may act)"
    return None


# -- repository policies: principals, actions, public access -----------------------------------


def repository_policy_problems(loc: Loc, repository: Mapping[str, Any]) -> list[Problem]:
    """What is wrong in the statements of a repository's custom policy, each at its own path
    (`loc` is the repository's). A policy that failed its shape check is left to that check."""
    if repository.get("access") != "custom":
        return []
    try:
        document = policy_from_json(repository.get("policy"))
    except ValueError:
        return []
    if not isinstance(document, Mapping) or repository_policy_problem(document) is not None:
        return []
    allow_public = repository.get("allow_public") is True
    problems: list[Problem] = []
    for at, statement in _statements((*loc, "policy"), document["Statement"]):
        found = _principal_problems(at, statement) + _action_problems(at, statement)
        if not found and statement["Effect"] == "Allow":
            found = _public_problems(at, statement, allow_public)
        problems += found
    return problems


def _statements(loc: Loc, statements: Any) -> Iterator[tuple[Loc, Mapping[str, Any]]]:
    if isinstance(statements, Mapping):
        yield (*loc, "Statement"), statements
    else:
        for index, statement in enumerate(statements):
            yield (*loc, "Statement", index), statement


def _values(loc: Loc, value: Any) -> Iterator[tuple[Loc, Any]]:
    """Each item of a policy field that may be one value or a list, with its path."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield (*loc, index), item
    else:
        yield loc, value


def _principal_problems(loc: Loc, statement: Mapping[str, Any]) -> list[Problem]:
    key = "Principal" if "Principal" in statement else "NotPrincipal"
    principal, at = statement[key], (*loc, key)
    if principal == "*":
        return []
    if not isinstance(principal, Mapping) or not principal:
        return [Problem(at, "must be '*' or a mapping such as {AWS: ACCOUNT-ID-OR-ARN}")]
    problems: list[Problem] = []
    for kind, values in principal.items():
        if kind not in ("AWS", "Service"):
            problems.append(Problem((*at, kind), (
                f"a repository policy names AWS principals (accounts, roles, users) or Service "
                f"principals, not {shown(kind)}")))
            continue
        pattern = _AWS_PRINCIPAL if kind == "AWS" else _SERVICE_PRINCIPAL
        for item_at, value in _values((*at, kind), values):
            if kind == "AWS" and value == "*":
                continue
            if not isinstance(value, str) or not re.fullmatch(pattern, value):
                help_ = _AWS_PRINCIPAL_HELP if kind == "AWS" else (
                    "must be a service principal such as codebuild.amazonaws.com")
                problems.append(Problem(item_at, f"{help_} (got {shown(value)})"))
    return problems


def _action_problems(loc: Loc, statement: Mapping[str, Any]) -> list[Problem]:
    key = "Action" if "Action" in statement else "NotAction"
    problems = []
    for at, action in _values((*loc, key), statement[key]):
        if (message := _action_problem(action)) is not None:
            problems.append(Problem(at, message))
    return problems


def _action_problem(action: Any) -> str | None:
    if not isinstance(action, str):
        return f"must be an action such as ecr:BatchGetImage (got {shown(action)})"
    if action == "*":
        return "'*' is every action of every service; write ecr:* for every ECR action"
    service, colon, name = action.partition(":")
    if not colon or service.lower() != "ecr":
        return (f"{shown(action)} is not an ECR action: a repository policy grants only "
                "ecr: actions")
    if _matching(name):
        return None
    if "*" in name or "?" in name:
        return f"{shown(action)} matches no ECR action"
    close = difflib.get_close_matches(name, sorted(ecr_actions()), n=1, cutoff=0.6)
    hint = f" (did you mean 'ecr:{close[0]}'?)" if close else ""
    return f"{shown(action)} is not an ECR action{hint}"


def _public_problems(
    loc: Loc, statement: Mapping[str, Any], allow_public: bool
) -> list[Problem]:
    """An Allow for anyone: '*' (or {AWS: '*'}), or everyone but a few (NotPrincipal).
    Conditions are not judged: a condition may narrow '*', ecrrep cannot prove it does."""
    principal = statement.get("Principal")
    aws = principal.get("AWS") if isinstance(principal, Mapping) else None
    anyone = (principal == "*" or aws == "*" or (isinstance(aws, list) and "*" in aws)
              or "NotPrincipal" in statement)
    if not anyone:
        return []
    writes = sorted((a for a in _granted(statement) if not _is_read(a)), key=_gravity)
    if not writes:
        return [Problem(loc, "lets anyone, in any AWS account, pull these images", "warning")]
    listed = ", ".join(f"ecr:{a}" for a in writes[:3])
    more = f" and {len(writes) - 3} more write actions" if len(writes) > 3 else ""
    what = f"lets anyone, in any AWS account, push, delete or change policy: {listed}{more}"
    if allow_public:
        return [Problem(loc, f"{what} (allowed by allow_public: true)", "warning")]
    return [Problem(loc, f"{what}; set allow_public: true on this repository if that is meant")]


_GRAVEST = ("PutImage", "BatchDeleteImage", "DeleteRepository", "SetRepositoryPolicy")


def _gravity(action: str) -> tuple[int, str]:
    """The writes a reader must see first, then the others by name."""
    return (_GRAVEST.index(action) if action in _GRAVEST else len(_GRAVEST), action)


def _granted(statement: Mapping[str, Any]) -> set[str]:
    if "Action" in statement:
        key, negate = "Action", False
    else:
        key, negate = "NotAction", True
    named: set[str] = set()
    for _, action in _values((), statement[key]):
        named |= _matching(action.partition(":")[2])
    return set(ecr_actions()) - named if negate else named


# -- lifecycle policies ------------------------------------------------------------------------

# The fields of a rule and the type ECR documents for each:
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
_STRING_LISTS = ("tagPrefixList", "tagPatternList")
_STRINGS = ("countUnit", "storageClass")


def lifecycle_policy_problem(document: Mapping[str, Any]) -> str | None:
    rules = document.get("rules")
    if set(document) != {"rules"} or not isinstance(rules, list) or not rules:
        return "must be {rules: [...]} with at least one rule"
    seen: dict[int, int] = {}
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if not isinstance(rule, Mapping):
            return f"{where} must be a mapping"
        priority = rule.get("rulePriority")
        if not isinstance(priority, int) or isinstance(priority, bool) or priority < 1:
            return f"{where} needs rulePriority (a positive integer)"
        if priority in seen:
            return f"{where}: rulePriority {priority} is also used by rules[{seen[priority]}]"
        seen[priority] = index
        for key in ("selection", "action"):
            if not isinstance(rule.get(key), Mapping):
                return f"{where} needs {key} (a mapping)"
        if (problem := _lifecycle_rule_types(where, rule)) is not None:
            return problem
        if (problem := _lifecycle_rule_values(where, rule)) is not None:
            return problem
    return None


# ECR's archive storage class in lifecycle rules:
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html,
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html. Where the pages
# are silent ecrrep refuses rather than guesses: a transition only moves standard images; an
# archive rule only expires, and only by days in archive, of at least ECR's 90-day minimum
# (ECR refuses policies deleting images archived for less).
_COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled",
                "sinceImageTransitioned")
# ECR keeps an archived image at least 90 days (archive-image.html above).
MIN_ARCHIVE_DAYS = 90


def _lifecycle_rule_values(where: str, rule: Mapping[str, Any]) -> str | None:
    """The first value ECR does not take, or a pairing of action, storage class and count
    that ecrrep refuses (see above)."""
    selection, action = rule["selection"], rule["action"]
    kind, target = action["type"], action.get("targetStorageClass")
    storage, count = selection.get("storageClass", "standard"), selection["countType"]
    if kind not in ("expire", "transition"):
        return f"{where}.action.type must be expire or transition (got {_described(kind)})"
    if kind == "transition" and target != "archive":
        return (f"{where}.action.targetStorageClass must be archive with type transition "
                f"(got {_described(target)})")
    if kind == "expire" and target is not None:
        return f"{where}.action.targetStorageClass is only used with type transition"
    if storage not in ("standard", "archive"):
        return (f"{where}.selection.storageClass must be standard or archive "
                f"(got {_described(storage)})")
    if count not in _COUNT_TYPES:
        return (f"{where}.selection.countType must be imageCountMoreThan, sinceImagePushed, "
                f"sinceImagePulled or sinceImageTransitioned (got {_described(count)})")
    if storage == "archive":
        return _archive_rule_problem(where, kind, count, selection["countNumber"])
    if count == "sinceImageTransitioned":
        return (f"{where}.selection.countType sinceImageTransitioned needs storageClass "
                "archive (only archived images were transitioned)")
    return None


def _archive_rule_problem(where: str, kind: str, count: str, number: int) -> str | None:
    if kind == "transition":
        return (f"{where}.selection.storageClass archive: a transition moves standard images "
                "to archive; only expire rules select archived images")
    if count != "sinceImageTransitioned":
        return (f"{where}.selection.countType must be sinceImageTransitioned with "
                f"storageClass archive (got {_described(count)})")
    if number < MIN_ARCHIVE_DAYS:
        return (f"{where}.selection.countNumber must be at least {MIN_ARCHIVE_DAYS} with "
                f"storageClass archive: ECR keeps an archived image at least "
                f"{MIN_ARCHIVE_DAYS} days (got {number})")
    return None


def _lifecycle_rule_types(where: str, rule: Mapping[str, Any]) -> str | None:
    """The first field of a rule with the wrong type: a tagPrefixList given as a string would
    otherwise be read as a list of one-letter prefixes by ecrrep, and refused by ECR."""
    selection, action = rule["selection"], rule["action"]
    checks: list[tuple[str, Any, str]] = [
        (f"{where}.selection.tagStatus", selection.get("tagStatus"), "tagStatus"),
        (f"{where}.selection.countType", selection.get("countType"), "string"),
        (f"{where}.selection.countNumber", selection.get("countNumber"), "count"),
        (f"{where}.action.type", action.get("type"), "string"),
        (f"{where}.description", rule.get("description", ""), "string"),
        *((f"{where}.selection.{k}", selection[k], "strings") for k in _STRING_LISTS
          if k in selection),
        *((f"{where}.selection.{k}", selection[k], "string") for k in _STRINGS if k in selection),
        *((f"{where}.action.{k}", action[k], "string") for k in action if k != "type"),
    ]
    for path, value, kind in checks:
        if (message := _type_problem(value, kind)) is not None:
            return f"{path} {message}"
    return None


def _type_problem(value: Any, kind: str) -> str | None:
    if kind == "tagStatus":
        ok, need = value in ("tagged", "untagged", "any"), "must be tagged, untagged or any"
    elif kind == "count":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        need = "must be a positive integer"
    elif kind == "strings":
        ok = isinstance(value, list) and bool(value) and all(
            isinstance(v, str) and v for v in value)
        need = "must be a non-empty list of strings"
    else:
        ok, need = isinstance(value, str), "must be a string"
    return None if ok else f"{need} (got {_described(value)})"


def _described(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {shown(value)}"
    return "nothing" if value is None else shown(value)
