"""The IAM actions ecrrep calls, declared per resource kind (each kind's `iam`, in its own
module, in the vocabulary of `ecrrep.aws.actions`) and per command, and the least-privilege
policy built from them (`ecrrep permissions`, the README's list).

Resources are scoped to what the spec names wherever the action allows it. Where an action has
no resource type in the Service Authorization Reference, the policy must say "*" ("If there is
no value for this column, you must specify all resources ("*")"):
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
and per service under the same address: list_amazonelasticcontainerregistry.html,
list_awsidentityandaccessmanagementiam.html, list_amazonsns.html, list_amazoncloudwatch.html,
list_amazoneventbridge.html, list_awslambda.html, list_amazonresourcegrouptaggingapi.html,
list_awssecuritytokenservice.html, list_awssystemsmanager.html.

The end-to-end suite records every action ecrrep calls and fails on one not declared here
(tests/support/action_recorder.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecrrep.aws.actions import BACKFILL_READ, BACKFILL_START, Grant, KindActions, grants

if TYPE_CHECKING:
    from ecrrep.spec.models import Spec

SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/"
ALL_REGIONS, SOURCE_REGION, NO_REGION = "all", "source", "none"
# A scope whose resources are the role_arn of the spec's destinations in other accounts.
DESTINATION_ROLES = "destination_roles"
# A scope granted in the destination accounts only (to their profile or role).
OTHER_ACCOUNTS = "other_accounts"


@dataclass(frozen=True)
class Scope:
    """Where a group of actions applies: an ARN pattern ({region}, {account}, {prefix},
    {project}), the regions it is repeated in, and a condition that narrows it further."""

    sid: str
    arn: str
    regions: str = NO_REGION
    condition: dict[str, Any] | None = None


SCOPES: dict[str, Scope] = {
    "repository": Scope("Repositories", "arn:aws:ecr:{region}:{account}:repository/{prefix}/*",
                        ALL_REGIONS),
    # DescribeRepositories without names is authorised against every repository of the region
    # (it lists them: names and settings, no images), so it cannot be narrowed to the prefix.
    "repository_listing": Scope("RepositoryListing",
                                "arn:aws:ecr:{region}:{account}:repository/*", ALL_REGIONS),
    # The first PutReplicationConfiguration of a registry creates this role
    # (https://docs.aws.amazon.com/AmazonECR/latest/userguide/slr-replication.html).
    "replication_role": Scope(
        "ReplicationServiceLinkedRole",
        "arn:aws:iam::{account}:role/aws-service-role/replication.ecr.amazonaws.com/"
        "AWSServiceRoleForECRReplication",
        condition={"StringEquals": {"iam:AWSServiceName": "replication.ecr.amazonaws.com"}}),
    "role": Scope("Roles", "arn:aws:iam::{account}:role/{project}-*"),
    "pass_role": Scope("PassRolesToLambdaAndEventBridge", "arn:aws:iam::{account}:role/{project}-*",
                       condition={"StringEquals": {"iam:PassedToService": [
                           "events.amazonaws.com", "lambda.amazonaws.com"]}}),
    "topic": Scope("Topic", "arn:aws:sns:{region}:{account}:{project}-alerts", SOURCE_REGION),
    "alarm": Scope("Alarms", "arn:aws:cloudwatch:{region}:{account}:alarm:{project}-*",
                   ALL_REGIONS),
    "dashboard": Scope("Dashboard", "arn:aws:cloudwatch::{account}:dashboard/{project}-ecr"),
    "function": Scope("Function",
                      "arn:aws:lambda:{region}:{account}:function:{project}-ecr-cleanup",
                      SOURCE_REGION),
    "rule": Scope("Rules", "arn:aws:events:{region}:{account}:rule/{project}-*", ALL_REGIONS),
    # Ownership claims (ecrrep.engine.claims): SSM parameters /ecrrep/<project>/... in the source
    # region. GetParametersByPath is authorised against the path it is given, not against the
    # parameters it returns, and the claims are read from /ecrrep (every project's, to refuse
    # overlapping prefixes):
    # https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-retrieval-authorization.html
    "claims": Scope("OwnershipClaims",
                    "arn:aws:ssm:{region}:{account}:parameter/ecrrep/{project}/*",
                    SOURCE_REGION),
    # `--adopt-from P` deletes P's claim on our prefix (a transfer): any project's claim on
    # this spec's prefix, and nothing else of theirs.
    "prefix_claims": Scope("OwnershipClaimsOnThisPrefix",
                           "arn:aws:ssm:{region}:{account}:parameter/ecrrep/*/prefix/{prefix}",
                           SOURCE_REGION),
    "claims_root": Scope("OwnershipClaimsOfEveryProject",
                         "arn:aws:ssm:{region}:{account}:parameter/ecrrep", SOURCE_REGION),
    "metrics": Scope("Metrics", "*",
                     condition={"StringEquals": {"cloudwatch:namespace": "ECRRep"}}),
    # Actions with no resource type: ecr:DescribeRegistry, ecr:PutReplicationConfiguration and
    # ecr:Get/PutRegistryScanningConfiguration and the repository creation template actions
    # (the registry is not a resource type),
    # tag:GetResources, sts:GetCallerIdentity, and
    # sns:Unsubscribe (a subscription is not a resource type of SNS).
    "none": Scope("NoResourceLevelPermissions", "*"),
    # The roles ecrrep assumes to act in the accounts of `destinations` (ecrrep.aws.accounts);
    # no statement when no destination names a role_arn.
    "destination_role": Scope("AssumeDestinationRoles", "{role_arn}", DESTINATION_ROLES),
    # The registry policy of a destination in another account is written by that account's
    # profile or role, never by this account's identity: not in this account's policy.
    "destination_registry": Scope("DestinationRegistries", "* (in destinations[].account_id)",
                                  OTHER_ACCOUNTS),
}


def kind_actions() -> dict[str, KindActions]:
    """What each resource kind declares it calls (its `iam`), by the kind's `type`, in the
    registry's order."""
    from ecrrep.resources import all_kinds

    return {kind.type: kind.iam for kind in all_kinds()}


