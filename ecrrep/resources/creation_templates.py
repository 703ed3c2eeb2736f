"""Repository creation templates on `repository_prefix` (`templates:`): the settings ECR gives a
repository it creates on our behalf under the prefix, one the spec does not list (a CI pipeline
pushing a new service, then replicated). One template per region where it applies: every
destination for REPLICATION, the source region too with CREATE_ON_PUSH
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html:
a template affects only repositories created after it, so it is written before the
replication rule; "there is always an assumed / applied to the end of the prefix").

A template takes no tag of its own (its `resourceTags` go on the repositories it creates), so it
is owned by name, as the dashboard is: the template on our prefix is ours when this project
claims the prefix (`ecrrep.engine.claims`) and its description is the one ecrrep writes for this
project. The description is checked too because the prefix claim exists whether or not the
spec has `templates:`: without it, a template another tool wrote on our prefix would read as
ours once the project had applied anything. Any other template on the prefix is a conflict the
plan shows and apply leaves (unless --adopt); templates on other prefixes are never read.

The repositories ECR creates from the template are not ours: the spec does not list them, so
`resourceTags` never carries the ownership tag and destroy does not delete them.

Without `templates:` in the spec nothing is read or touched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, aws_error
from ecrrep.aws.actions import CLAIMS_READ, KindActions, grants
from ecrrep.aws.tagging import dict_to_tags, tags_to_dict
from ecrrep.engine import claims, ownership
from ecrrep.engine.diff import DiffOptions, DiffRules
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.repository_policies import ci_role_arn, production_role_arn
from ecrrep.spec.documents import (
    lifecycle_policy_document,
    normalise_lifecycle_policy,
    normalise_policy,
    policy_text,
    repository_policy_document,
)
from ecrrep.spec.templates import template_regions

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
NOTE = ("for repositories ECR creates under {prefix}/ that the spec does not list; those "
        "repositories are not this project's (destroy leaves them)")


def template_description(project: str) -> str:
    """What ecrrep writes as the template's description: with the prefix claim, its proof of
    ownership (at most 256 characters: a project name is at most 64)."""
    return f"Managed by ecrrep project {project}"


def project_of_description(description: str | None) -> str | None:
    prefix = template_description("")
    if description and description.startswith(prefix):
        return description[len(prefix):] or None
    return None


def template_owner(prefix_claimant: str | None, description: str | None) -> str | None:
    """The ecrrep project a template belongs to: the one that claims its prefix, when the
    template's description names that same project; None otherwise."""
    writer = project_of_description(description)
    return prefix_claimant if prefix_claimant is not None and prefix_claimant == writer else None


def desired_attrs(spec: Spec, target: Target, region: str) -> dict[str, Any]:
    """The template of one region in compared form."""
    templates = spec.templates
    assert templates is not None
    mutability = templates.tag_mutability
    policy = repository_policy_document(
        templates.access, templates.policy, target.account_id,
        production_role_arn(spec, target.account_id), ci_role_arn(spec, target.account_id))
    return {
        "applied_for": sorted(templates.applied_for),
        "description": template_description(spec.project),
        "tag_mutability": mutability,
        "tag_mutability_exclusions": sorted(templates.tag_mutability_exclusions or [])
        if mutability in WITH_EXCLUSION else None,
        "encryption": templates.encryption,
        "kms_key": templates.kms_key_for(region),
        "role_arn": templates.role_arn,
        "resource_tags": dict(templates.resource_tags),
        "repository_policy": policy,
        "lifecycle_policy": lifecycle_policy_document(templates),
    }


def _document(text: str | None, normalise: Any) -> Any:
    return normalise(text) if text else None


def attrs_from_answer(found: dict[str, Any]) -> dict[str, Any]:
    """A DescribeRepositoryCreationTemplates entry in compared form, with ECR's defaults for
    what it leaves out (MUTABLE, AES256: the API reference of CreateRepositoryCreationTemplate).
    Exclusion filters count only with a *_WITH_EXCLUSION mutability, where ECR uses them."""
    mutability = found.get("imageTagMutability") or "MUTABLE"
    encryption = found.get("encryptionConfiguration") or {}
    return {
        "applied_for": sorted(found.get("appliedFor") or []),
        "description": found.get("description") or "",
        "tag_mutability": mutability,
        "tag_mutability_exclusions": sorted(
            f["filter"] for f in found.get("imageTagMutabilityExclusionFilters") or [])
        if mutability in WITH_EXCLUSION else None,
        "encryption": encryption.get("encryptionType") or "AES256",
        "kms_key": encryption.get("kmsKey") or None,
        "role_arn": found.get("customRoleArn") or None,
        "resource_tags": tags_to_dict(found.get("resourceTags")),
        "repository_policy": _document(found.get("repositoryPolicy"), normalise_policy),
        "lifecycle_policy": _document(found.get("lifecyclePolicy"), normalise_lifecycle_policy),
    }


