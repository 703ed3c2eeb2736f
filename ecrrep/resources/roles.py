"""The IAM roles for production pulls, CI pushes, the cleanup function and event forwarding.

Each role carries one inline policy named after it; repository policies name the roles, so
roles come first in the dependency order.

`iam.create_roles` governs the production and CI roles only (as the Terraform recipe's flag
did): with it off, the spec names existing roles for those. The tool's own roles, cleanup and
events, are created whenever something uses them (the cleanup function, the event rules that
forward to the source region's bus): they are ecrrep's implementation, scoped to its own
resources, and nothing outside ecrrep could name them correctly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ecrrep.aws import aws_action, aws_error, paginate
from ecrrep.aws.actions import KindActions, grants
from ecrrep.aws.tagging import (
    claim_if_ours,
    desired_tags,
    dict_to_tags,
    is_owned,
    sync_tags,
    tags_to_dict,
)
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import GLOBAL_REGION, ApplyOptions, ResourceKind, Target
from ecrrep.resources.cleanup_function import cleanup_role_policy
from ecrrep.resources.replication_events import forwarding_role_policy
from ecrrep.spec import documents, naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


@dataclass(frozen=True)
class RoleDesign:
    name: str
    description: str
    services: list[str]
    principals: list[str]
    policy: dict[str, Any]


def role_designs(spec: Spec, account_id: str) -> list[RoleDesign]:
    """The roles the spec asks for, with their trust and their one inline policy."""
    return access_role_designs(spec, account_id) + tool_role_designs(spec, account_id)


def access_role_designs(spec: Spec, account_id: str) -> list[RoleDesign]:
    """The production and CI roles, when the spec asks ecrrep to create them."""
    if not spec.iam.create_roles:
        return []
    names = [r.name for r in spec.repositories]
    prefix = spec.repository_prefix
    return [
        RoleDesign(
            naming.production_role_name(spec.project),
            "Pulls images from the replicated ECR repositories",
            ["ec2", "ecs-tasks", "lambda"],
            list(spec.iam.production_principals),
            documents.production_role_policy(account_id, spec.regions, prefix, names),
        ),
        RoleDesign(
            naming.ci_role_name(spec.project),
            "Pushes images to the source ECR repositories",
            ["codebuild", "codepipeline"],
            list(spec.iam.ci_principals),
            documents.ci_role_policy(account_id, spec.source_region, prefix),
        ),
    ]


def tool_role_designs(spec: Spec, account_id: str) -> list[RoleDesign]:
    """The roles ecrrep's own resources assume, whenever those resources exist."""
    designs = []
    if spec.cleanup.enabled:
        designs.append(RoleDesign(
            naming.cleanup_role_name(spec.project),
            "Runs the scheduled ECR image cleanup function",
            ["lambda"],
            [],
            cleanup_role_policy(spec, account_id),
        ))
    if spec.notifications.enabled:
        # The replication-failure rules in the destination regions forward to the source
        # region's event bus; EventBridge needs a role for a cross-region bus target.
        designs.append(RoleDesign(
            naming.events_role_name(spec.project),
            "Forwards failed ECR replication events to the source region's event bus",
            ["events"],
            [],
            forwarding_role_policy(account_id, spec.source_region),
        ))
    return designs


def managed_role_names(spec: Spec) -> list[str]:
    """Every role name this spec could own, whether or not it wants it now."""
    return [
        naming.production_role_name(spec.project),
        naming.ci_role_name(spec.project),
        naming.cleanup_role_name(spec.project),
        naming.events_role_name(spec.project),
    ]


