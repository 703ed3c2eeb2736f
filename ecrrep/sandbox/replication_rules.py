"""AWS's limits on a registry's replication configuration, instead of moto's single rule.

moto refuses more than one rule ("This feature is disabled"); ECR takes up to 10 rules with
up to 25 unique destinations across all of them, and never the source registry itself:
https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-settings-configure.html
(botocore's model caps `rules` at 10 too, but botocore checks only minimums client-side).
"""

from __future__ import annotations

from typing import Any

MAX_RULES = 10
MAX_UNIQUE_DESTINATIONS = 25


def configuration_problem(config: dict[str, Any], region: str, account_id: str) -> str | None:
    """Why ECR refuses this replication configuration in this registry, or None."""
    rules = config.get("rules") or []
    if len(rules) > MAX_RULES:
        return (f"1 validation error detected: Value at 'replicationConfiguration.rules' "
                f"failed to satisfy constraint: Member must have length less than or equal "
                f"to {MAX_RULES}")
    destinations = {(d["region"], d["registryId"])
                    for rule in rules for d in rule.get("destinations", [])}
    if len(destinations) > MAX_UNIQUE_DESTINATIONS:
        return (f"Invalid parameter at 'replicationConfiguration' failed to satisfy "
                f"constraint: 'A replication configuration may contain up to "
                f"{MAX_UNIQUE_DESTINATIONS} unique destinations across all rules'")
    if (region, account_id) in destinations:
        return ("Invalid parameter at 'replicationConfiguration' failed to satisfy "
                "constraint: 'Replication destination cannot be the same as the source "
                "registry'")
    return None


def install() -> None:
    from moto.ecr.exceptions import InvalidParameterException, ValidationException
    from moto.ecr.models import ECRBackend

    if getattr(ECRBackend.put_replication_configuration, "_sandbox", False):
        return

    def put_replication_configuration(self: ECRBackend,
                                      replication_config: dict[str, Any]) -> dict[str, Any]:
        problem = configuration_problem(replication_config, self.region_name, self.account_id)
        if problem and problem.startswith("1 validation error"):
            raise ValidationException(problem)
        if problem:
            raise InvalidParameterException(problem)
        self.replication_config = replication_config
        return {"replicationConfiguration": replication_config}

    put_replication_configuration._sandbox = True  # type: ignore[attr-defined]
    ECRBackend.put_replication_configuration = put_replication_configuration  # type: ignore[method-assign]
