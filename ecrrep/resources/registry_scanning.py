"""The registry's scanning configuration (`scanning:`), in the source region and every
destination: one per region, account-wide, set by PutRegistryScanningConfiguration
(https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_PutRegistryScanningConfiguration.html).

It takes no tag, so it is ours only with this project's claim `scanning/<region>`
(`ecrrep.engine.claims`, written before the configuration and deleted after it), as the
dashboard is. A configuration another tool set (anything but AWS's default) without our claim is
a conflict apply leaves untouched unless --adopt; one another project claims is that project's.

There is nothing to delete: "deleting" puts back what a registry has when nobody set anything,
BASIC with no rules ("When a registry scanning configuration is not defined, by default the BASIC
scan type is used", same page). A region still at that default and unclaimed counts as having no
configuration, so taking it needs no --adopt.

Rules are shown and compared as `FREQUENCY: filter, filter`, sorted: neither the order of the
rules nor of a rule's filters means anything. Without `scanning:` in the spec nothing is read,
except in the regions we still claim (a spec that dropped the block restores the default there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action
from ecrrep.aws.actions import CLAIMS_READ, KindActions, grants
from ecrrep.engine import claims
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.spec.scanning import DEFAULT_CONFIGURATION, rule_filters

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

NAME = "registry"
# What the plan says about a configuration it writes, and about one it "deletes".
DECIDES_NOTE = ("registry scanning decides which repositories are scanned: a repository's "
                "scan_on_push no longer does")
RESTORE_NOTE = "puts back AWS's default: BASIC, no rules"


def rule_text(frequency: str, filters: list[str]) -> str:
    return f"{frequency}: {', '.join(sorted(filters))}"


def configuration_attrs(scan_type: str, rules: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The configuration in compared form: {"scan_type", "rules": ["FREQ: f1, f2", ...]}."""
    return {"scan_type": scan_type,
            "rules": sorted(rule_text(frequency, filters) for frequency, filters in rules)}


def desired_attrs(spec: Spec) -> dict[str, Any]:
    scanning = spec.scanning
    assert scanning is not None
    return configuration_attrs(scanning.type, [
        (rule.frequency, rule_filters(rule, spec.repository_prefix)) for rule in scanning.rules])


def attrs_from_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """GetRegistryScanningConfiguration's answer in compared form."""
    found = answer.get("scanningConfiguration") or {}
    return configuration_attrs(found.get("scanType") or "BASIC", [
        (rule["scanFrequency"], [f["filter"] for f in rule.get("repositoryFilters") or []])
        for rule in found.get("rules") or []])


def request_from_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """PutRegistryScanningConfiguration's arguments from compared form (a filter holds no ', '
    or ':': its pattern allows neither)."""
    rules = []
    for text in attrs["rules"]:
        frequency, _, filters = text.partition(": ")
        rules.append({"scanFrequency": frequency, "repositoryFilters": [
            {"filter": f, "filterType": "WILDCARD"} for f in filters.split(", ") if f]})
    return {"scanType": attrs["scan_type"], "rules": rules}


def is_default(attrs: dict[str, Any]) -> bool:
    return attrs == configuration_attrs(DEFAULT_CONFIGURATION["type"], [])


def owner_of_region(all_claims: list[claims.Claim], project: str, region: str,
                    ) -> str | None:
    """The ecrrep project claiming a region's scanning configuration: ours first."""
    owners = {c.project for c in all_claims if c.kind == "scanning" and c.value == region}
    if project in owners:
        return project
    return min(owners) if owners else None


class EcrRegistryScanningKind(ResourceKind):
    type = "ecr_registry_scanning"
    title = "Registry scanning"
    label_format = "registry scanning ({region})"
    # Ours by this project's claim, written before it.
    depends_on = ("ownership_claim",)
    # Neither action has a resource type (the registry is not one), so "*":
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerregistry.html
    # Turning ENHANCED on or off also has the caller's Amazon Inspector permissions used
    # (inspector2:Enable / Disable / ListAccountPermissions, its service-linked role):
    # https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced-iam.html
    # They are not declared here (ecrrep calls no Inspector API; the README says to add them).
    iam = KindActions(
        read=(*CLAIMS_READ, grants("none", "ecr:GetRegistryScanningConfiguration")),
        write=(grants("none", "ecr:PutRegistryScanningConfiguration"),),
        delete=(grants("none", "ecr:PutRegistryScanningConfiguration"),))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        if spec.scanning is None:
            return []
        attrs = desired_attrs(spec)
        return [Resource(self.type, region, NAME, attrs) for region in spec.regions]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        claimed = claims.scanning_claimed_regions(ctx, spec)
        wanted = spec.regions if spec.scanning is not None else []
        regions = [*wanted, *(r for r in claimed if r not in wanted)]
        found = ctx.map(lambda region: self._read_region(ctx, spec, region), regions)
        return [resource for resource in found if resource is not None]

    def _read_region(self, ctx: AwsContext, spec: Spec, region: str) -> Resource | None:
        with aws_action(f"registry scanning ({region})", "GetRegistryScanningConfiguration"):
            answer = ctx.client("ecr", region).get_registry_scanning_configuration()
        attrs = attrs_from_answer(answer)
        owner = owner_of_region(claims.all_claims(ctx, spec), spec.project, region)
        if owner is None and is_default(attrs):
            return None  # AWS's default, set by nobody: nothing to take over
        return Resource(self.type, region, NAME, attrs, owned=owner == spec.project,
                        owner=None if owner == spec.project else owner,
                        facts={"proof": "claim"})

    def diff(self, desired: list[Resource], current: list[Resource],
             options: DiffOptions) -> list[Change]:
        changes = super().diff(desired, current, options)
        owners = {r.address: r.owner for r in current if r.owner}
        for change in changes:
            owner = owners.get(change.address)
            if options.adopt_from and owner == options.adopt_from and not change.blocked:
                # The other project's claim on this region's scanning is not read, so it could
                # not be transferred: taking the configuration would leave two projects
                # claiming it, and the other one's destroy would reset ours.
                change.blocked = (f"claimed by ecrrep project '{owner}': --adopt-from does not "
                                  f"transfer the registry scanning configuration; remove "
                                  f"`scanning:` from {owner}'s spec and apply it first")
            if change.action in ("create", "update") and not change.blocked:
                change.notes.append(DECIDES_NOTE)
            elif change.action == "delete":
                change.notes.append(RESTORE_NOTE)
        return changes

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        # PutRegistryScanningConfiguration creates or replaces: a retried create writes again.
        ctx.client("ecr", change.region).put_registry_scanning_configuration(
            **request_from_attrs(change.after or {}))

    update = create

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        ctx.client("ecr", change.region).put_registry_scanning_configuration(
            scanType=DEFAULT_CONFIGURATION["type"], rules=[])


KIND = EcrRegistryScanningKind()
