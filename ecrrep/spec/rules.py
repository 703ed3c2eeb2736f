"""Rules about single spec values: names, regions, tags, KMS keys, e-mail addresses and
EventBridge schedule expressions (policy documents given by the user: `policy_rules`).

Each `*_problem(value)` returns what is wrong with the value, or None. The pydantic models in
`spec` attach them to their fields; keeping them here keeps the models readable.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from ecrrep.spec import naming
from ecrrep.spec.regions import AWS_REGIONS, closest_region, partition_of

DEFAULT_RETENTION_DAYS = 30
MAX_TAGS = 40  # ECR allows 50 tags; ecrrep adds its own ownership tag and keeps headroom
MAX_LIFECYCLE_RULES = 50
MAX_DESTINATION_REGIONS = 25
MAX_RETENTION_DAYS = 3650
RULE_ERROR_TYPE = "ecrrep_rule"

# Patterns are anchored and use explicit ASCII classes so that the same text works in Python
# (always with fullmatch: `$` alone would accept a trailing newline) and in the JSON Schema.
PROJECT_PATTERN = r"^[a-z0-9-]{3,32}$"
ENVIRONMENT_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_ECR_PART = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
REPOSITORY_NAME_PATTERN = rf"^{_ECR_PART}$"
REPOSITORY_PREFIX_PATTERN = rf"^{_ECR_PART}(?:/{_ECR_PART})*$"
ECR_REPOSITORY_PATTERN = rf"^(?:{_ECR_PART}/)*{_ECR_PART}$"
ECR_REPOSITORY_LENGTH = (2, 256)
TAG_PREFIX_PATTERN = r"^[A-Za-z0-9._-]{1,128}$"
TAG_PATTERN_PATTERN = r"^[A-Za-z0-9._*-]{1,128}$"
MAX_WILDCARDS_PER_PATTERN = 4
# Tag mutability exclusion filters (ImageTagMutabilityExclusionFilter, filterType WILDCARD):
# 1..5 per repository, each 1..128 of these characters, as the ECR service model says
# (CreateRepository, PutImageTagMutability):
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageTagMutabilityExclusionFilter.html
TAG_MUTABILITY_EXCLUSION_PATTERN = r"^[0-9a-zA-Z._*-]{1,128}$"
MAX_TAG_MUTABILITY_EXCLUSIONS = 5
ROLE_ARN_PATTERN = r"^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$"
# A key id is a UUID, or `mrk-` and 32 hex digits for a multi-Region key.
KMS_KEY_ARN_PATTERN = (
    r"^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/(?:[0-9a-f-]{36}|mrk-[0-9a-f]{32})$"
)
KMS_ALIAS_PATTERN = r"^alias/[A-Za-z0-9/_-]{1,250}$"
EMAIL_PATTERN = r"""^[^@\s"'<>]+@[^@\s"'<>]+\.[^@\s"'<>]+$"""
MAX_EMAIL_LENGTH = 254
# AWS allows Unicode letters and digits in tags; \w gives us those. A plain space stands in for
# AWS's \p{Z}: \s would also let tabs and newlines through.
TAG_TEXT_PATTERN = r"^[\w .:/=+\-@]*$"
RESERVED_TAG_KEYS = frozenset({naming.OWNERSHIP_TAG})

# Names ecrrep derives from the project, with the limit AWS puts on each. The project pattern
# keeps them short today; checking the derived names keeps a later naming change honest.
_DERIVED_NAMES: tuple[tuple[str, Callable[[str], str], int], ...] = (
    ("IAM role", naming.production_role_name, 64),
    ("IAM role", naming.ci_role_name, 64),
    ("IAM role", naming.cleanup_role_name, 64),
    ("Lambda function", naming.cleanup_function_name, 64),
    ("EventBridge rule", naming.cleanup_schedule_rule_name, 64),
    ("SNS topic", naming.topic_name, 256),
    ("CloudWatch alarm", naming.replication_failure_alarm_name, 255),
)


Loc = tuple[str | int, ...]

# A value echoed in a message is cut to this many characters: a hostile or mistaken 10,000
# character value must not flood the one line that reports it.
SHOWN_LENGTH = 80


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str
    severity: Literal["error", "warning"] = "error"


def shown(value: Any) -> str:
    """`repr(value)` for a message, cut in the middle to SHOWN_LENGTH characters with '…' (both
    ends stay: the end of a long name is often what tells it apart)."""
    return _cut(repr(value))


def _cut(text: str) -> str:
    if len(text) <= SHOWN_LENGTH:
        return text
    tail = SHOWN_LENGTH // 4
    return text[: SHOWN_LENGTH - tail - 1] + "…" + text[-tail:]


def format_path(loc: Loc) -> str:
    """`repositories[0].lifecycle[1].keep_last`; `(root)` for the whole document. A part
    longer than SHOWN_LENGTH is cut like a shown value."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        if re.fullmatch(r"[A-Za-z0-9_-]+", part):
            text += f".{_cut(part)}" if text else _cut(part)
        else:
            text += f"[{_cut(json.dumps(part, ensure_ascii=False))}]"
    return text or "(root)"


def matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    """` (did you mean 'x'?)` for the closest candidate, or an empty string."""
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


# ---------------------------------------------------------------------------------------------
# Rules about one value. Each returns what is wrong, or None.


def project_problem(value: str) -> str | None:
    if not matches(PROJECT_PATTERN, value):
        return f"must be 3..32 characters of a-z, 0-9 and '-' (got {shown(value)})"
    if value.startswith("-") or value.endswith("-"):
        return f"must not start or end with '-' (got {shown(value)})"
    for kind, derive, limit in _DERIVED_NAMES:
        name = derive(value)
        if len(name) > limit:
            return f"too long: the {kind} name {shown(name)} would exceed {limit} characters"
    return None


def environment_problem(value: str) -> str | None:
    if not matches(ENVIRONMENT_PATTERN, value) or ".." in value:
        return f"must be 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-' (got {shown(value)})"
    return None


def region_problem(value: str) -> str | None:
    if value in AWS_REGIONS:
        return None
    if not value.isascii():
        return f"unknown AWS region {shown(value)}: it has non-ASCII characters (a look-alike?)"
    partition = partition_of(value)
    if partition is not None:
        return (f"{shown(value)} is in the {partition} partition; ecrrep manages the aws "
                "partition only")
    hint = closest_region(value)
    return f"unknown AWS region {shown(value)}" + (f" (did you mean {hint!r}?)" if hint else "")


def repository_prefix_problem(value: str) -> str | None:
    if not matches(REPOSITORY_PREFIX_PATTERN, value):
        return (
            "must be lowercase letters and digits, separated by single '.', '_', '-' or '/' "
            f"(got {shown(value)})"
        )
    return None


def repository_name_problem(value: str) -> str | None:
    if not matches(REPOSITORY_NAME_PATTERN, value):
        return (
            f"must be lowercase letters and digits, separated by single '.', '_' or '-' "
            f"(got {shown(value)})"
        )
    return None


def tag_key_problem(value: str) -> str | None:
    if not 1 <= len(value) <= 128:
        return f"tag key must be 1..128 characters (got {len(value)})"
    if not matches(TAG_TEXT_PATTERN, value):
        return ("tag key may hold only letters, digits, spaces and _ . : / = + - @ "
                f"(got {shown(value)})")
    if value.lower().startswith("aws:"):
        return f"tag keys starting with 'aws:' are reserved by AWS (got {shown(value)})"
    if value in RESERVED_TAG_KEYS:
        return f"tag key {shown(value)} is reserved: ecrrep sets it to the project name"
    return None


def tag_value_problem(value: str) -> str | None:
    if len(value) > 256:
        return f"tag value must be at most 256 characters (got {len(value)})"
    if not matches(TAG_TEXT_PATTERN, value):
        return (
            "tag value may hold only letters, digits, spaces and _ . : / = + - @ "
            f"(got {shown(value)})"
        )
    return None


def tag_prefix_problem(value: str) -> str | None:
    if "*" in value:
        return f"'*' is only allowed in tag_patterns (got {shown(value)})"
    if not matches(TAG_PREFIX_PATTERN, value):
        return f"must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-' (got {shown(value)})"
    return None


def tag_pattern_problem(value: str) -> str | None:
    if not matches(TAG_PATTERN_PATTERN, value):
        return ("must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-', '*' "
                f"(got {shown(value)})")
    if value.count("*") > MAX_WILDCARDS_PER_PATTERN:
        return f"at most {MAX_WILDCARDS_PER_PATTERN} '*' wildcards per pattern (got {shown(value)})"
    return None


def tag_mutability_exclusion_problem(value: str) -> str | None:
    if not matches(TAG_MUTABILITY_EXCLUSION_PATTERN, value):
        return ("must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-', '*' "
                f"(got {shown(value)})")
    return None


def role_arn_problem(value: str) -> str | None:
    role_name = value.rsplit("/", 1)[-1]
    if not matches(ROLE_ARN_PATTERN, value) or ".." in value or not 1 <= len(role_name) <= 64:
        return ("must be an IAM role ARN like arn:aws:iam::123456789012:role/NAME "
                f"(got {shown(value)})")
    return None


