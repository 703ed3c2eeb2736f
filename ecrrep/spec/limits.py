"""AWS size limits on what ecrrep derives from a spec, checked on plain data before any change:
an apply must not fail half way on a name or a document AWS refuses.

- CloudWatch alarm names: at most 255 characters (PutMetricAlarm's AlarmName in botocore's
  CloudWatch model).
- Role trust policies: at most 2,048 characters, whitespace not counted (IAM's default quota
  "Role trust policy length"; it can be raised to 4,096 on request:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ecrrep.spec import documents, naming
from ecrrep.spec.rules import Loc, Problem, project_problem, repository_name_problem, shown

ALARM_NAME_LIMIT = 255
TRUST_POLICY_LIMIT = 2_048

# The services each role trusts, as resources/roles.py builds the roles; a unit test keeps the
# two the same.
TRUSTED_SERVICES: dict[str, tuple[str, ...]] = {
    "production_principals": ("ec2", "ecs-tasks", "lambda"),
    "ci_principals": ("codebuild", "codepipeline"),
}
_ROLE_NAMES: dict[str, Callable[[str], str]] = {
    "production_principals": naming.production_role_name,
    "ci_principals": naming.ci_role_name,
}
_REPOSITORY_ALARMS: tuple[Callable[[str, str], str], ...] = (
    naming.pull_count_alarm_name,
    naming.repository_size_alarm_name,
)


def trust_policy_size(services: tuple[str, ...], principals: list[str]) -> int:
    """The characters IAM counts in a role's trust policy: its JSON without whitespace."""
    return len(documents.compact_json(
        documents.trust_policy_document(list(services), principals)))


def limit_problems(data: Mapping[str, Any], repositories: list[tuple[int, Mapping[str, Any]]]
                   ) -> list[Problem]:
    project = data.get("project")
    if not isinstance(project, str) or project_problem(project) is not None:
        return []
    return [*_alarm_name_problems(data, project, repositories),
            *_trust_policy_problems(data, project)]


def _alarm_name_problems(data: Mapping[str, Any], project: str,
                         repositories: list[tuple[int, Mapping[str, Any]]]) -> list[Problem]:
    monitoring = data.get("monitoring")
    if isinstance(monitoring, Mapping) and monitoring.get("enabled") is False:
        return []
    problems = []
    for index, repository in repositories:
        name = repository.get("name")
        if not isinstance(name, str) or repository_name_problem(name) is not None:
            continue
        alarm = max((derive(project, name) for derive in _REPOSITORY_ALARMS), key=len)
        if len(alarm) > ALARM_NAME_LIMIT:
            problems.append(Problem(("repositories", index, "name"), (
                f"too long for its alarms: the CloudWatch alarm name {shown(alarm)} would be "
                f"{len(alarm)} characters; CloudWatch takes at most {ALARM_NAME_LIMIT}")))
    return problems


def _trust_policy_problems(data: Mapping[str, Any], project: str) -> list[Problem]:
    iam = data.get("iam")
    if not isinstance(iam, Mapping) or iam.get("create_roles", True) is not True:
        return []
    problems = []
    for key, services in TRUSTED_SERVICES.items():
        principals = iam.get(key)
        if not isinstance(principals, list) or not principals:
            continue
        size = trust_policy_size(services, [p for p in principals if isinstance(p, str)])
        if size > TRUST_POLICY_LIMIT:
            loc: Loc = ("iam", key)
            problems.append(Problem(loc, (
                f"the trust policy of the role {_ROLE_NAMES[key](project)} would be {size} "
                f"characters with these {len(principals)} principals; IAM takes at most "
                f"{TRUST_POLICY_LIMIT} (its default quota): list fewer roles")))
    return problems
