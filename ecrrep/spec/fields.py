"""The spec's value types: each a str (or dict) plus the rule it obeys (`ecrrep.spec.rules`) and
what editors see of it in the JSON Schema; and the strict base of every spec model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from annotated_types import Interval, Len
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainValidator,
    WithJsonSchema,
)

from ecrrep.spec.accounts import ACCOUNT_ID_PATTERN, account_id_problem
from ecrrep.spec.kms_keys import kms_key_setting_problem
from ecrrep.spec.policy_rules import (
    MIN_ARCHIVE_DAYS,
    lifecycle_policy_problem,
    policy_from_json,
    repository_policy_problem,
)
from ecrrep.spec.regions import AWS_REGIONS
from ecrrep.spec.rules import (
    ENVIRONMENT_PATTERN,
    KMS_ALIAS_PATTERN,
    KMS_KEY_ARN_PATTERN,
    MAX_RETENTION_DAYS,
    MAX_TAG_MUTABILITY_EXCLUSIONS,
    PROJECT_PATTERN,
    REPOSITORY_NAME_PATTERN,
    REPOSITORY_PREFIX_PATTERN,
    ROLE_ARN_PATTERN,
    TAG_MUTABILITY_EXCLUSION_PATTERN,
    TAG_PATTERN_PATTERN,
    TAG_PREFIX_PATTERN,
    description_problem,
    email_problem,
    environment_problem,
    project_problem,
    region_problem,
    repository_name_problem,
    repository_prefix_problem,
    role_arn_problem,
    schedule_problem,
    tag_key_problem,
    tag_mutability_exclusion_problem,
    tag_pattern_problem,
    tag_prefix_problem,
    tag_value_problem,
)


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
TagMutabilityExclusion = Annotated[str, _obeys(tag_mutability_exclusion_problem),
                                   _string_schema(pattern=TAG_MUTABILITY_EXCLUSION_PATTERN)]
TagMutabilityExclusions = Annotated[list[TagMutabilityExclusion],
                                    Len(1, MAX_TAG_MUTABILITY_EXCLUSIONS)]
TagMutability = Literal["IMMUTABLE", "MUTABLE", "IMMUTABLE_WITH_EXCLUSION",
                        "MUTABLE_WITH_EXCLUSION"]
AccountId = Annotated[str, _obeys(account_id_problem),
                      _string_schema(pattern=ACCOUNT_ID_PATTERN)]
RoleArn = Annotated[str, _obeys(role_arn_problem), _string_schema(pattern=ROLE_ARN_PATTERN)]
_KMS_KEY_SCHEMA = {"type": "string", "pattern": f"{KMS_KEY_ARN_PATTERN}|{KMS_ALIAS_PATTERN}"}


def _kms_key_setting(value: Any) -> Any:
    # One validator for both shapes: a str | dict union would report each failed branch.
    if (message := kms_key_setting_problem(value)) is not None:
        raise ValueError(message)
    return dict(value) if isinstance(value, dict) else value


KmsKeySetting = Annotated[
    str | dict[str, str],
    PlainValidator(_kms_key_setting),
    WithJsonSchema({"anyOf": [
        _KMS_KEY_SCHEMA,
        {"type": "object", "additionalProperties": _KMS_KEY_SCHEMA, "minProperties": 1},
    ]}),
]
Email = Annotated[str, _obeys(email_problem), _string_schema(format="email")]
Schedule = Annotated[str, _obeys(schedule_problem), _string_schema(pattern=r"^(cron|rate)\(.*\)$")]
Description = Annotated[str, _obeys(description_problem)]
RepositoryPolicy = Annotated[
    dict[str, Any],
    BeforeValidator(policy_from_json, json_schema_input_type=dict[str, Any] | str),
    _obeys(repository_policy_problem),
]
LifecyclePolicy = Annotated[dict[str, Any], _obeys(lifecycle_policy_problem)]
RetentionDays = Annotated[int, Interval(ge=1, le=MAX_RETENTION_DAYS)]


def _archive_days_problem(value: int) -> str | None:
    # ECR refuses lifecycle rules deleting an image archived for less:
    # https://docs.aws.amazon.com/AmazonECR/latest/userguide/archive-image.html
    if value < MIN_ARCHIVE_DAYS:
        return (f"must be at least {MIN_ARCHIVE_DAYS}: ECR keeps an archived image at least "
                f"{MIN_ARCHIVE_DAYS} days (got {value})")
    return None


ArchiveDays = Annotated[int, _obeys(_archive_days_problem),
                        WithJsonSchema({"type": "integer", "minimum": MIN_ARCHIVE_DAYS})]



class Strict(BaseModel):
    """Unknown keys are errors; a loaded spec never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