ACCOUNT = (grants("none", "sts:GetCallerIdentity"),
           grants("destination_role", "sts:AssumeRole"))
# A command that reads (writes, deletes) every kind.
ALL_KINDS = ("*",)


@dataclass(frozen=True)
class CommandActions:
    """What a command calls: the reads of some kinds, their writes and deletes, and more."""

    reads: tuple[str, ...] = ALL_KINDS
    writes: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    extra: tuple[Grant, ...] = field(default=())


COMMAND_ACTIONS: dict[str, CommandActions] = {
    "plan": CommandActions(),
    # apply also deletes what the spec no longer names.
    "apply": CommandActions(writes=ALL_KINDS, deletes=ALL_KINDS,
                            extra=(*BACKFILL_START, *BACKFILL_READ)),
    "destroy": CommandActions(deletes=ALL_KINDS),
    "validate-replication": CommandActions(
        reads=("ecr_repository", "ecr_lifecycle_policy", "ecr_repository_policy"),
        extra=(grants("repository", "ecr:DescribeImageReplicationStatus"),
               grants("metrics", "cloudwatch:PutMetricData"), *BACKFILL_READ)),
    "backfill": CommandActions(reads=("ecr_replication_rule",),
                               extra=(*BACKFILL_START, *BACKFILL_READ)),
    "cleanup": CommandActions(
        reads=("ecr_repository",),
        # BatchGetImage: the manifests, so an index's children and referrers stay with it.
        extra=(grants("repository", "ecr:BatchGetImage", "ecr:BatchDeleteImage"),
               grants("metrics", "cloudwatch:PutMetricData"))),
    # import reads what plan reads; it also downloads the function's package from the URL
    # GetFunction answers with, which needs no further permission.
    "import": CommandActions(),
    "output": CommandActions(
        reads=("ecr_repository", "iam_role", "sns_topic", "sns_subscription",
               "cloudwatch_alarm", "cloudwatch_dashboard", "lambda_function")),
}
COMMANDS = tuple(COMMAND_ACTIONS)


def command_grants(command: str) -> list[Grant]:
    """Every grant a command needs (KeyError for a command not declared)."""
    needs = COMMAND_ACTIONS[command]
    declared = kind_actions()

    def of(kinds: tuple[str, ...]) -> list[KindActions]:
        return list(declared.values()) if kinds == ALL_KINDS else [declared[k] for k in kinds]

    found: list[Grant] = list(ACCOUNT)
    for actions in of(needs.reads):
        found.extend(actions.read)
    for actions in of(needs.writes):
        found.extend(actions.write)
    for actions in of(needs.deletes):
        found.extend(actions.delete)
    found.extend(needs.extra)
    return found


