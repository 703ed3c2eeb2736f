"""The `scanning:` block: the registry's scanning configuration (PutRegistryScanningConfiguration)
in the source region and every destination, and the rules it obeys.

ECR's model (botocore `ecr` PutRegistryScanningConfiguration): `scanType` BASIC or ENHANCED;
at most 2 rules, each a `scanFrequency` (SCAN_ON_PUSH, CONTINUOUS_SCAN, MANUAL) with at most 100
`WILDCARD` repository filters of 1 to 255 characters matching `FILTER_PATTERN`. Basic scanning
supports scan on push (MANUAL is what a repository matching no filter gets); enhanced scanning
scans on push or continuously:
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_RegistryScanningRule.html
https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-filters.html

A filter with no `*` matches every repository whose name *contains* it; `*` stands for zero or
more characters (the filters page above). A rule without `filters` gets `<prefix>/*`: the
configuration is registry-wide, so the default scans this spec's repositories and nobody else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from annotated_types import Len
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from ecrrep.spec.rules import Loc, Problem, matches, shown

MAX_SCANNING_RULES = 2
MAX_SCANNING_FILTERS = 100
MAX_FILTER_LENGTH = 255
FILTER_PATTERN = r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$"
# What AWS has when nobody set anything, and what destroy puts back: "When a registry scanning
# configuration is not defined, by default the BASIC scan type is used" (the API reference of
# PutRegistryScanningConfiguration's scanType), with no rules.
DEFAULT_CONFIGURATION: dict[str, Any] = {"type": "BASIC", "rules": []}
# Which frequencies each scan type takes (the API reference of RegistryScanningRule).
FREQUENCIES = {"BASIC": ("SCAN_ON_PUSH", "MANUAL"),
               "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")}
ALL_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL")


def filter_problem(value: str) -> str | None:
    if len(value) > MAX_FILTER_LENGTH:
        return f"must be at most {MAX_FILTER_LENGTH} characters (got {len(value)})"
    if not matches(FILTER_PATTERN, value):
        return ("must be lowercase letters, digits, '*' and single '.', '_', '-' or '/' "
                f"between them (got {shown(value)})")
    return None


def _obeys_filter(value: str) -> str:
    if (message := filter_problem(value)) is not None:
        raise ValueError(message)
    return value


ScanningFilter = Annotated[
    str, AfterValidator(_obeys_filter),
    WithJsonSchema({"type": "string", "pattern": FILTER_PATTERN, "maxLength": MAX_FILTER_LENGTH}),
]


class ScanningRuleSpec(BaseModel):
    """One registry scanning rule: how often the repositories its filters match are scanned."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    frequency: Literal["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"] = Field(
        description="BASIC: SCAN_ON_PUSH or MANUAL; ENHANCED: SCAN_ON_PUSH or CONTINUOUS_SCAN.")
    filters: Annotated[list[ScanningFilter], Len(1, MAX_SCANNING_FILTERS)] | None = Field(
        default=None,
        description="Repository name wildcards ('*' = any characters; no '*' = name contains "
                    "it); default <repository_prefix>/*.")


class ScanningSpec(BaseModel):
    """The registry's scanning configuration, in the source region and every destination."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["BASIC", "ENHANCED"] = Field(
        default="BASIC", description="BASIC (ECR) or ENHANCED (Amazon Inspector, billed).")
    rules: Annotated[list[ScanningRuleSpec], Len(0, MAX_SCANNING_RULES)] = Field(
        default_factory=list, description="At most 2, one per frequency.")


def rule_filters(rule: ScanningRuleSpec, prefix: str) -> list[str]:
    """The rule's filters, or the spec's repositories (`<prefix>/*`) when it names none."""
    return list(rule.filters) if rule.filters is not None else [f"{prefix}/*"]


def scanning_problems(data: Mapping[str, Any]) -> list[Problem]:
    """The rules relating `scanning:` to itself and to the rest of the spec, on plain data."""
    scanning = data.get("scanning")
    if not isinstance(scanning, Mapping):
        return []
    problems = _rule_problems(scanning, data.get("repository_prefix"))
    repositories = data.get("repositories")
    for index, repository in enumerate(repositories if isinstance(repositories, list) else []):
        if isinstance(repository, Mapping) and "scan_on_push" in repository:
            problems.append(Problem(
                ("repositories", index, "scan_on_push"),
                "registry scanning (scanning:) decides which repositories are scanned; a "
                "repository's scan_on_push no longer does", "warning"))
    return problems


def _rule_problems(scanning: Mapping[str, Any], prefix: Any) -> list[Problem]:
    scan_type = scanning.get("type", "BASIC")
    rules = scanning.get("rules")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, Mapping):
            continue
        loc: Loc = ("scanning", "rules", index)
        frequency = rule.get("frequency")
        allowed = FREQUENCIES.get(scan_type) if isinstance(scan_type, str) else None
        if isinstance(frequency, str) and frequency in ALL_FREQUENCIES and allowed is not None \
                and frequency not in allowed:
            problems.append(Problem((*loc, "frequency"), (
                f"{frequency} needs type: ENHANCED (BASIC scans on push or by hand)"
                if scan_type == "BASIC" else
                f"{frequency} is not an ENHANCED frequency (SCAN_ON_PUSH or CONTINUOUS_SCAN)")))
        if isinstance(frequency, str) and frequency in seen:
            problems.append(Problem((*loc, "frequency"), (
                f"duplicate frequency {frequency} (also scanning.rules[{seen[frequency]}]): "
                "one rule per frequency")))
        elif isinstance(frequency, str):
            seen[frequency] = index
        problems += _filter_warnings(loc, rule.get("filters"), prefix)
    return problems


def _filter_warnings(loc: Loc, filters: Any, prefix: Any) -> list[Problem]:
    if not isinstance(prefix, str) or not isinstance(filters, list):
        return []
    return [
        Problem((*loc, "filters", index),
                f"{shown(value)} can match repositories outside {prefix}/: the registry's "
                "scanning configuration is account-wide", "warning")
        for index, value in enumerate(filters)
        if isinstance(value, str) and not value.startswith(f"{prefix}/")
    ]
