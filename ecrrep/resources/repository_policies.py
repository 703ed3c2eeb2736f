"""Repository policies (who may pull and push) on every managed repository, in every region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep import naming
from ecrrep.documents import normalise_policy, repository_policy_document
from ecrrep.resources.repository_documents import RepositoryDocumentKind

if TYPE_CHECKING:
    from ecrrep.resources.base import Target
    from ecrrep.spec import RepositorySpec, Spec


def production_role_arn(spec: Spec, account_id: str) -> str | None:
    if spec.iam.create_roles:
        return naming.role_arn(account_id, naming.production_role_name(spec.project))
    return spec.iam.production_role_arn


def ci_role_arn(spec: Spec, account_id: str) -> str | None:
    if spec.iam.create_roles:
        return naming.role_arn(account_id, naming.ci_role_name(spec.project))
    return spec.iam.ci_role_arn


class RepositoryPolicies(RepositoryDocumentKind):
    type = "ecr_repository_policy"
    title = "Repository policies"
    not_found_codes = frozenset({"RepositoryPolicyNotFoundException"})
    normalise = staticmethod(normalise_policy)

    def document(self, spec: Spec, repo: RepositorySpec, target: Target) -> dict | None:
        return repository_policy_document(
            repo.access,
            repo.policy,
            target.account_id,
            production_role_arn(spec, target.account_id),
            ci_role_arn(spec, target.account_id),
        )

    def get_text(self, client: Any, repository: str) -> str:
        return client.get_repository_policy(repositoryName=repository)["policyText"]

    def put_text(self, client: Any, repository: str, text: str) -> None:
        client.set_repository_policy(repositoryName=repository, policyText=text)

    def delete_document(self, client: Any, repository: str) -> None:
        client.delete_repository_policy(repositoryName=repository)


KIND = RepositoryPolicies()
