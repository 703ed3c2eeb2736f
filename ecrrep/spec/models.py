"""The spec: pydantic models of the YAML file (version 1), and the rules it must satisfy.

Values here are validated and typed; nothing in this module talks to AWS. Loading with line
numbers and turning validation errors into `FILE:LINE: path: message` lives in `spec_loader`.

Rules about one value (in `spec_rules`) are validators on its type, so pydantic reports every
bad value at once. Rules that relate several values live in `spec_relations.spec_problems`,
which works on plain data: the loader runs it on the raw YAML even when some values failed
validation, and `Spec` runs it on itself so that a spec built in code obeys the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal

from annotated_types import Interval, Len, MaxLen, MinLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ecrrep.spec.kms_keys import key_for_region, kms_key_setting_problem
from ecrrep.spec.policy_rules import (
    lifecycle_policy_problem,
    policy_from_json,
    repository_policy_problem,
)
from ecrrep.spec.regions import AWS_REGIONS
from ecrrep.spec.relations import spec_problems
from ecrrep.spec.rules import (
    DEFAULT_RETENTION_DAYS,
    ENVIRONMENT_PATTERN,
    KMS_ALIAS_PATTERN,
    KMS_KEY_ARN_PATTERN,
    MAX_DESTINATION_REGIONS,
    MAX_LIFECYCLE_RULES,
    MAX_RETENTION_DAYS,
    MAX_TAG_MUTABILITY_EXCLUSIONS,
    MAX_TAGS,
    PROJECT_PATTERN,
    REPOSITORY_NAME_PATTERN,
    REPOSITORY_PREFIX_PATTERN,
    ROLE_ARN_PATTERN,
    RULE_ERROR_TYPE,
    TAG_MUTABILITY_EXCLUSION_PATTERN,
    TAG_PATTERN_PATTERN,
    TAG_PREFIX_PATTERN,
    Loc,
    Problem,
    description_problem,
    email_problem,
    environment_problem,
    format_path,
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
from ecrrep.spec.scanning import ScanningSpec

__all__ = ["Loc", "Problem", "RepositorySpec", "Spec", "format_path", "spec_problems"]

# The longest policy texts ECR accepts (PutLifecyclePolicy, SetRepositoryPolicy).
ECR_LIFECYCLE_POLICY_LIMIT = 30_720
ECR_REPOSITORY_POLICY_LIMIT = 10_240
# The highest replication latency alarm threshold, in seconds: one day (see MonitoringSpec).
MAX_REPLICATION_LATENCY_SECONDS = 86_400

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
TagMutabilityExclusion = Annotated[str, _obeys(tag_mutability_exclusion_problem),
                                   _string_schema(pattern=TAG_MUTABILITY_EXCLUSION_PATTERN)]
TagMutabilityExclusions = Annotated[list[TagMutabilityExclusion],
                                    Len(1, MAX_TAG_MUTABILITY_EXCLUSIONS)]
TagMutability = Literal["IMMUTABLE", "MUTABLE", "IMMUTABLE_WITH_EXCLUSION",
                        "MUTABLE_WITH_EXCLUSION"]
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
    tag_mutability: TagMutability = Field(default="IMMUTABLE", description="Whether a pushed "
        "tag can be moved to another image; *_WITH_EXCLUSION: except the excluded tags.")
    tag_mutability_exclusions: TagMutabilityExclusions | None = Field(default=None, description=(
        "Only with (and required by) a *_WITH_EXCLUSION tag_mutability: distinct tag wildcards "
        "('*': any characters; whole tags match) whose tags stay mutable (IMMUTABLE_WITH_"
        "EXCLUSION) or become immutable (MUTABLE_WITH_EXCLUSION)."))
    scan_on_push: bool = Field(default=True, description="Basic image scan on every push.")
    encryption: Literal["AES256", "KMS"] = Field(
        default="AES256", description="Cannot change after creation. KMS needs kms_key."
    )
    kms_key: KmsKeySetting | None = Field(
        default=None,
        description="Only with encryption: KMS. KMS keys are regional: an alias (alias/NAME, "
        "resolved in each region), a multi-Region key ARN (key/mrk-..., used with each "
        "region's ARN), or a mapping of the source and every destination region to its key.",
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
    allow_public: bool = Field(
        default=False,
        description="Only with access: custom: let a policy statement with Principal '*' "
        "push, delete or change policy (anyone, in any AWS account). Without it such a policy "
        "is refused; a pull-only '*' statement is allowed with a warning.",
    )
    lifecycle: Annotated[list[LifecycleRuleSpec], Len(1, MAX_LIFECYCLE_RULES)] | None = Field(
        default=None, description="Lifecycle rules in priority order."
    )
    lifecycle_policy: LifecyclePolicy | None = Field(
        default=None,
        description="A raw ECR lifecycle policy {rules: [...]}, instead of `lifecycle`.",
    )

    def kms_key_for(self, region: str) -> str | None:
        """The alias or key ARN that encrypts this repository in `region` (None: not KMS)."""
        return key_for_region(self.kms_key, region) if self.encryption == "KMS" else None

    @model_validator(mode="after")
    def _documents_fit_ecr(self) -> RepositorySpec:
        # ECR refuses longer documents: say so here, not half way through an apply.
        from ecrrep.spec import documents

        for what, document, limit in (
            ("lifecycle policy", documents.lifecycle_policy_document(self),
             ECR_LIFECYCLE_POLICY_LIMIT),
            ("repository policy", self.policy and documents.normalise_policy(self.policy),
             ECR_REPOSITORY_POLICY_LIMIT),
        ):
            size = _sent_length(document) if document is not None else 0
            if size > limit:
                raise ValueError(f"the {what} would be {size} characters; ECR takes at "
                                 f"most {limit}")
        return self


def _sent_length(document: Any) -> int:
    """The length of the document as ecrrep sends it. Repositories mostly share their rules:
    the indented text (json's slow, pure-Python path) is made once per distinct document."""
    return _sent_length_of(json.dumps(document, sort_keys=True, separators=(",", ":")))


@lru_cache(maxsize=1024)
def _sent_length_of(compact: str) -> int:
    from ecrrep.spec import documents

    return len(documents.policy_text(json.loads(compact)))


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
    # Seconds, up to a day: by then an image not yet replicated has long counted as failed in
    # ReplicationFailureRate (30 minutes' grace by default), so a higher threshold could only
    # repeat that alarm, late; a larger number is more likely minutes or milliseconds by
    # mistake.
    replication_latency_seconds: float | None = Field(
        default=None,
        gt=0,
        le=MAX_REPLICATION_LATENCY_SECONDS,
        allow_inf_nan=False,
        description="Alarm when replication to any destination takes longer than this "
        "(95th percentile, seconds); absent: no alarm.",
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
    replicate_deletions: bool = Field(default=False, description=(
        "Replicate image deletions and tag removals (lifecycle expiries too) from the source "
        "to every destination (the rule's deleteReplication)."))
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
    scanning: ScanningSpec | None = Field(
        default=None, description="The registry's scanning configuration in every region; "
        "absent: left as it is.")

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
