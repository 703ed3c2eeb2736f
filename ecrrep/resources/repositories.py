"""ECR repositories in the source region and, with the same settings, in each destination the
repository replicates to (its replicate_to, else every destination region).

ECR's replication copies images, never settings: ecrrep creates the replicas itself so they
carry the source's mutability, scanning, encryption and tags from the start.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_error
from ecrrep.aws.actions import REPOSITORY_READ, KindActions, grants
from ecrrep.aws.tagging import claim_if_ours, desired_tags, dict_to_tags, sync_tags, tags_to_dict
from ecrrep.engine import claims
from ecrrep.engine.diff import DiffOptions, DiffRules
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.shared.ecr_listing import (
    count_images,
    forget_repositories,
    repositories_we_may_own,
)
from ecrrep.resources.shared.other_accounts import destination_records
from ecrrep.spec import kms_keys, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import RepositorySpec, Spec


def _images_blocker(resource: Resource, options: DiffOptions) -> str | None:
    images = resource.facts.get("image_count", 0)
    if images and not options.force_delete_images:
        return f"holds {images} images: deleting it needs --force-delete-images"
    return None


def encryption_attrs(repo: RepositorySpec, region: str) -> dict[str, Any]:
    """How the repository is encrypted in `region`. KMS keys are regional, so each region has
    its own key (`kms_keys`). A key ARN is compared with the one ECR reports; an alias is not,
    since ECR reports the key ARN it resolved the alias to."""
    key = repo.kms_key_for(region)
    if key and not _is_alias(key):
        return {"encryption": "KMS", "kms_key": key}
    return {"encryption": repo.encryption}


def exclusion_attrs(wildcards: list[str] | None) -> dict[str, Any]:
    """The tag mutability exclusions, sorted (ECR keeps them as a set), and only when there
    are some, so a repository without them looks as it always did in the plan."""
    return {"tag_mutability_exclusions": sorted(wildcards)} if wildcards else {}


def exclusion_filters(attrs: dict[str, Any]) -> dict[str, Any]:
    """The imageTagMutabilityExclusionFilters argument of CreateRepository and
    PutImageTagMutability; WILDCARD is the only filterType
    (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageTagMutabilityExclusionFilter.html)."""
    wildcards = attrs.get("tag_mutability_exclusions") or []
    if not wildcards:
        return {}
    return {"imageTagMutabilityExclusionFilters": [
        {"filterType": "WILDCARD", "filter": wildcard} for wildcard in wildcards]}


def _read_exclusions(description: dict[str, Any]) -> dict[str, Any]:
    filters = description.get("imageTagMutabilityExclusionFilters") or []
    return exclusion_attrs([f["filter"] for f in filters])


class EcrRepositoryKind(ResourceKind):
    type = "ecr_repository"
    title = "ECR repositories"
    rules = DiffRules(
        immutable_fields=frozenset({"encryption", "kms_key"}),
        delete_blocker=_images_blocker,
    )
    # The claims name the prefixes and regions whose repositories are ours.
    depends_on = ("ownership_claim",)
    iam = KindActions(
        # ListImages and DescribeImages: a repository to delete is refused while it holds images.
        read=(*REPOSITORY_READ, grants("repository", "ecr:ListImages", "ecr:DescribeImages")),
        write=(grants("repository", "ecr:CreateRepository", "ecr:TagResource",
                      "ecr:UntagResource", "ecr:PutImageTagMutability",
                      "ecr:PutImageScanningConfiguration"),),
        delete=(grants("repository", "ecr:DeleteRepository"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        tags = desired_tags(spec)
        return self._desired_here(spec, tags) + [
            replace(self._wanted(repo, d.region, spec, tags), account=d.account_id)
            for d in spec.destinations for repo in spec.repositories]

    def _wanted(self, repo: RepositorySpec, region: str, spec: Spec,
                tags: dict[str, str]) -> Resource:
        return Resource(
            self.type, region, naming.repository_name(spec.repository_prefix, repo.name),
            {"tag_mutability": repo.tag_mutability,
             **exclusion_attrs(repo.tag_mutability_exclusions),
             "scan_on_push": repo.scan_on_push,
             **encryption_attrs(repo, region),
             "tags": tags},
            facts=_alias_facts(repo.kms_key_for(region)))

    def _desired_here(self, spec: Spec, tags: dict[str, str]) -> list[Resource]:
        return [
            self._wanted(repo, region, spec, tags)
            for region in spec.regions
            for repo in spec.repositories
            # A replica only where the repository replicates (its replicate_to).
            if region in spec.regions_for(repo.name)
        ]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        """The spec's repositories as they are (whoever owns them), and every other one we
        own: under a renamed prefix, in a dropped region, a replica its repository no longer
        replicates to, or found by our tag."""
        wanted = {naming.repository_name(spec.repository_prefix, r.name): r
                  for r in spec.repositories}
        found: list[Resource] = []
        for region in claims.managed_regions(ctx, spec):
            for record in repositories_we_may_own(ctx, spec, region).values():
                owned = record.owned_by(spec.project)
                repo = wanted.get(record.name)
                if repo is not None and region not in spec.regions_for(repo.name):
                    repo = None
                if repo is None and not owned:
                    continue  # someone else's repository under our prefix: not ours to show
                found.append(self._resource(record, repo, owned))
        for account, record in destination_records(ctx, spec):
            repo = wanted.get(record.name)
            if repo is not None or record.owned_by(spec.project):
                found.append(replace(self._resource(record, repo, record.owned_by(spec.project)),
                                     account=account))
        return found

    def read_deletion_facts(self, ctx: AwsContext, doomed: list[Resource],
                            ) -> dict[str, dict[str, Any]]:
        # Counted only for repositories the plan deletes (destroy, or dropped from the spec).
        counted = ctx.map(lambda r: count_images(ctx.for_account(r.account), r.region, r.name),
                          doomed)
        return {resource.address: {"image_count": images}
                for resource, images in zip(doomed, counted, strict=True)}

    def _resource(self, record: Any, repo: RepositorySpec | None, owned: bool) -> Resource:
        d = record.description
        encryption = d.get("encryptionConfiguration", {"encryptionType": "AES256"})
        attrs: dict[str, Any] = {
            "tag_mutability": d.get("imageTagMutability", "MUTABLE"),
            **_read_exclusions(d),
            "scan_on_push": d.get("imageScanningConfiguration", {}).get("scanOnPush", False),
            "encryption": encryption["encryptionType"],
        }
        # A key named by alias comes back as a key ARN: compare the key only when the spec
        # names this region's key by ARN, or the alias would read as drift on every run.
        by_alias = repo is not None and _is_alias(repo.kms_key_for(record.region))
        if encryption["encryptionType"] == "KMS" and not by_alias:
            attrs["kms_key"] = encryption.get("kmsKey")
        attrs["tags"] = record.tags
        return Resource(self.type, record.region, record.name, attrs, owned=owned,
                        facts={"arn": record.arn, "uri": d.get("repositoryUri")},
                        owner=record.owner)

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("ecr", change.region)
        after = change.after or {}
        encryption = {"encryptionType": after["encryption"]}
        kms_key = after.get("kms_key") or change.facts.get("kms_key_alias")
        if after["encryption"] == "KMS" and kms_key:
            encryption["kmsKey"] = kms_key
        try:
            client.create_repository(
                repositoryName=change.name,
                imageTagMutability=after["tag_mutability"],
                **exclusion_filters(after),
                imageScanningConfiguration={"scanOnPush": after["scan_on_push"]},
                encryptionConfiguration=encryption,
                tags=dict_to_tags(after["tags"]),
            )
        except aws_error("RepositoryAlreadyExistsException") as exc:
            # A retried create whose first attempt landed: ours if it carries our tag.
            self._converge_existing(client, change, exc)

    def _converge_existing(self, client: Any, change: Change, exc: BaseException) -> None:
        after = change.after or {}
        described = client.describe_repositories(repositoryNames=[change.name])["repositories"][0]
        found = client.list_tags_for_resource(resourceArn=described["repositoryArn"])
        tags = claim_if_ours(tags_to_dict(found.get("tags")), after["tags"], exc)
        before = {
            "tag_mutability": described.get("imageTagMutability"),
            **_read_exclusions(described),
            "scan_on_push": described.get("imageScanningConfiguration", {}).get("scanOnPush"),
            "tags": tags,
        }
        self._update(client, change, before)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        self._update(ctx.client("ecr", change.region), change, change.before or {})

    def _update(self, client: Any, change: Change, before: dict[str, Any]) -> None:
        after = change.after or {}
        arn = _arn(client, change)
        # One call sets the mutability and its exclusions together: each value needs the other.
        if any(before.get(key) != after.get(key)
               for key in ("tag_mutability", "tag_mutability_exclusions")):
            client.put_image_tag_mutability(
                repositoryName=change.name, imageTagMutability=after["tag_mutability"],
                **exclusion_filters(after),
            )
        if before.get("scan_on_push") != after["scan_on_push"]:
            client.put_image_scanning_configuration(
                repositoryName=change.name,
                imageScanningConfiguration={"scanOnPush": after["scan_on_push"]},
            )
        sync_tags(before.get("tags"), after["tags"],
                  tag=lambda tags: client.tag_resource(resourceArn=arn, tags=dict_to_tags(tags)),
                  untag=lambda keys: client.untag_resource(resourceArn=arn, tagKeys=keys))

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            # Without the flag, force=False lets ECR itself refuse a repository that gained
            # images after the plan was made.
            ctx.client("ecr", change.region).delete_repository(
                repositoryName=change.name, force=options.force_delete_images
            )
        except aws_error("RepositoryNotFoundException"):
            pass  # gone already: done

    def forget_cached(self, ctx: AwsContext, change: Change) -> None:
        forget_repositories(ctx, change.region)


def _arn(client: Any, change: Change) -> str:
    if change.facts.get("arn"):
        return change.facts["arn"]
    described = client.describe_repositories(repositoryNames=[change.name])
    return described["repositories"][0]["repositoryArn"]


def _is_alias(kms_key: str | None) -> bool:
    return kms_keys.is_alias(kms_key)


def _alias_facts(kms_key: str | None) -> dict[str, str]:
    """An alias is not compared (see encryption_attrs) but CreateRepository still needs it."""
    return {"kms_key_alias": kms_key} if kms_key and _is_alias(kms_key) else {}


KIND = EcrRepositoryKind()