def kms_key_problem(value: str) -> str | None:
    if matches(KMS_KEY_ARN_PATTERN, value) or matches(KMS_ALIAS_PATTERN, value):
        return None
    return (
        "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) or an alias "
        f"(alias/NAME) (got {shown(value)})"
    )


def email_problem(value: str) -> str | None:
    if len(value) > MAX_EMAIL_LENGTH or not matches(EMAIL_PATTERN, value):
        return f"must be an email address (got {shown(value)})"
    return None


def description_problem(value: str) -> str | None:
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return "must not contain control characters"
    return None


# ---------------------------------------------------------------------------------------------
# EventBridge schedule expressions.


class _CronField(NamedTuple):
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # names for 1..n, e.g. JAN..DEC
    step: bool = True  # `/` allowed
    allowed: str = ""


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_CRON_FIELDS = (
    _CronField("minutes", 0, 59, allowed="0-59 and , - * /"),
    _CronField("hours", 0, 23, allowed="0-23 and , - * /"),
    _CronField("day-of-month", 1, 31, allowed="1-31 and , - * ? / L W"),
    _CronField("month", 1, 12, _MONTHS, allowed="1-12 or JAN-DEC and , - * /"),
    _CronField(
        "day-of-week", 1, 7, _WEEKDAYS, step=False, allowed="1-7 or SUN-SAT and , - * ? L #"
    ),
    _CronField("year", 1970, 2199, allowed="1970-2199 and , - * /"),
)
_RATE_UNITS = ("minute", "hour", "day")


def schedule_problem(value: str) -> str | None:
    """What is wrong with an EventBridge `cron(...)` or `rate(...)` expression, or None."""
    if match := re.fullmatch(r"rate\((.*)\)", value):
        return _rate_problem(match[1])
    if match := re.fullmatch(r"cron\((.*)\)", value):
        return _cron_problem(match[1])
    return (
        "must be an EventBridge schedule: cron(minutes hours day-of-month month day-of-week "
        f"year) or rate(N unit), e.g. cron(0 2 * * ? *) (got {shown(value)})"
    )


def _rate_problem(body: str) -> str | None:
    match = re.fullmatch(r"([0-9]{1,9}) ([a-z]+?)(s?)", body)
    if not match or match[2] not in _RATE_UNITS:
        return ("rate(...) must be rate(N minutes|hours|days), e.g. rate(12 hours) "
                f"(got {shown(body)})")
    count, singular, unit = int(match[1]), match[2], match[2] + match[3]
    if count < 1:
        return "rate(...) needs a value of at least 1"
    if count == 1 and unit != singular:
        return f"rate(...) with 1 takes the singular: rate(1 {singular})"
    if count > 1 and unit == singular:
        return f"rate(...) with {count} takes the plural: rate({count} {singular}s)"
    return None


def _cron_problem(body: str) -> str | None:
    fields = body.split(" ")
    if len(fields) != len(_CRON_FIELDS) or "" in fields:
        return (
            "cron(...) needs six fields separated by single spaces: minutes hours day-of-month "
            f"month day-of-week year (got {shown(body)})"
        )
    for field, value in zip(_CRON_FIELDS, fields, strict=True):
        if not _cron_field_ok(value, field):
            return f"cron {field.name} field {shown(value)} is invalid (allowed: {field.allowed})"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "cron(...) needs '?' in exactly one of day-of-month and day-of-week"
    return None


def _cron_field_ok(value: str, field: _CronField) -> bool:
    if value == "?":
        return field.name in ("day-of-month", "day-of-week")
    return all(_cron_item_ok(item, field) for item in value.split(","))


def _cron_item_ok(item: str, field: _CronField) -> bool:
    if field.name == "day-of-month" and item != "L" and item.endswith(("L", "W")):
        return item.endswith("W") and _cron_value_ok(item[:-1], field)
    if field.name == "day-of-week":
        if item == "L":
            return True
        if item.endswith("L"):
            return _cron_value_ok(item[:-1], field)
        if "#" in item:
            day, _, nth = item.partition("#")
            return _cron_value_ok(day, field) and nth in ("1", "2", "3", "4", "5")
    if item == "L":
        return field.name == "day-of-month"
    base, slash, step = item.partition("/")
    if slash and not (field.step and re.fullmatch(r"[0-9]{1,4}", step) and int(step) >= 1):
        return False
    if base == "*":
        return True
    low, dash, high = base.partition("-")
    if dash:
        return _cron_value_ok(low, field) and _cron_value_ok(high, field)
    return _cron_value_ok(base, field)


def _cron_value_ok(token: str, field: _CronField) -> bool:
    if re.fullmatch(r"[0-9]{1,4}", token):
        return field.low <= int(token) <= field.high
    return token.upper() in field.names