def actions_by_scope(commands: tuple[str, ...] | list[str]) -> dict[str, list[str]]:
    """The sorted, distinct actions of the commands, per scope, in SCOPES' order."""
    wanted: dict[str, set[str]] = {}
    for command in commands:
        for grant in command_grants(command):
            wanted.setdefault(grant.scope, set()).update(grant.actions)
    return {scope: sorted(wanted[scope]) for scope in SCOPES if scope in wanted}


def declared_actions() -> set[str]:
    """Every action any command declares, e.g. `ecr:CreateRepository`."""
    return {a for actions in actions_by_scope(COMMANDS).values() for a in actions}


# -- the policy for one spec -----------------------------------------------------------------


def scope_resources(scope: Scope, spec: Spec, account: str) -> list[str]:
    if scope.regions == OTHER_ACCOUNTS:
        return []
    if scope.regions == DESTINATION_ROLES:
        return sorted({d.role_arn for d in spec.destinations if d.role_arn})
    if scope.regions == ALL_REGIONS:
        regions = list(spec.regions)
    elif scope.regions == SOURCE_REGION:
        regions = [spec.source_region]
    else:
        regions = [""]
    return [scope.arn.format(region=region, account=account, prefix=spec.repository_prefix,
                             project=spec.project) for region in regions]


def policy_document(spec: Spec, commands: list[str], account: str = "*") -> dict[str, Any]:
    """The IAM policy (identity-based) that allows exactly what the commands call."""
    statements = []
    for scope_name, actions in actions_by_scope(commands).items():
        scope = SCOPES[scope_name]
        resources = scope_resources(scope, spec, account)
        if not resources:
            continue
        statement: dict[str, Any] = {
            "Sid": scope.sid, "Effect": "Allow", "Action": actions,
            "Resource": resources[0] if len(resources) == 1 else resources,
        }
        if scope.condition:
            statement["Condition"] = scope.condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def policy_listing(document: dict[str, Any]) -> str:
    """The policy as text: each statement's resources, then its actions."""
    lines: list[str] = []
    for statement in document["Statement"]:
        resources = statement["Resource"]
        lines.append(f"{statement['Sid']}:")
        for resource in [resources] if isinstance(resources, str) else resources:
            lines.append(f"  on {resource}")
        if "Condition" in statement:
            lines.append(f"  when {json.dumps(statement['Condition'], sort_keys=True)}")
        lines.extend(f"    {action}" for action in statement["Action"])
    return "\n".join(lines)


# -- the README's list -----------------------------------------------------------------------

README_BEGIN = ("<!-- permissions:begin "
                "(generated by `python -m ecrrep.aws.permissions README.md`) -->")
README_END = "<!-- permissions:end -->"
_SYMBOLS = {"region": "<region>", "account": "<account>", "prefix": "<repository_prefix>",
            "project": "<project>", "role_arn": "<destinations[].role_arn>"}


def readme_block() -> str:
    """Every declared action, the resource it is scoped to, and the commands that call it."""
    rows: dict[tuple[str, str], set[str]] = {}
    for command in COMMANDS:
        for grant in command_grants(command):
            for action in grant.actions:
                rows.setdefault((grant.scope, action), set()).add(command)
    order = list(SCOPES)
    lines = [README_BEGIN, "", "| action | resource | commands |", "|---|---|---|"]
    for (scope_name, action), commands in sorted(
            rows.items(), key=lambda item: (item[0][1].split(":")[0], item[0][1],
                                            order.index(item[0][0]))):
        scope = SCOPES[scope_name]
        region = "<source_region>" if scope.regions == SOURCE_REGION else "<region>"
        resource = f"`{scope.arn.format(**{**_SYMBOLS, 'region': region})}`"
        if scope.condition:
            resource += f" when `{json.dumps(scope.condition, sort_keys=True)}`"
        shown = "all" if len(commands) == len(COMMANDS) else " ".join(
            c for c in COMMANDS if c in commands)
        lines.append(f"| `{action}` | {resource} | {shown} |")
    lines += ["", "`<region>` stands for each region of the spec (the source and every "
              "destination), `<account>` for the account id.", "", README_END]
    return "\n".join(lines)


def with_readme_block(readme: str) -> str:
    """The README text with its generated block replaced by the current one."""
    start, end = readme.index(README_BEGIN), readme.index(README_END) + len(README_END)
    return readme[:start] + readme_block() + readme[end:]


def main(argv: list[str]) -> None:
    from pathlib import Path

    path = Path(argv[0] if argv else "README.md")
    path.write_text(with_readme_block(path.read_text()))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
