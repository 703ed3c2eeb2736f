"""An ECR lifecycle policy → the spec's friendly `lifecycle` rules, where they say exactly the
same thing; else the raw `lifecycle_policy`, with the reason.

"Exactly" is checked, not assumed: the friendly rules are turned back into a policy by the same
code apply uses (`documents.lifecycle_policy_document`) and compared by meaning with the policy
read. Rule semantics: https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecrrep.spec.documents import (
    documents_differ,
    lifecycle_policy_document,
    normalise_lifecycle_policy,
)


@dataclass
class LifecycleImport:
    """What the spec says for one repository's policy: `lifecycle` or `lifecycle_policy`."""

    rules: list[dict[str, Any]] | None = None
    raw: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    def spec_values(self) -> dict[str, Any]:
        if self.rules is not None:
            return {"lifecycle": self.rules}
        if self.raw is not None:
            return {"lifecycle_policy": self.raw}
        return {}


# (action type, targetStorageClass, selection storageClass, countType) → the spec rule's count
# setting: what `documents.lifecycle_rule` writes for each, read the other way. The archive
# rules: https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
# and https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html.
_COUNT_SETTINGS: dict[tuple[str, str | None, str, str], str] = {
    ("expire", None, "standard", "imageCountMoreThan"): "keep_last",
    ("expire", None, "standard", "sinceImagePushed"): "expire_after_days",
    ("transition", "archive", "standard", "sinceImagePushed"): "archive_after_days",
    ("transition", "archive", "standard", "sinceImagePulled"): "archive_unpulled_days",
    ("expire", None, "archive", "sinceImageTransitioned"): "expire_archived_after_days",
}


def _count_setting(rule: dict[str, Any]) -> tuple[str | None, str]:
    """The spec's count setting for an ECR rule's action and selection, or None and what the
    spec cannot say."""
    selection, action = rule.get("selection") or {}, rule.get("action") or {}
    kind, target = action.get("type", "expire"), action.get("targetStorageClass")
    storage, count_type = selection.get("storageClass", "standard"), selection.get("countType")
    setting = _COUNT_SETTINGS.get((kind, target, storage, count_type))
    if setting is not None and (count_type == "imageCountMoreThan"
                                or selection.get("countUnit", "days") == "days"):
        return setting, ""
    if (kind, target) not in {(k, t) for k, t, _, _ in _COUNT_SETTINGS}:
        return None, f"action {kind!r} to {target!r} (the spec's rules expire or archive)"
    return None, (f"countType {count_type!r} with countUnit {selection.get('countUnit')!r} "
                  f"on storageClass {storage!r} for action {kind!r}")


def friendly_rule(rule: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """One ECR rule as a spec rule, or None and why it has no friendly form."""
    selection = rule.get("selection") or {}
    status = selection.get("tagStatus")
    if status not in ("tagged", "untagged", "any"):
        return None, f"tagStatus {status!r}"
    setting, why = _count_setting(rule)
    if setting is None:
        return None, why
    out: dict[str, Any] = {"select": status}
    for key, spec_key in (("tagPrefixList", "tag_prefixes"), ("tagPatternList", "tag_patterns")):
        if selection.get(key):
            out[spec_key] = list(selection[key])
    out[setting] = selection.get("countNumber")
    if rule.get("description"):
        out["description"] = rule["description"]
    return out, None


def _with_default_descriptions_dropped(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave out descriptions that are the ones ecrrep writes anyway: a shorter spec."""
    from pydantic import ValidationError

    from ecrrep.spec.models import LifecycleRuleSpec

    out = []
    for rule in rules:
        without = {k: v for k, v in rule.items() if k != "description"}
        try:
            spec_rule = LifecycleRuleSpec(**without)
        except ValidationError:
            spec_rule = None  # not a rule the spec takes: the exact check refuses it
        if "description" in rule and spec_rule is not None:
            generated = lifecycle_policy_document(_Holder(spec_rule))
            if generated["rules"][0].get("description") == rule["description"]:
                rule = without
        out.append(rule)
    return out


@dataclass(frozen=True)
class _Holder:
    """Just enough of a RepositorySpec for `lifecycle_policy_document`."""

    rule: Any
    lifecycle_policy: Any = None

    @property
    def lifecycle(self) -> list[Any]:
        return [self.rule]


def _friendly_rules(document: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, str | None]:
    rules: list[dict[str, Any]] = []
    for index, rule in enumerate(document["rules"], start=1):
        if rule.get("rulePriority") != index:
            return None, ("rule priorities are not 1, 2, 3 …; the spec's rules take their "
                          "priority from their place in the list")
        friendly, why = friendly_rule(rule)
        if friendly is None:
            return None, f"rule {index} has {why}"
        if not rule.get("description"):
            return None, (f"rule {index} has no description, and the spec's rules always "
                          "write one")
        rules.append(friendly)
    return rules, None


def import_lifecycle(document: Any) -> LifecycleImport:
    """The spec's form of a lifecycle policy (None: the repository has none)."""
    if document is None:
        return LifecycleImport()
    normalised = normalise_lifecycle_policy(document)
    rules, why = _friendly_rules(normalised)
    if rules is not None:
        rules = _expressed_exactly(rules, normalised)
        if rules is None:
            why = "its friendly form would not write the same policy"
    if rules is None:
        return LifecycleImport(raw=normalised, notes=[
            f"lifecycle kept as the raw policy: {why}"])
    return LifecycleImport(rules=rules, notes=and_rule_notes(rules))


def _expressed_exactly(rules: list[dict[str, Any]],
                       normalised: dict[str, Any]) -> list[dict[str, Any]] | None:
    from pydantic import ValidationError

    from ecrrep.spec.models import RepositorySpec, spec_problems

    shortened = _with_default_descriptions_dropped(rules)
    entry = {"name": "check", "lifecycle": shortened}
    if any(p.severity == "error" for p in spec_problems({"repositories": [entry]})):
        return None  # e.g. an `any` rule that is not the last one
    try:
        repository = RepositorySpec(**entry)
    except ValidationError:
        return None
    if documents_differ(lifecycle_policy_document(repository), normalised):
        return None
    return shortened


def and_rule_notes(rules: list[dict[str, Any]]) -> list[str]:
    """Rules that select an image only if it has a tag matching every one of several prefixes:
    ECR ANDs them, so such a rule rarely (if ever) fires."""
    notes = []
    for index, rule in enumerate(rules, start=1):
        for key, what in (("tag_prefixes", "prefix"), ("tag_patterns", "pattern")):
            tags = rule.get(key) or []
            if len(tags) > 1:
                notes.append(
                    f"lifecycle rule {index} selects only images with a tag matching every "
                    f"{what} of {', '.join(tags)} (ECR ANDs them), so it almost never fires; "
                    f"kept as it is — write one rule per {what} if you meant any of them")
    return notes
