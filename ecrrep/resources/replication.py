"""Our rule in the source registry's replication configuration.

The registry holds one configuration shared by everyone. Our rule is the one whose only filter
is PREFIX_MATCH on the spec's repository prefix; every other rule is someone else's and is
written back exactly as read. Writes re-read the configuration first and verify afterwards,
so a concurrent writer's rule is not lost.
"""

from __future__ import annotations

import copy
import os
import random
import time
from typing import TYPE_CHECKING, Any

import botocore.exceptions

from ecrrep.aws import DEFAULT_MAX_ATTEMPTS, AwsError, aws_action, error_code
from ecrrep.diff import DiffRules
from ecrrep.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target

if TYPE_CHECKING:
    from ecrrep.aws import AwsContext
    from ecrrep.spec import Spec

# Rounds of read, write, check when other writers keep changing the configuration.
WRITE_ATTEMPTS = 10
MAX_BACKOFF_SECONDS = 20


def prefix_filter(prefix: str) -> list[dict[str, str]]:
    return [{"filter": prefix, "filterType": "PREFIX_MATCH"}]


def is_our_rule(rule: dict[str, Any], prefix: str) -> bool:
    return rule.get("repositoryFilters") == prefix_filter(prefix)


def rule_attrs(rule: dict[str, Any]) -> dict[str, Any]:
    """A rule in comparable form: destinations sorted, filters as given."""
    return {
        "destinations": sorted(
            (dict(sorted(d.items())) for d in rule.get("destinations", [])),
            key=lambda d: (d.get("region", ""), d.get("registryId", "")),
        ),
        "repository_filters": rule.get("repositoryFilters", []),
    }


def rule_from_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = {"destinations": copy.deepcopy(attrs["destinations"])}
    if attrs.get("repository_filters"):
        rule["repositoryFilters"] = copy.deepcopy(attrs["repository_filters"])
    return rule


def with_our_rule(rules: list[dict[str, Any]], ours: dict[str, Any] | None,
                  prefix: str) -> list[dict[str, Any]]:
    """The configuration's rules with ours replaced, added or removed; others untouched."""
    out: list[dict[str, Any]] = []
    placed = False
    for rule in rules:
        if is_our_rule(rule, prefix):
            if ours is not None and not placed:
                out.append(ours)
                placed = True
            continue
        out.append(rule)
    if ours is not None and not placed:
        out.append(ours)
    return out


class ReplicationRules(ResourceKind):
    type = "ecr_replication_rule"
    title = "Replication rules"
    rules = DiffRules(reports_kept=True)

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        rule = {
            "destinations": [
                {"region": region, "registryId": target.account_id}
                for region in spec.destination_regions
            ],
            "repositoryFilters": prefix_filter(spec.repository_prefix),
        }
        summary = [f"replicate repositories named {spec.repository_prefix}* to "
                   + ", ".join(spec.destination_regions) + " (this account)"]
        return [Resource(self.type, spec.source_region, spec.project, rule_attrs(rule),
                         facts={"prefix": spec.repository_prefix, "summary": summary})]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        found = []
        for index, rule in enumerate(_read_rules(ctx, spec.source_region), start=1):
            if is_our_rule(rule, spec.repository_prefix):
                found.append(Resource(self.type, spec.source_region, spec.project,
                                      rule_attrs(rule), facts={"prefix": spec.repository_prefix}))
            else:
                found.append(Resource(self.type, spec.source_region, f"kept-rule-{index}",
                                      rule_attrs(rule), owned=False))
        return found

    def apply(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        prefix = change.facts["prefix"]
        ours = rule_from_attrs(change.after) if change.action != "delete" else None
        region = change.region
        # Every write is made from a fresh read. botocore's own retries would send the same
        # document again after a throttled or lost answer, though another writer may have
        # changed the configuration in between: that retry would undo their change. So the
        # write goes through a client that tries once, and a transient failure brings us
        # back here, to read again.
        writer = ctx.client("ecr", region, retries=False)
        failures = 0
        for _ in range(WRITE_ATTEMPTS):
            rules = _read_rules(ctx, region)
            wanted = with_our_rule(rules, ours, prefix)
            if wanted != rules:
                try:
                    with aws_action(f"replication configuration ({region})"):
                        writer.put_replication_configuration(
                            replicationConfiguration={"rules": wanted}
                        )
                except AwsError as exc:
                    failures += 1
                    if failures >= _max_attempts() or not _transient(exc.__cause__):
                        raise
                    # botocore's backoff: a random wait of up to 1, 2, 4 ... 20 seconds.
                    time.sleep(random.random() * min(2 ** (failures - 1), MAX_BACKOFF_SECONDS))
                    continue
            # Another writer may have replaced the configuration between our read and our
            # write: check that ours is as wanted, else read and write again. A writer that
            # lost its own rule to our write does the same on its side.
            written = _read_rules(ctx, region)
            if written == with_our_rule(written, ours, prefix):
                return
        raise AwsError("PutReplicationConfiguration", f"replication configuration ({region})",
                       "LostUpdate", f"the configuration kept changing under {WRITE_ATTEMPTS} "
                       "attempts to write it; run apply again")


def _max_attempts() -> int:
    """The attempts botocore gives any other call: AWS_MAX_ATTEMPTS, else ecrrep's default."""
    try:
        return max(1, int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS))
    except ValueError:
        return DEFAULT_MAX_ATTEMPTS


_THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "RequestTimeout",
    "RequestTimeoutException", "PriorRequestNotComplete",
})


def _transient(exc: BaseException | None) -> bool:
    """What botocore's standard mode would retry: throttling, 5xx, a lost connection."""
    if isinstance(exc, botocore.exceptions.ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in _THROTTLING_CODES or status >= 500
    return isinstance(exc, botocore.exceptions.ConnectionError
                      | botocore.exceptions.HTTPClientError)


def _read_rules(ctx: AwsContext, region: str) -> list[dict[str, Any]]:
    with aws_action(f"registry ({region})", "DescribeRegistry"):
        registry = ctx.client("ecr", region).describe_registry()
    return registry.get("replicationConfiguration", {}).get("rules", [])


KIND = ReplicationRules()
