"""`ecrrep output`: the values the Terraform recipe's `terraform output` gave, under the same names,
read from the live account so its scripts keep working.

`outputs_from` is pure: the spec and the resources the kinds read give the values. An output
whose resource does not exist (or is not ours) has no value, as in Terraform before the first
apply. Names follow the recipe: `<repo>_repository_name` and `<repo>_repository_uri` (source
region) per repository, `replica_repository_uris` (destination region → repository → URI),
`ecr_production_role_arn`, `ecr_ci_role_arn`, `lambda_cleanup_role_arn`, `sns_topic_arn`,
`cloudwatch_dashboard_name`, `replication_failure_alarm_name`, `lambda_cleanup_function_name`,
`replication_validation_commands`; plus `sns_subscription_status`, so a script (or a person) can
see whether the alert email was confirmed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ecrrep.engine.plan import Resource
from ecrrep.resources.base import GLOBAL_REGION
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

REPLICA_URIS = "replica_repository_uris"
PRODUCTION_ROLE = "ecr_production_role_arn"
CI_ROLE = "ecr_ci_role_arn"
CLEANUP_ROLE = "lambda_cleanup_role_arn"
TOPIC = "sns_topic_arn"
SUBSCRIPTION_STATUS = "sns_subscription_status"
DASHBOARD = "cloudwatch_dashboard_name"
FAILURE_ALARM = "replication_failure_alarm_name"
FUNCTION = "lambda_cleanup_function_name"
VALIDATION_COMMANDS = "replication_validation_commands"


def repository_name_output(repository: str) -> str:
    return f"{repository}_repository_name"


def repository_uri_output(repository: str) -> str:
    return f"{repository}_repository_uri"


def output_names(spec: Spec) -> list[str]:
    """Every output this spec can have, sorted as Terraform lists them."""
    names = [REPLICA_URIS, PRODUCTION_ROLE, CI_ROLE, CLEANUP_ROLE, TOPIC, SUBSCRIPTION_STATUS,
             DASHBOARD, FAILURE_ALARM, FUNCTION, VALIDATION_COMMANDS]
    for repo in spec.repositories:
        names += [repository_name_output(repo.name), repository_uri_output(repo.name)]
    return sorted(names)


def validation_commands(spec: Spec) -> str:
    """Shell commands that show the replication at work, as the recipe's output had them."""
    lines = [
        "# The source registry's replication rules",
        f"aws ecr describe-registry --region {spec.source_region} "
        "--query replicationConfiguration",
    ]
    for region in spec.destination_regions:
        # Only the repositories that replicate there (replicate_to): the others have no replica.
        here = [naming.repository_name(spec.repository_prefix, r.name) for r in spec.repositories
                if region in spec.destinations_for(r.name)]
        if not here:
            continue
        lines += [
            f"# The repositories and their images in {region}",
            f"aws ecr describe-repositories --region {region} --repository-names {' '.join(here)}",
        ]
        lines += [f"aws ecr describe-images --region {region} --repository-name {name}"
                  for name in here]
    lines += ["# Every source image in every destination region (exit 2 on gaps)",
              "ecrrep validate-replication"]
    return "\n".join(lines)


