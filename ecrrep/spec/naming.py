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


def topic_name(project: str) -> str:
    return f"{project}-alerts"


def dashboard_name(project: str) -> str:
    return f"{project}-ecr"


def replication_failure_alarm_name(project: str) -> str:
    return f"{project}-replication-failure-rate"


def replication_latency_alarm_name(project: str) -> str:
    return f"{project}-replication-latency"


def cleanup_function_name(project: str) -> str:
    return f"{project}-ecr-cleanup"


def cleanup_schedule_rule_name(project: str) -> str:
    return f"{project}-ecr-cleanup-schedule"


def cleanup_log_group_arn(region: str, account_id: str, project: str) -> str:
    function = cleanup_function_name(project)
    return f"arn:{PARTITION}:logs:{region}:{account_id}:log-group:/aws/lambda/{function}:*"


def topic_arn(region: str, account_id: str, project: str) -> str:
    return f"arn:{PARTITION}:sns:{region}:{account_id}:{topic_name(project)}"


def pull_count_alarm_name(project: str, repository: str) -> str:
    """Per repository; `repository` is the spec's name, without the prefix."""
    return f"{project}-{repository}-pull-count"


def repository_size_alarm_name(project: str, repository: str) -> str:
    return f"{project}-{repository}-size"


def alarm_arn(region: str, account_id: str, alarm: str) -> str:
    return f"arn:{PARTITION}:cloudwatch:{region}:{account_id}:alarm:{alarm}"


def project_alarms_arn_pattern(region: str, account_id: str, project: str) -> str:
    """Every alarm this project names, for the alert topic's policy."""
    return alarm_arn(region, account_id, f"{project}-*")


def function_arn(region: str, account_id: str, function: str) -> str:
    return f"arn:{PARTITION}:lambda:{region}:{account_id}:function:{function}"


def rule_arn(region: str, account_id: str, rule: str) -> str:
    """An EventBridge rule on the default event bus."""
    return f"arn:{PARTITION}:events:{region}:{account_id}:rule/{rule}"


def default_event_bus_arn(region: str, account_id: str) -> str:
    return f"arn:{PARTITION}:events:{region}:{account_id}:event-bus/default"


def cleanup_invoke_statement_id(project: str) -> str:
    """The statement in the function's resource policy that lets the schedule invoke it."""
    return f"{project}-ecr-cleanup-schedule"


def replication_failure_rule_name(project: str) -> str:
    """The EventBridge rule, in every region concerned, for ECR's failed replication events."""
    return f"{project}-ecr-replication-failed"


def events_role_name(project: str) -> str:
    """Lets the destination regions' rules forward events to the source region's bus."""
    return f"{project}-ecr-events"


def ownership_tags(project: str, extra: dict[str, str]) -> dict[str, str]:
    """The tags every taggable resource carries: the spec's tags plus the ownership tag."""
    return {**extra, OWNERSHIP_TAG: project}


# -- ownership claims ------------------------------------------------------------------------
# What cannot carry our tag (the replication rule, the dashboard) and what the spec may stop
# naming (a prefix, a region) is recorded as claims: SSM parameters under /ecrrep/<project>/,
# each tagged with the ownership tag, in the source region. See `ecrrep.engine.claims`.

CLAIMS_ROOT = "/ecrrep"
CLAIM_KINDS = ("prefix", "dashboard", "region", "scanning", "destination")


def claims_path(project: str) -> str:
    return f"{CLAIMS_ROOT}/{project}"


def claim_parameter_name(project: str, kind: str, value: str) -> str:
    """`/ecrrep/<project>/<kind>/<value>`; a prefix keeps its slashes (one level each)."""
    return f"{claims_path(project)}/{kind}/{value}"


def parse_claim_parameter_name(name: str) -> tuple[str, str, str] | None:
    """(project, kind, value) of a claim parameter's name, or None for any other name."""
    parts = name.split("/", 4)
    if len(parts) != 5 or parts[0] != "" or f"/{parts[1]}" != CLAIMS_ROOT:
        return None
    _, _, project, kind, value = parts
    if kind not in CLAIM_KINDS or not project or not value:
        return None
    return project, kind, value
