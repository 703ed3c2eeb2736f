"""Every name and ARN ecrrep derives from the spec, in one place."""

from __future__ import annotations

OWNERSHIP_TAG = "ecrrep:project"
PARTITION = "aws"


def repository_name(prefix: str, name: str) -> str:
    return f"{prefix}/{name}"


def repository_arn(region: str, account_id: str, repository: str) -> str:
    return f"arn:{PARTITION}:ecr:{region}:{account_id}:repository/{repository}"


def repository_uri(region: str, account_id: str, repository: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com/{repository}"


def production_role_name(project: str) -> str:
    return f"{project}-ecr-production"


def ci_role_name(project: str) -> str:
    return f"{project}-ecr-ci"


def cleanup_role_name(project: str) -> str:
    return f"{project}-ecr-cleanup"


def role_arn(account_id: str, role: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:role/{role}"


def account_root_arn(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def role_policy_name(role: str) -> str:
    """The one inline policy ecrrep keeps on each of its roles."""
    return f"{role}-policy"


def replication_rule_name(project: str) -> str:
    return project


def topic_name(project: str) -> str:
    return f"{project}-alerts"


def dashboard_name(project: str) -> str:
    return f"{project}-ecr"


def replication_failure_alarm_name(project: str) -> str:
    return f"{project}-replication-failure-rate"


def cleanup_function_name(project: str) -> str:
    return f"{project}-ecr-cleanup"


def cleanup_schedule_rule_name(project: str) -> str:
    return f"{project}-ecr-cleanup-schedule"


def cleanup_log_group_arn(region: str, account_id: str, project: str) -> str:
    function = cleanup_function_name(project)
    return f"arn:{PARTITION}:logs:{region}:{account_id}:log-group:/aws/lambda/{function}:*"


def ownership_tags(project: str, extra: dict[str, str]) -> dict[str, str]:
    """The tags every taggable resource carries: the spec's tags plus the ownership tag."""
    return {**extra, OWNERSHIP_TAG: project}
