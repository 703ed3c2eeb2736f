"""What lifecycle policies and repository policies share: one JSON document per repository,
read with a get call, written with a put call, compared after normalisation, owned through
the repository that holds it."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from ecrrep.aws import aws_action, aws_error
from ecrrep.engine import claims, ownership
from ecrrep.engine.diff import DiffOptions, DiffRules
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.ecr_listing import RepositoryRecord, repositories_we_may_own
from ecrrep.resources.shared.other_accounts import destination_records
from ecrrep.spec import documents, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import RepositorySpec, Spec


def _unowned_repository(resource: Resource, options: DiffOptions) -> str:
    return ownership.conflict_message(resource, options, f"repository {resource.name}")


class RepositoryDocumentKind(ResourceKind):
    """A policy document attached to each managed repository."""

    rules: ClassVar[DiffRules] = DiffRules(conflict_message=_unowned_repository)
    # A document lives on its repository, and is ours through it.
    depends_on: ClassVar[tuple[str, ...]] = ("ecr_repository",)
    not_found_codes: ClassVar[frozenset[str]]
    normalise: ClassVar[Callable[[Any], Any]]

    @abstractmethod
    def document(self, spec: Spec, repo: RepositorySpec, target: Target) -> dict | None:
        """The normalised document the spec wants on this repository, or None."""

    @abstractmethod
    def get_text(self, client: Any, repository: str) -> str:
        """The document's text as AWS holds it (raises the kind's not-found error)."""

    @abstractmethod
    def put_text(self, client: Any, repository: str, text: str) -> None: ...

    @abstractmethod
    def delete_document(self, client: Any, repository: str) -> None: ...

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        # A repository's document is the same in every region: built once and shared (never
        # mutated), which at 5,000 repositories saves two thirds of the documents' time and
        # memory.
        documents = {}
        for repo in spec.repositories:
            document = self.document(spec, repo, target)
            if document is not None:
                documents[repo.name] = document
        # Only where the repository exists: its source region and its own destinations, and
        # every destination in another account.
        here = [Resource(self.type, region,
                         naming.repository_name(spec.repository_prefix, name), {"policy": document})
                for region in spec.regions for name, document in documents.items()
                if region in spec.regions_for(name)]
        return here + [Resource(self.type, d.region,
                                naming.repository_name(spec.repository_prefix, name),
                                {"policy": document}, account=d.account_id)
                       for d in spec.destinations for name, document in documents.items()]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        wanted = {naming.repository_name(spec.repository_prefix, r.name): r.name
                  for r in spec.repositories}
        records = [
            record
            for region in claims.managed_regions(ctx, spec)
            for record in repositories_we_may_own(ctx, spec, region).values()
            if (record.name in wanted and region in spec.regions_for(wanted[record.name]))
            or record.owned_by(spec.project)
        ]
        located = [("", record) for record in records] + [
            (account, record) for account, record in destination_records(ctx, spec)
            if record.name in wanted or record.owned_by(spec.project)]
        documents = ctx.map(
            lambda item: self._read_document(ctx.for_account(item[1][0]), item[1][1]),
            [(record.region, (account, record)) for account, record in located])
        return [
            Resource(self.type, record.region, record.name, {"policy": document},
                     owned=record.owned_by(spec.project), owner=record.owner, account=account)
            for (account, record), document in zip(located, documents, strict=True)
            if document is not None
        ]

    def _read_document(self, ctx: AwsContext, record: RepositoryRecord) -> Any:
        client = ctx.client("ecr", record.region)
        with aws_action(f"{record.name} ({record.region})"):
            try:
                text = self.get_text(client, record.name)
            except aws_error(*self.not_found_codes):
                return None
        return type(self).normalise(json.loads(text))

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        text = documents.policy_text((change.after or {})["policy"])
        self.put_text(ctx.client("ecr", change.region), change.name, text)

    update = create

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            self.delete_document(ctx.client("ecr", change.region), change.name)
        except aws_error(*self.not_found_codes, "RepositoryNotFoundException"):
            pass  # Gone already, with its policy or by an earlier attempt: done.