def request_from_attrs(prefix: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """Create/UpdateRepositoryCreationTemplate's arguments: every field, so an update leaves
    nothing of the old template behind (an empty policy text removes a policy; botocore's
    minimum for both is 0)."""
    encryption: dict[str, Any] = {"encryptionType": attrs["encryption"]}
    if attrs["kms_key"]:
        encryption["kmsKey"] = attrs["kms_key"]
    request: dict[str, Any] = {
        "prefix": prefix,
        "description": attrs["description"],
        "appliedFor": list(attrs["applied_for"]),
        "imageTagMutability": attrs["tag_mutability"],
        "encryptionConfiguration": encryption,
        "resourceTags": dict_to_tags(attrs["resource_tags"]),
        "repositoryPolicy": policy_text(attrs["repository_policy"])
        if attrs["repository_policy"] else "",
        "lifecyclePolicy": policy_text(attrs["lifecycle_policy"])
        if attrs["lifecycle_policy"] else "",
        "customRoleArn": attrs["role_arn"] or "",
    }
    if attrs["tag_mutability_exclusions"]:
        request["imageTagMutabilityExclusionFilters"] = [
            {"filterType": "WILDCARD", "filter": f} for f in attrs["tag_mutability_exclusions"]]
    return request


def conflict_message(resource: Resource, options: DiffOptions) -> str:
    if ownership.state_of(resource, options.project) == "another project's":
        return ownership.conflict_message(resource, options)
    return (f"a repository creation template on {resource.name} exists that this project did "
            f"not write (its description is not '{template_description(options.project)}'): "
            f"left untouched (use --adopt to take it over)")


class EcrRepositoryCreationTemplateKind(ResourceKind):
    type = "ecr_repository_creation_template"
    title = "Repository creation templates"
    label_format = "repository creation template {name} ({region})"
    rules = DiffRules(conflict_message=conflict_message)
    # Ours by the prefix claim; its repository policy names the production and CI roles.
    depends_on = ("ownership_claim", "iam_role")
    # The four actions have no resource type, so "*"; ECR also checks, when the template is
    # written, that the caller may do what it will do on the caller's behalf (CreateRepository,
    # PutLifecyclePolicy, SetRepositoryPolicy, declared by the repository kinds) and pass
    # `role_arn` (iam:PassRole, not declared: the role is the user's; the README says so):
    # https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-create.html
    iam = KindActions(
        read=(*CLAIMS_READ, grants("none", "ecr:DescribeRepositoryCreationTemplates")),
        write=(grants("none", "ecr:CreateRepositoryCreationTemplate",
                      "ecr:UpdateRepositoryCreationTemplate"),),
        delete=(grants("none", "ecr:DeleteRepositoryCreationTemplate"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if spec.templates is None:
            return []
        return [Resource(self.type, region, spec.repository_prefix,
                         desired_attrs(spec, target, region))
                for region in template_regions(spec.source_region, spec.destination_regions,
                                               spec.templates.applied_for)]

    def diff(self, desired: list[Resource], current: list[Resource],
             options: DiffOptions) -> list[Change]:
        changes = super().diff(desired, current, options)
        for change in changes:
            if change.action == "create":
                change.notes.append(NOTE.format(prefix=change.name))
        return changes

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        if spec.templates is None:
            return []
        # Every region we manage (a dropped destination's template goes), on every prefix we
        # claim (a renamed prefix's template goes).
        regions = claims.managed_regions(ctx, spec)
        prefixes = claims.claimed_prefixes(ctx, spec)
        found = ctx.map(lambda region: self._read_region(ctx, spec, region, prefixes), regions)
        return [resource for resources in found for resource in resources]

    def _read_region(self, ctx: AwsContext, spec: Spec, region: str, prefixes: list[str],
                     ) -> list[Resource]:
        with aws_action(f"repository creation templates ({region})",
                        "DescribeRepositoryCreationTemplates"):
            answer = ctx.client("ecr", region).describe_repository_creation_templates(
                prefixes=prefixes)
        return [self._resource(ctx, spec, region, found)
                for found in answer.get("repositoryCreationTemplates") or []
                if found.get("prefix") in prefixes]

    def _resource(self, ctx: AwsContext, spec: Spec, region: str, found: dict[str, Any],
                  ) -> Resource:
        attrs = attrs_from_answer(found)
        prefix = found["prefix"]
        owner = template_owner(claims.prefix_owner(ctx, spec, prefix), attrs["description"])
        return Resource(self.type, region, prefix, attrs, owned=owner == spec.project,
                        owner=None if owner == spec.project else owner,
                        facts={"proof": "claim"})

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("ecr", change.region)
        request = request_from_attrs(change.name, change.after or {})
        try:
            client.create_repository_creation_template(**request)
        except aws_error("TemplateAlreadyExistsException"):
            # A retried create: ours only if it carries our description.
            found = client.describe_repository_creation_templates(prefixes=[change.name])
            (template,) = found["repositoryCreationTemplates"]
            if template.get("description") != request["description"]:
                raise
            client.update_repository_creation_template(**request)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        ctx.client("ecr", change.region).update_repository_creation_template(
            **request_from_attrs(change.name, change.after or {}))

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            ctx.client("ecr", change.region).delete_repository_creation_template(
                prefix=change.name)
        except aws_error("TemplateNotFoundException"):
            pass  # gone already: done


KIND = EcrRepositoryCreationTemplateKind()
