"""Lifecycle policies on every managed repository, in every region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws.actions import REPOSITORY_READ, KindActions, grants
from ecrrep.lifecycle.preview import annotate_previews, changes_to_preview
from ecrrep.resources.repositories import EcrRepositoryKind
from ecrrep.resources.shared.repository_documents import RepositoryDocumentKind
from ecrrep.spec.documents import lifecycle_policy_document, normalise_lifecycle_policy

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.engine.plan import Plan
    from ecrrep.resources.base import Target
    from ecrrep.spec.models import RepositorySpec, Spec


class EcrLifecyclePolicyKind(RepositoryDocumentKind):
    type = "ecr_lifecycle_policy"
    deleted_with = "ecr_repository"
    title = "Lifecycle policies"
    not_found_codes = frozenset({"LifecyclePolicyNotFoundException"})
    iam = KindActions(
        # DescribeImages: the plan's preview of what a new policy would expire.
        read=(*REPOSITORY_READ, grants("repository", "ecr:GetLifecyclePolicy",
                                       "ecr:DescribeImages")),
        write=(grants("repository", "ecr:PutLifecyclePolicy"),),
        delete=(grants("repository", "ecr:DeleteLifecyclePolicy"),))
    normalise = staticmethod(normalise_lifecycle_policy)

    def document(self, spec: Spec, repo: RepositorySpec, target: Target) -> dict | None:
        return lifecycle_policy_document(repo)

    def get_text(self, client: Any, repository: str) -> str:
        return client.get_lifecycle_policy(repositoryName=repository)["lifecyclePolicyText"]

    def put_text(self, client: Any, repository: str, text: str) -> None:
        client.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=text)

    def delete_document(self, client: Any, repository: str) -> None:
        client.delete_lifecycle_policy(repositoryName=repository)

    def annotate(self, ctx: AwsContext, plan: Plan) -> None:
        """What each policy the plan writes would expire among the images there now (a
        repository the plan creates holds none). Not in another account's replicas: a replica
        holds what the source holds, whose preview the plan shows."""
        annotate_previews(ctx, [c for c in changes_to_preview(plan, self.type,
                                                              EcrRepositoryKind.type)
                                if not c.account])


KIND = EcrLifecyclePolicyKind()
