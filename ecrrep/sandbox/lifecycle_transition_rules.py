"""PutLifecyclePolicy (and the preview) accepting ECR's archive rules, which moto's validator
refuses: `action: {type: transition, targetStorageClass: archive}`, `selection.storageClass`
and the countTypes sinceImagePulled and sinceImageTransitioned
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html).

A policy using any of them is checked by ecrrep's own rules instead (the spec's raw policy
check, `ecrrep.spec.policy_rules`, then the evaluator's), and refused with an
InvalidParameterException in ECR's "Lifecycle policy validation failure" wording; any other
policy goes to moto's validator as before.
"""

from __future__ import annotations

import json
from typing import Any

from ecrrep.sandbox.patching import wrap_method

_ARCHIVE_COUNT_TYPES = ("sinceImagePulled", "sinceImageTransitioned")


def install() -> None:
    from moto.ecr.policy_validation import EcrLifecyclePolicyValidator

    wrap_method(EcrLifecyclePolicyValidator, "validate", _validate)


def uses_archive(document: Any) -> bool:
    """Whether a policy has any rule moto's validator does not know."""
    rules = document.get("rules") if isinstance(document, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        action, selection = rule.get("action") or {}, rule.get("selection") or {}
        if (isinstance(action, dict) and (action.get("type") == "transition"
                                          or "targetStorageClass" in action)) or (
                isinstance(selection, dict) and ("storageClass" in selection
                or selection.get("countType") in _ARCHIVE_COUNT_TYPES)):
            return True
    return False


def _validate(original: Any, validator: Any) -> None:
    try:
        document = json.loads(validator._policy_text)
    except (TypeError, ValueError):
        return original(validator)
    if not uses_archive(document):
        return original(validator)
    if (problem := archive_policy_problem(document)) is not None:
        from moto.ecr.exceptions import InvalidParameterException

        raise InvalidParameterException(
            "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
            f"'Lifecycle policy validation failure: {problem}'")
    return None


def archive_policy_problem(document: dict[str, Any]) -> str | None:
    from ecrrep.lifecycle.evaluate import PolicyError, parse_rules
    from ecrrep.spec.policy_rules import lifecycle_policy_problem

    if (problem := lifecycle_policy_problem(document)) is not None:
        return problem
    try:
        parse_rules(document)
    except PolicyError as error:
        return str(error)
    return None