def outputs_from(spec: Spec, current: list[Resource]) -> dict[str, Any]:
    """The outputs that have a value, from what the kinds read (only what we own counts)."""
    from ecrrep.resources.alarms import CloudwatchAlarmKind
    from ecrrep.resources.cleanup_function import LambdaFunctionKind
    from ecrrep.resources.dashboard import CloudwatchDashboardKind
    from ecrrep.resources.repositories import EcrRepositoryKind
    from ecrrep.resources.subscription import SnsSubscriptionKind
    from ecrrep.resources.topic import SnsTopicKind

    # The outputs are this account's: a replica in another account is none of them.
    ours: dict[tuple[str, str, str], Resource] = {
        (r.type, r.region, r.name): r for r in current if r.owned and not r.account
    }

    def find(type_: str, name: str, region: str | None = None) -> Resource | None:
        return ours.get((type_, region or spec.source_region, name))

    values: dict[str, Any] = {VALIDATION_COMMANDS: validation_commands(spec)}
    values.update(_repository_outputs(spec, find, EcrRepositoryKind.type))
    values.update(_role_outputs(spec, find))
    topic = find(SnsTopicKind.type, naming.topic_name(spec.project))
    if topic is not None:
        values[TOPIC] = topic.facts.get("arn")
    email = spec.notifications.email
    subscription = find(SnsSubscriptionKind.type, email) if email else None
    if subscription is not None:
        values[SUBSCRIPTION_STATUS] = subscription.facts.get("status")
    for output, type_, name in (
        (DASHBOARD, CloudwatchDashboardKind.type, naming.dashboard_name(spec.project)),
        (FAILURE_ALARM, CloudwatchAlarmKind.type,
         naming.replication_failure_alarm_name(spec.project)),
        (FUNCTION, LambdaFunctionKind.type, naming.cleanup_function_name(spec.project)),
    ):
        if find(type_, name) is not None:
            values[output] = name
    return dict(sorted(values.items()))


def _repository_outputs(spec: Spec, find: Any, repository_type: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for repo in spec.repositories:
        full = naming.repository_name(spec.repository_prefix, repo.name)
        source = find(repository_type, full)
        if source is not None:
            values[repository_name_output(repo.name)] = full
            values[repository_uri_output(repo.name)] = source.facts.get("uri")
    replicas: dict[str, dict[str, str]] = {}
    for region in spec.destination_regions:
        for repo in spec.repositories:
            full = naming.repository_name(spec.repository_prefix, repo.name)
            replica = find(repository_type, full, region)
            if replica is not None:
                replicas.setdefault(region, {})[repo.name] = replica.facts.get("uri")
    if replicas:
        values[REPLICA_URIS] = replicas
    return values


def _role_outputs(spec: Spec, find: Any) -> dict[str, str]:
    from ecrrep.resources.roles import IamRoleKind

    values: dict[str, str] = {}
    for output, role in ((PRODUCTION_ROLE, naming.production_role_name(spec.project)),
                         (CI_ROLE, naming.ci_role_name(spec.project)),
                         (CLEANUP_ROLE, naming.cleanup_role_name(spec.project))):
        found = find(IamRoleKind.type, role, GLOBAL_REGION)
        if found is not None:
            values[output] = found.facts.get("arn")
    # With create_roles: false the repository policies name the spec's own roles.
    if spec.iam.production_role_arn and PRODUCTION_ROLE not in values:
        values[PRODUCTION_ROLE] = spec.iam.production_role_arn
    if spec.iam.ci_role_arn and CI_ROLE not in values:
        values[CI_ROLE] = spec.iam.ci_role_arn
    return values


def read_outputs(ctx: AwsContext, spec: Spec) -> dict[str, Any]:
    """The outputs, from the resources the kinds that hold them read."""
    from ecrrep.resources import (
        alarms,
        cleanup_function,
        dashboard,
        repositories,
        roles,
        subscription,
        topic,
    )

    kinds = [repositories.KIND, roles.KIND, topic.KIND, subscription.KIND, alarms.KIND,
             dashboard.KIND, cleanup_function.KIND]
    current = [r for found in ctx.map(lambda kind: kind.read(ctx, spec), kinds) for r in found]
    return outputs_from(spec, current)


def format_value(value: Any) -> str:
    """A value as `ecrrep output` lists it: like Terraform's HCL-ish rendering."""
    if isinstance(value, str):
        if "\n" in value:
            return f"<<EOT\n{value}\nEOT"
        return json.dumps(value)
    return json.dumps(value, indent=2, sort_keys=True)


def raw_value(value: Any) -> str:
    """A value as `ecrrep output NAME` prints it: a string as is (`terraform output -raw`),
    anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
