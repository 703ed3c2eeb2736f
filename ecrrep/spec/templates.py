"""The `templates:` block: the settings ECR gives the repositories it creates on our behalf under
`repository_prefix` that the spec does not list (a CI pipeline pushing a new service), through a
repository creation template on the prefix in every region where it applies.

ECR's model (botocore `ecr` CreateRepositoryCreationTemplate): `appliedFor` is a list of
REPLICATION, CREATE_ON_PUSH and PULL_THROUGH_CACHE; `repositoryPolicy` takes at most 10,240
characters and `lifecyclePolicy` 30,720 (the repository limits); `encryptionConfiguration.kmsKey`
takes only a key ARN (pattern `arn:aws…:kms:…:key/…`, no alias); `customRoleArn` is the role ECR
assumes to create the repository, and AWS needs one when the template uses KMS or resource tags:
https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-create.html
https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html

The settings are a repository's (`RepositorySpec`'s types, and the same rules, checked by the
same function), so the lifecycle and policy documents come from `ecrrep.spec.documents`.
PULL_THROUGH_CACHE is not offered: ecrrep manages no pull through cache rule, and such a rule
creates repositories under its own prefix, not ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Generic, Literal, TypeVar

from annotated_types import Len, MaxLen
from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, model_validator

from ecrrep.spec.fields import (
    KmsKeySetting,
    LifecyclePolicy,
    RepositoryPolicy,
    RoleArn,
    Strict,
    TagKey,
    TagMutability,
    TagMutabilityExclusions,
    TagValue,
)
from ecrrep.spec.kms_keys import (
    arn_region,
    is_multi_region_arn,
    key_for_region,
    kms_region_problems,
)
from ecrrep.spec.naming import OWNERSHIP_TAG
from ecrrep.spec.rules import MAX_LIFECYCLE_RULES, MAX_TAGS, Loc, Problem, format_path, shown

# A lifecycle rule as a repository's (`models.LifecycleRuleSpec`, which imports this module:
# the Spec field names it, `TemplatesSetting[LifecycleRuleSpec]`).
Rule = TypeVar("Rule")

APPLIED_FOR = ("REPLICATION", "CREATE_ON_PUSH")
# The longest documents a template takes (botocore: repositoryPolicy, lifecyclePolicy).
TEMPLATE_REPOSITORY_POLICY_LIMIT = 10_240
TEMPLATE_LIFECYCLE_POLICY_LIMIT = 30_720


TEMPLATE_KMS_ADVICE = ("use a multi-Region key ARN (key/mrk-…) or a mapping of each region to "
                      "its key ARN")


def _no_alias(setting: Any) -> Any:
    keys = [setting] if isinstance(setting, str) else list(setting.values())
    for key in keys:
        if key.startswith("alias/"):
            raise ValueError(f"a creation template takes a key ARN, not an alias (got "
                             f"{shown(key)}): {TEMPLATE_KMS_ADVICE}")
    return setting


def _no_ownership_tag(tags: Any) -> Any:
    # Before the keys' own check, which says ecrrep sets this tag: here it never does.
    if isinstance(tags, Mapping) and OWNERSHIP_TAG in tags:
        raise ValueError(
            f"{OWNERSHIP_TAG} cannot be set here: the repositories ECR creates from the template "
            "are not this project's (the spec does not list them; destroy leaves them)")
    return tags


def _distinct(values: list[str]) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} is listed twice")
    if "REPLICATION" not in values:
        raise ValueError("must include REPLICATION: the template gives the repositories that "
                         "replication creates in the destinations their settings")
    return values


class TemplatesSpec(Strict, Generic[Rule]):
    """The settings of repositories ECR creates under repository_prefix that the spec does not
    list: a repository creation template on the prefix in every destination region (and in the
    source region with CREATE_ON_PUSH)."""

    applied_for: Annotated[list[Literal["REPLICATION", "CREATE_ON_PUSH"]], Len(1, 2),
                           AfterValidator(_distinct)] = Field(
        default_factory=lambda: ["REPLICATION"],
        description="When ECR uses the template: REPLICATION (in every destination region), "
        "and CREATE_ON_PUSH (also in the source region: a push creates the repository).")
    tag_mutability: TagMutability = Field(default="IMMUTABLE", description="As a "
        "repository's tag_mutability.")
    tag_mutability_exclusions: TagMutabilityExclusions | None = Field(
        default=None, description="As a repository's: only with a *_WITH_EXCLUSION mutability.")
    encryption: Literal["AES256", "KMS"] = Field(
        default="AES256", description="KMS needs kms_key and role_arn.")
    kms_key: Annotated[KmsKeySetting, AfterValidator(_no_alias)] | None = Field(
        default=None, description="Only with encryption: KMS. A template takes key ARNs only "
        "(no alias): a multi-Region key ARN (key/mrk-...) or a mapping of every region where "
        "the template applies to its key ARN.")
    role_arn: RoleArn | None = Field(
        default=None, description="The role ECR assumes to create repositories from the "
        "template (customRoleArn); AWS requires it with encryption: KMS or resource_tags.")
    resource_tags: Annotated[dict[TagKey, TagValue], MaxLen(MAX_TAGS),
                             BeforeValidator(_no_ownership_tag)] = Field(
        default_factory=dict, description="Tags ECR puts on the repositories it creates (never "
        "ecrrep:project: they are not this project's).")
    access: Literal["restricted", "open", "custom"] = Field(
        default="restricted", description="As a repository's access.")
    policy: RepositoryPolicy | None = Field(
        default=None, description="Only with access: custom: the repository policy.")
    allow_public: bool = Field(default=False, description="As a repository's allow_public.")
    lifecycle: Annotated[list[Rule], Len(1, MAX_LIFECYCLE_RULES)] | None = Field(
        default=None, description="Lifecycle rules in priority order, as a repository's.")
    lifecycle_policy: LifecyclePolicy | None = Field(
        default=None, description="A raw ECR lifecycle policy, instead of `lifecycle`.")

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        return "TemplatesSpec"  # the schema's and messages' name, whatever the rule type

    @model_validator(mode="after")
    def _obeys_repository_rules(self) -> TemplatesSpec:
        errors = [p for p in settings_problems((), self.model_dump(), []) if p.severity == "error"]
        errors += size_problems(self)
        if errors:
            raise ValueError("; ".join(_located(p) for p in errors))
        return self

    def kms_key_for(self, region: str) -> str | None:
        return key_for_region(self.kms_key, region) if self.encryption == "KMS" else None


def _located(problem: Problem) -> str:
    return f"{format_path(problem.loc)}: {problem.message}" if problem.loc else problem.message


def template_regions(source_region: str, destination_regions: list[str],
                     applied_for: list[str]) -> list[str]:
    """Where the template is written: every destination, and the source with CREATE_ON_PUSH."""
    source = [source_region] if "CREATE_ON_PUSH" in applied_for else []
    return [*source, *destination_regions]


def settings_problems(loc: Loc, templates: Mapping[str, Any], regions: list[str],
                      ) -> list[Problem]:
    """The block's rules on plain data: a repository's (one function for both) and the role AWS
    needs with KMS or resource tags. `regions`: where the template applies (KMS
    keys are regional), [] when not known."""
    from ecrrep.spec.relations import _repository_problems

    problems = _repository_problems(loc, templates, regions)
    if (templates.get("encryption") == "KMS" or templates.get("resource_tags")) \
            and templates.get("role_arn") is None:
        problems.append(Problem((*loc, "role_arn"), (
            "needed with encryption: KMS or resource_tags: ECR creates such repositories only "
            "through a role you give it (customRoleArn)")))
    return problems


def size_problems(templates: TemplatesSpec) -> list[Problem]:
    """Documents longer than a template takes, measured as ecrrep sends them (the lifecycle
    policy the rules make; a custom policy as given)."""
    from ecrrep.spec import documents

    sized = [("lifecycle_policy" if templates.lifecycle_policy is not None else "lifecycle",
              "lifecycle policy", documents.lifecycle_policy_document(templates),
              TEMPLATE_LIFECYCLE_POLICY_LIMIT),
             ("policy", "repository policy",
              templates.policy and documents.normalise_policy(templates.policy),
              TEMPLATE_REPOSITORY_POLICY_LIMIT)]
    problems = []
    for key, what, document, limit in sized:
        size = len(documents.policy_text(document)) if document is not None else 0
        if size > limit:
            problems.append(Problem((key,), (
                f"the {what} would be {size} characters; a creation template takes at most "
                f"{limit}")))
    return problems


def _fits_the_spec(value: TemplatesSpec | None, info: ValidationInfo) -> TemplatesSpec | None:
    """The rules relating the block to the spec's regions (KMS keys are regional)."""
    if value is None:
        return None
    source, destinations = info.data.get("source_region"), info.data.get("destination_regions")
    if not isinstance(source, str) or not isinstance(destinations, list):
        return value
    regions = template_regions(source, destinations, value.applied_for)
    key = value.kms_key if value.encryption == "KMS" else None
    if isinstance(key, str) and not is_multi_region_arn(key):
        raise ValueError(
            f"kms_key: the single-Region key {shown(key)} works only in {arn_region(key)}, and "
            f"the template is written in {', '.join(regions)}: {TEMPLATE_KMS_ADVICE}")
    problems = kms_region_problems(("kms_key",), key, regions) if key is not None else []
    if problems:
        raise ValueError("; ".join(_located(p) for p in problems))
    return value


# The Spec field is `Annotated[TemplatesSpec[LifecycleRuleSpec] | None, FITS_THE_SPEC]`.
FITS_THE_SPEC = AfterValidator(_fits_the_spec)
