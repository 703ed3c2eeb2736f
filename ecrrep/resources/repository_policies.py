"""Repository policies (who may pull and push) on every managed repository, in every region.

A policy naming a role that was created moments ago (the production and CI roles, created
earlier in the same apply) is refused until IAM has propagated it: SetRepositoryPolicy is then
retried for up to two minutes (see `propagation.py`). Only a policy that names an IAM role is
retried, so a policy refused for another reason fails at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws.actions import REPOSITORY_READ, KindActions, grants
from ecrrep.resources.shared.propagation import after_iam_propagation
from ecrrep.resources.shared.repository_documents import RepositoryDocumentKind
from ecrrep.spec import naming
from ecrrep.spec.documents import normalise_policy, repository_policy_document

# ECR's answers to a principal it does not know yet (older, then newer wording).
PRINCIPAL_NOT_READY_CODE = "InvalidParameterException"
PRINCIPAL_NOT_READY_MESSAGES = ("Invalid repository policy provided", "Principal not found")

if TYPE_CHECKING:
    from ecrrep.resources.base import Target
    from ecrrep.spec.models import RepositorySpec, Spec


def production_role_arn(spec: Spec, account_id: str) -> str | None:
    if spec.iam.create_roles:
        return naming.role_arn(account_id, naming.production_role_name(spec.project))
    return spec.iam.production_role_arn


def ci_role_arn(spec: Spec, account_id: str) -> str | None:
    if spec.iam.create_roles:
        return naming.role_arn(account_id, naming.ci_role_name(spec.project))
    return spec.iam.ci_role_arn


class EcrRepositoryPolicyKind(RepositoryDocumentKind):
    type = "ecr_repository_policy"
    deleted_with = "ecr_repository"
    title = "Repository policies"
    not_found_codes = frozenset({"RepositoryPolicyNotFoundException"})
    # The policies name the production and CI roles.
    depends_on = ("ecr_repository", "iam_role")
    iam = KindActions(
        read=(*REPOSITORY_READ, grants("repository", "ecr:GetRepositoryPolicy")),
        write=(grants("repository", "ecr:SetRepositoryPolicy"),),
        delete=(grants("repository", "ecr:DeleteRepositoryPolicy"),))
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
        call = lambda: client.set_repository_policy(  # noqa: E731
            repositoryName=repository, policyText=text)
        if ":role/" not in text:
            call()
            return
        for message in PRINCIPAL_NOT_READY_MESSAGES:
            call = _retrying(call, repository, message)
        call()

    def delete_document(self, client: Any, repository: str) -> None:
        client.delete_repository_policy(repositoryName=repository)


def _retrying(call: Any, repository: str, message: str) -> Any:
    return lambda: after_iam_propagation(
        [PRINCIPAL_NOT_READY_CODE], call, message_contains=message,
        what=f"ECR to know the roles named in the policy of {repository}")


KIND = EcrRepositoryPolicyKind()
