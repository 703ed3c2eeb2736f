"""Lifecycle policies on every managed repository, in every region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.resources.repository_documents import RepositoryDocumentKind
from ecrrep.spec.documents import lifecycle_policy_document, normalise_lifecycle_policy

if TYPE_CHECKING:
    from ecrrep.resources.base import Target
    from ecrrep.spec.models import RepositorySpec, Spec


class LifecyclePolicies(RepositoryDocumentKind):
    type = "ecr_lifecycle_policy"
    deleted_with = "ecr_repository"
    title = "Lifecycle policies"
    not_found_codes = frozenset({"LifecyclePolicyNotFoundException"})
    normalise = staticmethod(normalise_lifecycle_policy)

    def document(self, spec: Spec, repo: RepositorySpec, target: Target) -> dict | None:
        return lifecycle_policy_document(repo)

    def get_text(self, client: Any, repository: str) -> str:
        return client.get_lifecycle_policy(repositoryName=repository)["lifecyclePolicyText"]

    def put_text(self, client: Any, repository: str, text: str) -> None:
        client.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=text)

    def delete_document(self, client: Any, repository: str) -> None:
        client.delete_lifecycle_policy(repositoryName=repository)


KIND = LifecyclePolicies()
