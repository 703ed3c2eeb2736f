"""The spec: pydantic models of the YAML file (version 1), and the rules it must satisfy.

Values here are validated and typed; nothing in this module talks to AWS. Loading with line
numbers and turning validation errors into `FILE:LINE: path: message` lives in `spec_loader`.

Rules about one value are validators on its type, so pydantic reports every bad value at once.
Rules that relate several values live in `spec_problems`, which works on plain data: the loader
runs it on the raw YAML even when some values failed validation, and `Spec` runs it on itself so
that a spec built in code obeys the same rules.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple

from annotated_types import Interval, Len, MaxLen, MinLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ecrrep import naming
from ecrrep.regions import AWS_REGIONS, closest_region, partition_of

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
ROLE_ARN_PATTERN = r"^arn:aws:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$"
KMS_KEY_ARN_PATTERN = r"^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$"
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
)


def _matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    """` (did you mean 'x'?)` for the closest candidate, or an empty string."""
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


# ---------------------------------------------------------------------------------------------
# Rules about one value. Each returns what is wrong, or None.


def project_problem(value: str) -> str | None:
    if not _matches(PROJECT_PATTERN, value):
        return f"must be 3..32 characters of a-z, 0-9 and '-' (got {value!r})"
    if value.startswith("-") or value.endswith("-"):
        return f"must not start or end with '-' (got {value!r})"
    for kind, derive, limit in _DERIVED_NAMES:
        name = derive(value)
        if len(name) > limit:
            return f"too long: the {kind} name {name!r} would exceed {limit} characters"
    return None


def environment_problem(value: str) -> str | None:
    if not _matches(ENVIRONMENT_PATTERN, value) or ".." in value:
        return f"must be 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-' (got {value!r})"
    return None


def region_problem(value: str) -> str | None:
    if value in AWS_REGIONS:
        return None
    if not value.isascii():
        return f"unknown AWS region {value!r}: it has non-ASCII characters (a look-alike?)"
    partition = partition_of(value)
    if partition is not None:
        return f"{value!r} is in the {partition} partition; ecrrep manages the aws partition only"
    hint = closest_region(value)
    return f"unknown AWS region {value!r}" + (f" (did you mean {hint!r}?)" if hint else "")


def repository_prefix_problem(value: str) -> str | None:
    if not _matches(REPOSITORY_PREFIX_PATTERN, value):
        return (
            "must be lowercase letters and digits, separated by single '.', '_', '-' or '/' "
            f"(got {value!r})"
        )
    return None


def repository_name_problem(value: str) -> str | None:
    if not _matches(REPOSITORY_NAME_PATTERN, value):
        return (
            f"must be lowercase letters and digits, separated by single '.', '_' or '-' "
            f"(got {value!r})"
        )
    return None


def tag_key_problem(value: str) -> str | None:
    if not 1 <= len(value) <= 128:
        return f"tag key must be 1..128 characters (got {len(value)})"
    if not _matches(TAG_TEXT_PATTERN, value):
        return f"tag key may hold only letters, digits, spaces and _ . : / = + - @ (got {value!r})"
    if value.lower().startswith("aws:"):
        return f"tag keys starting with 'aws:' are reserved by AWS (got {value!r})"
    if value in RESERVED_TAG_KEYS:
        return f"tag key {value!r} is reserved: ecrrep sets it to the project name"
    return None


def tag_value_problem(value: str) -> str | None:
    if len(value) > 256:
        return f"tag value must be at most 256 characters (got {len(value)})"
    if not _matches(TAG_TEXT_PATTERN, value):
        return (
            f"tag value may hold only letters, digits, spaces and _ . : / = + - @ (got {value!r})"
        )
    return None


def tag_prefix_problem(value: str) -> str | None:
    if "*" in value:
        return f"'*' is only allowed in tag_patterns (got {value!r})"
    if not _matches(TAG_PREFIX_PATTERN, value):
        return f"must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-' (got {value!r})"
    return None


def tag_pattern_problem(value: str) -> str | None:
    if not _matches(TAG_PATTERN_PATTERN, value):
        return f"must be 1..128 characters of A-Z, a-z, 0-9, '.', '_', '-', '*' (got {value!r})"
    if value.count("*") > MAX_WILDCARDS_PER_PATTERN:
        return f"at most {MAX_WILDCARDS_PER_PATTERN} '*' wildcards per pattern (got {value!r})"
    return None


def role_arn_problem(value: str) -> str | None:
    role_name = value.rsplit("/", 1)[-1]
    if not _matches(ROLE_ARN_PATTERN, value) or ".." in value or not 1 <= len(role_name) <= 64:
        return f"must be an IAM role ARN like arn:aws:iam::123456789012:role/NAME (got {value!r})"
    return None


def kms_key_problem(value: str) -> str | None:
    if _matches(KMS_KEY_ARN_PATTERN, value) or _matches(KMS_ALIAS_PATTERN, value):
        return None
    return (
        "must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) or an alias "
        f"(alias/NAME) (got {value!r})"
    )


def email_problem(value: str) -> str | None:
    if len(value) > MAX_EMAIL_LENGTH or not _matches(EMAIL_PATTERN, value):
        return f"must be an email address (got {value!r})"
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
        f"year) or rate(N unit), e.g. cron(0 2 * * ? *) (got {value!r})"
    )


def _rate_problem(body: str) -> str | None:
    match = re.fullmatch(r"([0-9]{1,9}) ([a-z]+?)(s?)", body)
    if not match or match[2] not in _RATE_UNITS:
        return f"rate(...) must be rate(N minutes|hours|days), e.g. rate(12 hours) (got {body!r})"
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
            f"month day-of-week year (got {body!r})"
        )
    for field, value in zip(_CRON_FIELDS, fields, strict=True):
        if not _cron_field_ok(value, field):
            return f"cron {field.name} field {value!r} is invalid (allowed: {field.allowed})"
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


# ---------------------------------------------------------------------------------------------
# Policy documents given by the user.


def _policy_from_json(value: Any) -> Any:
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
    return None


# ---------------------------------------------------------------------------------------------
# Types: a str (or dict) plus the rule it obeys, and what editors see in the JSON Schema.


def _obeys(problem: Callable[[Any], str | None]) -> AfterValidator:
    def validate(value: Any) -> Any:
        if (message := problem(value)) is not None:
            raise ValueError(message)
        return value

    return AfterValidator(validate)


def _string_schema(**schema: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **schema})


ProjectName = Annotated[
    str, _obeys(project_problem), _string_schema(pattern=PROJECT_PATTERN, maxLength=32)
]
EnvironmentName = Annotated[
    str, _obeys(environment_problem), _string_schema(pattern=ENVIRONMENT_PATTERN)
]
Region = Annotated[str, _obeys(region_problem), _string_schema(enum=sorted(AWS_REGIONS))]
RepositoryPrefix = Annotated[
    str,
    _obeys(repository_prefix_problem),
    _string_schema(pattern=REPOSITORY_PREFIX_PATTERN, maxLength=254),
]
RepositoryName = Annotated[
    str,
    _obeys(repository_name_problem),
    _string_schema(pattern=REPOSITORY_NAME_PATTERN, maxLength=254),
]
TagKey = Annotated[str, _obeys(tag_key_problem), _string_schema(minLength=1, maxLength=128)]
TagValue = Annotated[str, _obeys(tag_value_problem), _string_schema(maxLength=256)]
TagPrefix = Annotated[str, _obeys(tag_prefix_problem), _string_schema(pattern=TAG_PREFIX_PATTERN)]
TagPattern = Annotated[
    str, _obeys(tag_pattern_problem), _string_schema(pattern=TAG_PATTERN_PATTERN)
]
RoleArn = Annotated[str, _obeys(role_arn_problem), _string_schema(pattern=ROLE_ARN_PATTERN)]
KmsKey = Annotated[
    str,
    _obeys(kms_key_problem),
    _string_schema(pattern=f"{KMS_KEY_ARN_PATTERN}|{KMS_ALIAS_PATTERN}"),
]
Email = Annotated[str, _obeys(email_problem), _string_schema(format="email")]
Schedule = Annotated[str, _obeys(schedule_problem), _string_schema(pattern=r"^(cron|rate)\(.*\)$")]
Description = Annotated[str, _obeys(description_problem)]
RepositoryPolicy = Annotated[
    dict[str, Any],
    BeforeValidator(_policy_from_json, json_schema_input_type=dict[str, Any] | str),
    _obeys(repository_policy_problem),
]
LifecyclePolicy = Annotated[dict[str, Any], _obeys(lifecycle_policy_problem)]
RetentionDays = Annotated[int, Interval(ge=1, le=MAX_RETENTION_DAYS)]


# ---------------------------------------------------------------------------------------------
# Models.


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LifecycleRuleSpec(_Strict):
    """One lifecycle rule; its priority is its place in the list."""

    select: Literal["tagged", "untagged", "any"] = Field(
        description="Which images the rule looks at (ECR tagStatus). An `any` rule must be last."
    )
    tag_prefixes: Annotated[list[TagPrefix], MinLen(1)] | None = Field(
        default=None,
        description="With select: tagged. ECR selects an image only if it has a tag matching "
        "EVERY prefix (AND); write one rule per prefix for OR.",
    )
    tag_patterns: Annotated[list[TagPattern], MinLen(1)] | None = Field(
        default=None,
        description="With select: tagged, instead of tag_prefixes: tag patterns with up to 4 "
        "'*' wildcards each; every pattern must match (AND).",
    )
    keep_last: int | None = Field(
        default=None, ge=1, description="Keep the newest N images (ECR imageCountMoreThan)."
    )
    expire_after_days: int | None = Field(
        default=None,
        ge=1,
        description="Expire images pushed more than N days ago (ECR sinceImagePushed).",
    )
    description: Description | None = Field(default=None, description="Shown in the ECR console.")


class RepositorySpec(_Strict):
    """A repository `<repository_prefix>/<name>`, the same in the source and every replica."""

    name: RepositoryName = Field(description="Name under repository_prefix.")
    tag_mutability: Literal["IMMUTABLE", "MUTABLE"] = Field(
        default="IMMUTABLE", description="Whether a pushed tag can be moved to another image."
    )
    scan_on_push: bool = Field(default=True, description="Basic image scan on every push.")
    encryption: Literal["AES256", "KMS"] = Field(
        default="AES256", description="Cannot change after creation. KMS needs kms_key."
    )
    kms_key: KmsKey | None = Field(
        default=None, description="Only with encryption: KMS: a KMS key ARN or alias/NAME."
    )
    access: Literal["restricted", "open", "custom"] = Field(
        default="restricted",
        description="restricted: production role pulls, CI role pushes; open: the whole "
        "account pulls, CI role pushes; custom: the `policy` document.",
    )
    policy: RepositoryPolicy | None = Field(
        default=None,
        description="Only with access: custom: the repository policy, as YAML or a JSON string.",
    )
    lifecycle: Annotated[list[LifecycleRuleSpec], Len(1, MAX_LIFECYCLE_RULES)] | None = Field(
        default=None, description="Lifecycle rules in priority order."
    )
    lifecycle_policy: LifecyclePolicy | None = Field(
        default=None,
        description="A raw ECR lifecycle policy {rules: [...]}, instead of `lifecycle`.",
    )


class IamSpec(_Strict):
    """The roles named in repository policies: created by ecrrep, or existing ones."""

    create_roles: bool = Field(
        default=True,
        description="Create <project>-ecr-production, -ci and -cleanup. With false, give "
        "production_role_arn and ci_role_arn.",
    )
    production_principals: list[RoleArn] = Field(
        default_factory=list,
        description="Extra role ARNs trusted to assume the production role.",
    )
    ci_principals: list[RoleArn] = Field(
        default_factory=list, description="Extra role ARNs trusted to assume the CI role."
    )
    production_role_arn: RoleArn | None = Field(
        default=None, description="Only with create_roles: false: the role that pulls."
    )
    ci_role_arn: RoleArn | None = Field(
        default=None, description="Only with create_roles: false: the role that pushes."
    )


class MonitoringSpec(_Strict):
    """The CloudWatch dashboard and alarms."""

    enabled: bool = Field(default=True, description="Create the dashboard and alarms.")
    replication_failure_rate_percent: float = Field(
        default=10,
        gt=0,
        le=100,
        allow_inf_nan=False,
        description="Alarm when this percentage of replications fails in any destination.",
    )
    pull_count_per_5min: int = Field(
        default=1000, ge=1, description="Alarm per repository above this many pulls in 5 minutes."
    )
    repository_size_gib: float = Field(
        default=50,
        gt=0,
        allow_inf_nan=False,
        description="Alarm per repository above this size in GiB.",
    )


class NotificationsSpec(_Strict):
    """The SNS alert topic every alarm notifies."""

    enabled: bool = Field(default=True, description="Create the <project>-alerts topic.")
    email: Email | None = Field(
        default=None, description="Subscribed to the topic; AWS asks it to confirm."
    )


class CleanupSpec(_Strict):
    """The scheduled cleanup function."""

    enabled: bool = Field(default=True, description="Create the function and its schedule.")
    schedule: Schedule = Field(
        default="cron(0 2 * * ? *)",
        description="EventBridge cron(...) with six fields, or rate(N unit). Times are UTC.",
    )
    retention_days: dict[str, RetentionDays] = Field(
        default_factory=dict,
        description=f"Days to keep images, per repository name; default {DEFAULT_RETENTION_DAYS}.",
    )
    protected_tag_prefixes: list[TagPrefix] = Field(
        default_factory=list, description="An image with a tag starting so is never deleted."
    )
    dry_run: bool = Field(default=False, description="Log what would be deleted, delete nothing.")


class Spec(_Strict):
    """An ecrrep spec, version 1."""

    version: Literal[1] = Field(default=1, description="The spec format; only 1 exists.")
    project: ProjectName = Field(
        description="Prefixes every resource ecrrep names; stored in the ecrrep:project tag."
    )
    environment: EnvironmentName = Field(default="production", description="A label.")
    source_region: Region = Field(description="Where images are pushed.")
    destination_regions: Annotated[list[Region], Len(1, MAX_DESTINATION_REGIONS)] = Field(
        description="Where images are replicated: distinct, not the source region."
    )
    repository_prefix: RepositoryPrefix = Field(
        description="Repositories are <prefix>/<name>; replication filters on this prefix."
    )
    tags: Annotated[dict[TagKey, TagValue], MaxLen(MAX_TAGS)] = Field(
        default_factory=dict,
        description="Put on every taggable resource, with ecrrep:project.",
    )
    repositories: Annotated[list[RepositorySpec], MinLen(1)] = Field(
        description="The repositories to keep, with unique names."
    )
    iam: IamSpec = Field(default_factory=IamSpec)
    monitoring: MonitoringSpec = Field(default_factory=MonitoringSpec)
    notifications: NotificationsSpec = Field(default_factory=NotificationsSpec)
    cleanup: CleanupSpec = Field(default_factory=CleanupSpec)

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_not_a_boolean(cls, value: Any) -> Any:
        # `True == 1` in Python, so `version: true` would otherwise pass as version 1.
        if isinstance(value, bool):
            raise ValueError(f"must be 1 (got {value!r})")
        return value

    @model_validator(mode="after")
    def _obeys_spec_rules(self) -> Spec:
        errors = [p for p in spec_problems(self.model_dump()) if p.severity == "error"]
        if errors:
            detail = "; ".join(f"{format_path(p.loc)}: {p.message}" for p in errors)
            raise PydanticCustomError(RULE_ERROR_TYPE, "{detail}", {"detail": detail})
        return self

    @property
    def regions(self) -> list[str]:
        """The source region first, then every destination region."""
        return [self.source_region, *self.destination_regions]

    def retention_days_for(self, repository: str) -> int:
        return self.cleanup.retention_days.get(repository, DEFAULT_RETENTION_DAYS)


# ---------------------------------------------------------------------------------------------
# Rules that relate several values.

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str
    severity: Literal["error", "warning"] = "error"


def format_path(loc: Loc) -> str:
    """`repositories[0].lifecycle[1].keep_last`; `(root)` for the whole document."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
    return text or "(root)"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _mappings(value: Any) -> list[tuple[int, Mapping[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, Mapping)]


def spec_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Every rule that relates several values, checked on plain data (raw YAML or a dump).

    A value of the wrong type is skipped here: validation reports it, and a rule built on it
    would only add a second, confusing error.
    """
    repositories = _mappings(data.get("repositories"))
    return [
        *_destination_problems(data),
        *_repository_name_problems(data, repositories),
        *(
            problem
            for index, repository in repositories
            for problem in _repository_problems(("repositories", index), repository)
        ),
        *_iam_problems(_mapping(data.get("iam")), repositories),
        *_retention_problems(_mapping(data.get("cleanup")), repositories),
    ]


def _destination_problems(data: Mapping[str, Any]) -> list[Problem]:
    source = data.get("source_region")
    destinations = data.get("destination_regions")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, region in enumerate(destinations if isinstance(destinations, list) else []):
        if not isinstance(region, str):
            continue
        loc = ("destination_regions", index)
        if region == source:
            problems.append(Problem(loc, f"{region!r} is the source_region, not a destination"))
        elif region in seen:
            problems.append(
                Problem(
                    loc, f"duplicate region {region!r} (also destination_regions[{seen[region]}])"
                )
            )
        else:
            seen[region] = index
    return problems


def _repository_name_problems(
    data: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    prefix = data.get("repository_prefix")
    prefix_ok = isinstance(prefix, str) and repository_prefix_problem(prefix) is None
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, repository in repositories:
        name = repository.get("name")
        if not isinstance(name, str):
            continue
        loc = ("repositories", index, "name")
        if name in seen:
            problems.append(
                Problem(
                    loc, f"duplicate repository name {name!r} (also repositories[{seen[name]}])"
                )
            )
            continue
        seen[name] = index
        if prefix_ok and repository_name_problem(name) is None:
            full = naming.repository_name(prefix, name)
            low, high = ECR_REPOSITORY_LENGTH
            if not _matches(ECR_REPOSITORY_PATTERN, full) or not low <= len(full) <= high:
                problems.append(
                    Problem(
                        loc,
                        f"the full repository name {full!r} ({len(full)} characters) is not a "
                        f"valid ECR name of {low}..{high} characters",
                    )
                )
    return problems


def _repository_problems(loc: Loc, repository: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    encryption = repository.get("encryption", "AES256")
    if encryption == "KMS" and repository.get("kms_key") is None:
        problems.append(
            Problem((*loc, "encryption"), "KMS needs kms_key (a KMS key ARN or alias/NAME)")
        )
    if encryption == "AES256" and repository.get("kms_key") is not None:
        problems.append(Problem((*loc, "kms_key"), "only used with encryption: KMS"))
    access = repository.get("access", "restricted")
    if access == "custom" and repository.get("policy") is None:
        problems.append(
            Problem((*loc, "access"), "custom needs policy (the repository policy document)")
        )
    if access in ("restricted", "open") and repository.get("policy") is not None:
        problems.append(Problem((*loc, "policy"), "only used with access: custom"))
    if repository.get("lifecycle") is not None and repository.get("lifecycle_policy") is not None:
        problems.append(
            Problem(
                (*loc, "lifecycle_policy"), "use either lifecycle or lifecycle_policy, not both"
            )
        )
    rules = repository.get("lifecycle")
    if isinstance(rules, list):
        problems += _lifecycle_problems((*loc, "lifecycle"), rules)
    return problems


_AND_WARNING = (
    "ECR selects an image only if it has a tag matching every one of these {what} "
    "(AND, not OR); write one rule per {one} if you meant OR"
)


def _lifecycle_problems(loc: Loc, rules: list[Any]) -> list[Problem]:
    problems: list[Problem] = []
    last = len(rules) - 1
    for index, rule in _mappings(rules):
        at = (*loc, index)
        select = rule.get("select")
        keep, expire = rule.get("keep_last"), rule.get("expire_after_days")
        if keep is None and expire is None:
            problems.append(Problem(at, "needs keep_last or expire_after_days"))
        elif keep is not None and expire is not None:
            problems.append(
                Problem((*at, "expire_after_days"), "use keep_last or expire_after_days, not both")
            )
        prefixes, patterns = rule.get("tag_prefixes"), rule.get("tag_patterns")
        if select in ("untagged", "any"):
            for key, value in (("tag_prefixes", prefixes), ("tag_patterns", patterns)):
                if value is not None:
                    problems.append(Problem((*at, key), "only used with select: tagged"))
        elif select == "tagged":
            if prefixes is None and patterns is None:
                problems.append(
                    Problem((*at, "select"), "tagged needs tag_prefixes or tag_patterns")
                )
            elif prefixes is not None and patterns is not None:
                problems.append(
                    Problem((*at, "tag_patterns"), "use tag_prefixes or tag_patterns, not both")
                )
            for key, what, one in (
                ("tag_prefixes", "prefixes", "prefix"),
                ("tag_patterns", "patterns", "pattern"),
            ):
                value = rule.get(key)
                if isinstance(value, list) and len(value) > 1:
                    message = _AND_WARNING.format(what=what, one=one)
                    problems.append(Problem((*at, key), message, "warning"))
        if select == "any" and index != last:
            problems.append(
                Problem(
                    (*at, "select"),
                    "any must be the last rule (so only one rule may select any)",
                )
            )
    return problems


_ROLES_NEEDED = {
    "restricted": ("production_role_arn", "ci_role_arn"),
    "open": ("ci_role_arn",),
}


def _iam_problems(
    iam: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    create_roles = iam.get("create_roles", True)
    problems: list[Problem] = []
    if create_roles is True:
        for key in ("production_role_arn", "ci_role_arn"):
            if iam.get(key) is not None:
                problems.append(Problem(("iam", key), "only used with create_roles: false"))
    elif create_roles is False:
        for key in ("production_principals", "ci_principals"):
            if iam.get(key):
                problems.append(
                    Problem(
                        ("iam", key),
                        "only used with create_roles: true (these roles may assume the roles "
                        "ecrrep creates)",
                    )
                )
        for index, repository in repositories:
            access = repository.get("access", "restricted")
            missing = [key for key in _ROLES_NEEDED.get(access, ()) if iam.get(key) is None]
            if missing:
                needs = " and ".join(f"iam.{key}" for key in missing)
                problems.append(
                    Problem(
                        ("repositories", index, "access"),
                        f"{access} needs {needs} when iam.create_roles is false",
                    )
                )
    return problems


def _retention_problems(
    cleanup: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
) -> list[Problem]:
    retention = cleanup.get("retention_days")
    if not isinstance(retention, Mapping):
        return []
    names = [r["name"] for _, r in repositories if isinstance(r.get("name"), str)]
    return [
        Problem(
            ("cleanup", "retention_days", key),
            f"no repository named {key!r} in this spec{did_you_mean(key, names)}",
        )
        for key in retention
        if key not in names
    ]
