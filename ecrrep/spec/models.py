"""The spec: pydantic models of the YAML file (version 1), and the rules it must satisfy.

Values here are validated and typed; nothing in this module talks to AWS. Loading with line
numbers and turning validation errors into `FILE:LINE: path: message` lives in `loader`.

Rules about one value (in `rules`) are validators on its type (in `fields`), so pydantic reports
every bad value at once. Rules that relate several values live in `relations.spec_problems`,
which works on plain data: the loader runs it on the raw YAML even when some values failed
validation, and `Spec` runs it on itself so that a spec built in code obeys the same rules.
"""

from __future__ import annotations

import json
from functools import cached_property, lru_cache
from typing import Annotated, Any, Literal

from annotated_types import Len, MaxLen, MinLen
from pydantic import (
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ecrrep.spec.fields import (
    AccountId,
    ArchiveDays,
    Description,
    Email,
    EnvironmentName,
    KmsKeySetting,
    LifecyclePolicy,
    ProjectName,
    Region,
    RepositoryName,
    RepositoryPolicy,
    RepositoryPrefix,
    RetentionDays,
    RoleArn,
    Schedule,
    Strict,
    TagKey,
    TagMutability,
    TagMutabilityExclusions,
    TagPattern,
    TagPrefix,
    TagValue,
)
from ecrrep.spec.kms_keys import key_for_region
from ecrrep.spec.relations import spec_problems
from ecrrep.spec.rules import (
    DEFAULT_RETENTION_DAYS,
    MAX_DESTINATION_REGIONS,
    MAX_LIFECYCLE_RULES,
    MAX_TAGS,
    RULE_ERROR_TYPE,
    Loc,
    Problem,
    format_path,
)
from ecrrep.spec.scanning import ScanningSpec
from ecrrep.spec.templates import FITS_THE_SPEC, TemplatesSpec

__all__ = ["Loc", "Problem", "RepositorySpec", "Spec", "format_path", "spec_problems"]

# The longest policy texts ECR accepts (PutLifecyclePolicy, SetRepositoryPolicy).
ECR_LIFECYCLE_POLICY_LIMIT = 30_720
ECR_REPOSITORY_POLICY_LIMIT = 10_240
# The highest replication latency alarm threshold, in seconds: one day (see MonitoringSpec).
MAX_REPLICATION_LATENCY_SECONDS = 86_400

# ---------------------------------------------------------------------------------------------
# Models.


class LifecycleRuleSpec(Strict):
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
    archive_after_days: int | None = Field(
        default=None, ge=1, description="Instead of expiring: move images pushed more than N "
        "days ago to ECR's archive storage class (transition, sinceImagePushed).")
    archive_unpulled_days: int | None = Field(
        default=None, ge=1, description="Move images not pulled for N days (never pulled: "
        "since their push) to ECR's archive storage class (transition, sinceImagePulled).")
    expire_archived_after_days: ArchiveDays | None = Field(
        default=None, description="Expire archived images N days after they were archived "
        "(storageClass archive, sinceImageTransitioned); at least 90, ECR's minimum.")
    description: Description | None = Field(default=None, description="Shown in the ECR console.")


class RepositorySpec(Strict):
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
    replicate_to: list[Region] | None = Field(
        default=None,
        description="The regions this repository is replicated to: distinct regions of "
        "destination_regions; [] for none (no replicas); absent: every destination_regions.",
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


class IamSpec(Strict):
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


class MonitoringSpec(Strict):
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


class NotificationsSpec(Strict):
    """The SNS alert topic every alarm notifies."""

    enabled: bool = Field(default=True, description="Create the <project>-alerts topic.")
    email: Email | None = Field(
        default=None, description="Subscribed to the topic; AWS asks it to confirm."
    )


class CleanupSpec(Strict):
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


class DestinationSpec(Strict):
    """A replication destination in another account, and how ecrrep reaches it."""

    region: Region = Field(description="The destination region.")
    account_id: AccountId = Field(description="The destination account (12 digits).")
    profile: str | None = Field(default=None, description=(
        "A named profile whose credentials act in account_id."))
    role_arn: RoleArn | None = Field(default=None, description=(
        "A role in account_id that ecrrep assumes with its own credentials."))


class Spec(Strict):
    """An ecrrep spec, version 1."""

    version: Literal[1] = Field(default=1, description="The spec format; only 1 exists.")
    project: ProjectName = Field(
        description="Prefixes every resource ecrrep names; stored in the ecrrep:project tag."
    )
    environment: EnvironmentName = Field(default="production", description="A label.")
    source_region: Region = Field(description="Where images are pushed.")
    # At least one unless `destinations` are given: `ecrrep.spec.accounts` says so.
    destination_regions: Annotated[list[Region], MaxLen(MAX_DESTINATION_REGIONS)] = Field(
        description="Where images are replicated in this account: distinct, not the source "
        "region; may be [] when destinations are given."
    )
    destinations: list[DestinationSpec] = Field(
        default_factory=list, description="Where images are replicated in other accounts: "
        "every repository goes to each, reached through a profile or an assumed role.")
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
    templates: Annotated[TemplatesSpec[LifecycleRuleSpec] | None, FITS_THE_SPEC] = Field(
        default=None, description="Repository creation templates on repository_prefix: the "
        "settings of repositories ECR creates there that the spec does not list; absent: none "
        "is managed.")

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

    @cached_property
    def _replicate_to_by_name(self) -> dict[str, list[str] | None]:
        # Looked up per repository and region by every kind: a dict, not a scan of the list.
        return {r.name: r.replicate_to for r in self.repositories}

    def destinations_for(self, repository_name: str) -> list[str]:
        """The regions a repository of the spec (its name under the prefix) replicates to:
        its replicate_to, else every destination region."""
        chosen = self._replicate_to_by_name[repository_name]
        return list(self.destination_regions if chosen is None else chosen)

    def regions_for(self, repository_name: str) -> list[str]:
        """The regions a repository of the spec exists in: the source, then its destinations."""
        return [self.source_region, *self.destinations_for(repository_name)]

    def retention_days_for(self, repository: str) -> int:
        return self.cleanup.retention_days.get(repository, DEFAULT_RETENTION_DAYS)
