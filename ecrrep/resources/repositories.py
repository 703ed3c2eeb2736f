"""ECR repositories in the source region and, with the same settings, in every destination.

ECR's replication copies images, never settings: ecrrep creates the replicas itself so they
carry the source's mutability, scanning, encryption and tags from the start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, error_code
from ecrrep.engine import claims
from ecrrep.engine.diff import DiffOptions, DiffRules, tag_changes
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.resources.ecr_listing import (
    count_images,
    dict_to_tags,
    forget_repositories,
    repositories_we_may_own,
    tags_to_dict,
)
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


def desired_tags(spec: Spec) -> dict[str, str]:
    return naming.ownership_tags(spec.project, {"Environment": spec.environment, **spec.tags})


class Repositories(ResourceKind):
    type = "ecr_repository"
    title = "ECR repositories"
    rules = DiffRules(
        immutable_fields=frozenset({"encryption", "kms_key"}),
        delete_blocker=_images_blocker,
    )

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        tags = desired_tags(spec)
        return [
            Resource(
                self.type,
                region,
                naming.repository_name(spec.repository_prefix, repo.name),
                {
                    "tag_mutability": repo.tag_mutability,
                    "scan_on_push": repo.scan_on_push,
                    **encryption_attrs(repo, region),
                    "tags": tags,
                },
                facts=_alias_facts(repo.kms_key_for(region)),
            )
            for region in spec.regions
            for repo in spec.repositories
        ]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        """The spec's repositories as they are (whoever owns them), and every other one we
        own: under a renamed prefix, in a dropped region, or found by our tag."""
        wanted = {naming.repository_name(spec.repository_prefix, r.name): r
                  for r in spec.repositories}
        found: list[Resource] = []
        for region in claims.managed_regions(ctx, spec):
            in_spec = region in spec.regions
            for record in repositories_we_may_own(ctx, spec, region).values():
                owned = record.owned_by(spec.project)
                repo = wanted.get(record.name) if in_spec else None
                if repo is None and not owned:
                    continue  # someone else's repository under our prefix: not ours to show
                found.append(self._resource(record, repo, owned))
        return found

    def read_deletion_facts(self, ctx: AwsContext, doomed: list[Resource]) -> None:
        # Counted only for repositories the plan deletes (destroy, or dropped from the spec).
        counted = ctx.map(lambda r: count_images(ctx, r.region, r.name), doomed)
        for resource, images in zip(doomed, counted, strict=True):
            resource.facts["image_count"] = images

    def _resource(self, record: Any, repo: RepositorySpec | None, owned: bool) -> Resource:
        d = record.description
        encryption = d.get("encryptionConfiguration", {"encryptionType": "AES256"})
        attrs: dict[str, Any] = {
            "tag_mutability": d.get("imageTagMutability", "MUTABLE"),
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

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("ecr", change.region)
        label = f"{change.name} ({change.region})"
        with aws_action(label):
            if change.action == "create":
                self._create(ctx, client, change)
            elif change.action == "update":
                self._update(client, change, change.before or {})
            elif change.action == "delete":
                self._delete(client, change, options)
        forget_repositories(ctx, change.region)

    def _create(self, ctx: AwsContext, client: Any, change: Change) -> None:
        after = change.after or {}
        encryption = {"encryptionType": after["encryption"]}
        kms_key = after.get("kms_key") or change.facts.get("kms_key_alias")
        if after["encryption"] == "KMS" and kms_key:
            encryption["kmsKey"] = kms_key
        try:
            client.create_repository(
                repositoryName=change.name,
                imageTagMutability=after["tag_mutability"],
                imageScanningConfiguration={"scanOnPush": after["scan_on_push"]},
                encryptionConfiguration=encryption,
                tags=dict_to_tags(after["tags"]),
            )
        except Exception as exc:
            if error_code(exc) != "RepositoryAlreadyExistsException":
                raise
            # A retried create whose first attempt landed: ours if it carries our tag.
            self._converge_existing(client, change, exc)

    def _converge_existing(self, client: Any, change: Change, exc: Exception) -> None:
        after = change.after or {}
        described = client.describe_repositories(repositoryNames=[change.name])["repositories"][0]
        tags = tags_to_dict(
            client.list_tags_for_resource(resourceArn=described["repositoryArn"]).get("tags")
        )
        if tags.get(naming.OWNERSHIP_TAG) != after["tags"].get(naming.OWNERSHIP_TAG):
            raise exc
        before = {
            "tag_mutability": described.get("imageTagMutability"),
            "scan_on_push": described.get("imageScanningConfiguration", {}).get("scanOnPush"),
            "tags": tags,
        }
        self._update(client, change, before)

    def _update(self, client: Any, change: Change, before: dict[str, Any]) -> None:
        after = change.after or {}
        arn = _arn(client, change)
        if before.get("tag_mutability") != after["tag_mutability"]:
            client.put_image_tag_mutability(
                repositoryName=change.name, imageTagMutability=after["tag_mutability"]
            )
        if before.get("scan_on_push") != after["scan_on_push"]:
            client.put_image_scanning_configuration(
                repositoryName=change.name,
                imageScanningConfiguration={"scanOnPush": after["scan_on_push"]},
            )
        to_set, to_remove = tag_changes(before.get("tags") or {}, after["tags"])
        if to_set:
            client.tag_resource(resourceArn=arn, tags=dict_to_tags(to_set))
        if to_remove:
            client.untag_resource(resourceArn=arn, tagKeys=to_remove)

    def _delete(self, client: Any, change: Change, options: ApplyOptions) -> None:
        try:
            # Without the flag, force=False lets ECR itself refuse a repository that gained
            # images after the plan was made.
            client.delete_repository(
                repositoryName=change.name, force=options.force_delete_images
            )
        except Exception as exc:
            if error_code(exc) != "RepositoryNotFoundException":
                raise


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


KIND = Repositories()
