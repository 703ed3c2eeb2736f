"""Repository creation templates: Create/Describe/Update/DeleteRepositoryCreationTemplate,
which moto lacks, and the repository ECR creates from the matching template.

Follows https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html
and https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepositoryCreationTemplate.html:
a template applies to repositories ECR creates on your behalf (here: by replication) whose
name starts with `<prefix>/` ("there is always an assumed / applied to the end of the
prefix"); `ROOT` applies to every repository no other template matches. A template only
affects repositories created after it; without one, ECR's repository defaults apply.

Templates are kept per registry and region on moto's ECR backend, so moto's reset clears them.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

ROOT = "ROOT"
# botocore's `Prefix` shape; botocore does not check patterns client-side.
PREFIX_PATTERN = re.compile(
    r"^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$")
TEMPLATE_FIELDS = ("description", "encryptionConfiguration", "resourceTags",
                   "imageTagMutability", "imageTagMutabilityExclusionFilters",
                   "repositoryPolicy", "lifecyclePolicy", "appliedFor", "customRoleArn")


def prefix_matches(prefix: str, repository_name: str) -> bool:
    if prefix == ROOT:
        return True
    return repository_name.startswith(prefix.rstrip("/") + "/")


def matching_template(templates: dict[str, dict[str, Any]], repository_name: str,
                      applied_for: str) -> dict[str, Any] | None:
    """The template ECR applies: the longest matching prefix, ROOT only when none other
    matches; only templates whose appliedFor names this way of creating."""
    candidates = [t for t in templates.values()
                  if applied_for in t.get("appliedFor", [])
                  and prefix_matches(t["prefix"], repository_name)]
    named = [t for t in candidates if t["prefix"] != ROOT]
    if named:
        return max(named, key=lambda t: len(t["prefix"].rstrip("/")))
    return candidates[0] if candidates else None


def templates_of(backend: Any) -> dict[str, dict[str, Any]]:
    """The templates of one registry in one region, kept on its moto ECR backend."""
    if not hasattr(backend, "sandbox_creation_templates"):
        backend.sandbox_creation_templates = {}
    return backend.sandbox_creation_templates


def create_repository_for(backend: Any, name: str, applied_for: str) -> Any:
    """Create a repository as ECR does on your behalf: the matching template's settings,
    ECR's defaults (MUTABLE, AES256, no policies, no tags) otherwise."""
    template = matching_template(templates_of(backend), name, applied_for) or {}
    mutability = template.get("imageTagMutability") or "MUTABLE"
    repository = backend.create_repository(
        repository_name=name, registry_id=None,
        encryption_config=template.get("encryptionConfiguration"), image_scan_config=None,
        image_tag_mutability=mutability, tags=template.get("resourceTags") or [],
        image_tag_mutability_exclusion_filters=template.get(
            "imageTagMutabilityExclusionFilters"))
    if template.get("repositoryPolicy"):
        backend.set_repository_policy(None, name, template["repositoryPolicy"])
    if template.get("lifecyclePolicy"):
        backend.put_lifecycle_policy(None, name, template["lifecyclePolicy"])
    return repository


# -- the API -----------------------------------------------------------------------------


@functools.cache
def _errors() -> tuple[type, type, type]:
    """InvalidParameterException, TemplateAlreadyExistsException, TemplateNotFoundException."""
    from moto.core.exceptions import ServiceException
    from moto.ecr.exceptions import InvalidParameterException

    class TemplateAlreadyExistsException(ServiceException):
        code = "TemplateAlreadyExistsException"

    class TemplateNotFoundException(ServiceException):
        code = "TemplateNotFoundException"

    return InvalidParameterException, TemplateAlreadyExistsException, TemplateNotFoundException


def _checked_prefix(response: Any) -> str:
    prefix = response._get_param("prefix") or ""
    if not PREFIX_PATTERN.match(prefix):
        raise _errors()[0](f"Invalid parameter at 'prefix' failed to satisfy constraint: "
                           f"'must satisfy regular expression '{PREFIX_PATTERN.pattern}''")
    return prefix


def _answer(response: Any, template: dict[str, Any]) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"registryId": response.current_account,
                         "repositoryCreationTemplate": template})


def _fields_given(response: Any) -> dict[str, Any]:
    given = {f: response._get_param(f) for f in TEMPLATE_FIELDS}
    return {k: v for k, v in given.items() if v is not None}


def _existing(response: Any) -> tuple[str, dict[str, dict[str, Any]]]:
    prefix = _checked_prefix(response)
    templates = templates_of(response.ecr_backend)
    if prefix not in templates:
        raise _errors()[2](f"The repository creation template with prefix '{prefix}' does not "
                           f"exist in the registry with id '{response.current_account}'")
    return prefix, templates


def create_repository_creation_template(self: Any) -> Any:
    prefix = _checked_prefix(self)
    templates = templates_of(self.ecr_backend)
    if prefix in templates:
        raise _errors()[1](f"The repository creation template with prefix '{prefix}' already "
                           f"exists in the registry with id '{self.current_account}'")
    now = datetime.now(UTC)
    # ECR's defaults for what the request leaves out.
    template = {"prefix": prefix, "imageTagMutability": "MUTABLE",
                "encryptionConfiguration": {"encryptionType": "AES256"},
                **_fields_given(self), "createdAt": now, "updatedAt": now}
    templates[prefix] = template
    return _answer(self, template)


def update_repository_creation_template(self: Any) -> Any:
    prefix, templates = _existing(self)
    templates[prefix] = {**templates[prefix], **_fields_given(self),
                         "updatedAt": datetime.now(UTC)}
    return _answer(self, templates[prefix])


def delete_repository_creation_template(self: Any) -> Any:
    prefix, templates = _existing(self)
    return _answer(self, templates.pop(prefix))


def describe_repository_creation_templates(self: Any) -> Any:
    from moto.core.responses import ActionResult

    wanted = self._get_param("prefixes") or []
    templates = templates_of(self.ecr_backend)
    found = [t for p, t in sorted(templates.items()) if not wanted or p in wanted]
    return ActionResult({"registryId": self.current_account,
                         "repositoryCreationTemplates": found})


API = (create_repository_creation_template, update_repository_creation_template,
       delete_repository_creation_template, describe_repository_creation_templates)


def install() -> None:
    from moto.ecr.responses import ECRResponse

    for handler in API:
        setattr(ECRResponse, handler.__name__, handler)