class IamRoleKind(ResourceKind):
    type = "iam_role"
    title = "IAM roles"
    label_format = "role {name}"
    iam = KindActions(
        read=(grants("role", "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies",
                     "iam:ListAttachedRolePolicies"),),
        write=(grants("role", "iam:CreateRole", "iam:UpdateAssumeRolePolicy",
                      "iam:UpdateRoleDescription", "iam:TagRole", "iam:UntagRole",
                      "iam:PutRolePolicy", "iam:DeleteRolePolicy"),),
        delete=(grants("role", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
                       "iam:DeleteRole"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        tags = desired_tags(spec)
        return [
            Resource(self.type, GLOBAL_REGION, design.name, {
                "description": design.description,
                "trust_policy": documents.trust_policy_document(design.services,
                                                                design.principals),
                "policy": design.policy,
                "tags": tags,
            }, facts={"iam_region": spec.source_region})
            for design in role_designs(spec, target.account_id)
        ]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        client = ctx.client("iam", spec.source_region)
        found = ctx.map(lambda name: self._read_role(client, name, spec), managed_role_names(spec))
        return [r for r in found if r is not None]

    def _read_role(self, client: Any, name: str, spec: Spec) -> Resource | None:
        with aws_action(f"role {name}"):
            try:
                role = client.get_role(RoleName=name)["Role"]
            except aws_error("NoSuchEntity"):
                return None
            tags = tags_to_dict(role.get("Tags"))
            owned = is_owned(tags, spec.project)
            policy = self._read_policy(client, name)
        return Resource(self.type, GLOBAL_REGION, name, {
            "description": role.get("Description", ""),
            "trust_policy": documents.normalise_policy(_document(role["AssumeRolePolicyDocument"])),
            "policy": policy,
            "tags": tags,
        }, owned=owned, facts={"arn": role["Arn"], "iam_region": spec.source_region})

    def _read_policy(self, client: Any, role: str) -> Any:
        try:
            answer = client.get_role_policy(RoleName=role, PolicyName=naming.role_policy_name(role))
        except aws_error("NoSuchEntity"):
            return None
        return documents.normalise_policy(_document(answer["PolicyDocument"]))

    def _client(self, ctx: AwsContext, change: Change) -> Any:
        # IAM is global: any region's endpoint serves it; use the one the plan read from.
        return ctx.client("iam", change.facts["iam_region"])

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = self._client(ctx, change)
        after = change.after or {}
        try:
            client.create_role(
                RoleName=change.name,
                AssumeRolePolicyDocument=json.dumps(after["trust_policy"]),
                Description=after["description"],
                Tags=dict_to_tags(after["tags"]),
            )
            before: dict[str, Any] = {
                "trust_policy": after["trust_policy"], "description": after["description"],
                "tags": after["tags"],
            }
        except aws_error("EntityAlreadyExists") as exc:
            # A retried create whose first attempt landed: converge it if it is ours.
            role = client.get_role(RoleName=change.name)["Role"]
            tags = claim_if_ours(tags_to_dict(role.get("Tags")), after["tags"], exc)
            before = {"tags": tags, "description": role.get("Description", ""),
                      "trust_policy": documents.normalise_policy(
                          _document(role["AssumeRolePolicyDocument"]))}
        self._update(client, change, before)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        self._update(self._client(ctx, change), change, change.before or {})

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        self._delete(self._client(ctx, change), change.name)

    def _update(self, client: Any, change: Change, before: dict[str, Any]) -> None:
        after = change.after or {}
        if documents.documents_differ(before.get("trust_policy"), after["trust_policy"]):
            client.update_assume_role_policy(
                RoleName=change.name, PolicyDocument=json.dumps(after["trust_policy"])
            )
        if before.get("description") != after["description"]:
            client.update_role_description(
                RoleName=change.name, Description=after["description"]
            )
        if documents.documents_differ(before.get("policy"), after["policy"]):
            client.put_role_policy(
                RoleName=change.name,
                PolicyName=naming.role_policy_name(change.name),
                PolicyDocument=json.dumps(after["policy"]),
            )
        sync_tags(before.get("tags"), after["tags"],
                  tag=lambda tags: client.tag_role(RoleName=change.name, Tags=dict_to_tags(tags)),
                  untag=lambda keys: client.untag_role(RoleName=change.name, TagKeys=keys))

    def _delete(self, client: Any, name: str) -> None:
        """IAM refuses to delete a role with policies: remove them first.

        "Not found" is done for each step on its own: a retried policy deletion that finds
        the policy gone (the first attempt landed) must not skip deleting the role."""
        try:
            policies = paginate(client, "list_role_policies", "PolicyNames", RoleName=name)
            attached = paginate(client, "list_attached_role_policies", "AttachedPolicies",
                                RoleName=name)
        except aws_error("NoSuchEntity"):
            return
        steps = [lambda p=policy: client.delete_role_policy(RoleName=name, PolicyName=p)
                 for policy in policies]
        steps += [lambda p=policy: client.detach_role_policy(RoleName=name,
                                                              PolicyArn=p["PolicyArn"])
                  for policy in attached]
        steps.append(lambda: client.delete_role(RoleName=name))
        for step in steps:
            try:
                step()
            except aws_error("NoSuchEntity"):
                pass  # gone already: done


def _document(value: Any) -> Any:
    """IAM answers with URL-encoded text; boto3 usually hands it over already parsed."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


KIND = IamRoleKind()
