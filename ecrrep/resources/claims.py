"""Ownership claims as a resource kind: SSM parameters `/ecrrep/<project>/<kind>/<value>` in
the source region, each tagged with our ownership tag (what they mean: `ecrrep.engine.claims`).

First in dependency order, so a claim is created before anything it claims and deleted after
everything it claimed. Under `--adopt-from P`, P's claim on an overlapping prefix is deleted
with the transfer (ours replaces it), or P would keep claiming what is now ours.

A destination claim's value also records how its account is reached (`reach`): when the spec
changes it, the value is rewritten (PutParameter with Overwrite; tags are added to an existing
parameter with AddTagsToResource, never with PutParameter's Tags:
https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html), so the
claim still says how to reach that account once the spec drops the destination.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_error
from ecrrep.aws.actions import CLAIMS_READ, KindActions, grants
from ecrrep.aws.tagging import appeared_unowned, claim_if_ours, dict_to_tags, tags_to_dict
from ecrrep.engine import claims, ownership
from ecrrep.engine.diff import DiffOptions, DiffRules, diff_resources
from ecrrep.engine.plan import Change, Resource
from ecrrep.resources.base import ApplyOptions, ResourceKind, Target
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

MEANING = {
    "prefix": "the replication rule filtering on {value}/ and the repositories under it",
    "dashboard": "the CloudWatch dashboard {value}",
    "region": "resources in {value}",
    "scanning": "the registry scanning configuration of {value}",
    "destination": "replication into the registry of account/region {value}",
}


def claim_resource(region: str, project: str, kind: str, value: str, tagged: bool = True,
                   reach: str | None = None) -> Resource:
    """A claim; `reach` (a destination claim's only) is how its account is reached."""
    tags = {naming.OWNERSHIP_TAG: project} if tagged else {}
    attrs = {"tags": tags, **({"reach": reach} if kind == "destination" else {})}
    return Resource(
        "ownership_claim", region, naming.claim_parameter_name(project, kind, value),
        attrs, owned=False, owner=project if tagged else None,
        facts={"claim": kind, "value": value,
               "summary": [f"claims {MEANING[kind].format(value=value)}"]})


class OwnershipClaimKind(ResourceKind):
    type = "ownership_claim"
    title = "Ownership claims"
    rules = DiffRules()
    label_format = "claim {name} ({region})"
    # PutParameter with Tags also needs ssm:AddTagsToResource (list_awssystemsmanager.html).
    iam = KindActions(
        read=CLAIMS_READ,
        write=(grants("claims", "ssm:PutParameter", "ssm:AddTagsToResource",
                      "ssm:ListTagsForResource"),),
        delete=(grants("claims", "ssm:DeleteParameter"),
                grants("prefix_claims", "ssm:DeleteParameter")))

    def desired(self, spec: Spec, target: Target) -> list[Resource]:
        reaches = {f"{d.account_id}/{d.region}": claims.reach_text(d.profile, d.role_arn)
                   for d in spec.destinations}
        return [replace(claim_resource(spec.source_region, spec.project, kind, value,
                                       reach=reaches.get(value, "")), owned=True)
                for kind, value in claims.desired_claims(spec)]

    def read(self, ctx: AwsContext, spec: Spec) -> list[Resource]:
        found = []
        for claim in claims.all_claims(ctx, spec):
            if claim.project == spec.project:
                resource = claim_resource(
                    spec.source_region, claim.project, claim.kind, claim.value, claim.tagged,
                    reach=claims.reach_text(**claims.reach_of(claim.text)))
                found.append(replace(resource, owned=claim.tagged))
            elif claim in claims.other_projects_overlapping(ctx, spec):
                found.append(claim_resource(spec.source_region, claim.project, claim.kind,
                                            claim.value))
        return found

    def diff(self, desired: list[Resource], current: list[Resource],
             options: DiffOptions) -> list[Change]:
        ours = [r for r in current if ownership.owner_of(r) in (None, options.project)]
        changes = diff_resources(desired, ours, options, self.rules)
        if options.adopt_from:
            changes.extend(_transferred(r, options) for r in current
                           if r not in ours and ownership.owner_of(r) == options.adopt_from)
        return changes

    def create(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        _create(ctx.client("ssm", change.region), change)

    def update(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        client = ctx.client("ssm", change.region)
        before, after = change.before or {}, change.after or {}
        if before.get("reach") != after.get("reach"):
            # Overwrite takes no Tags: the tags stay as they are, or are added just below.
            client.put_parameter(Name=change.name, Value=_value(change), Overwrite=True)
        if before.get("tags") != after["tags"]:
            client.add_tags_to_resource(ResourceType="Parameter", ResourceId=change.name,
                                        Tags=dict_to_tags(after["tags"]))

    def delete(self, ctx: AwsContext, change: Change, options: ApplyOptions) -> None:
        try:
            ctx.client("ssm", change.region).delete_parameter(Name=change.name)
        except aws_error("ParameterNotFound"):
            pass  # gone already: done

    def forget_cached(self, ctx: AwsContext, change: Change) -> None:
        claims.forget_claims(ctx, change.region)


def _transferred(resource: Resource, options: DiffOptions) -> Change:
    change = Change(resource.type, resource.region, resource.name, "delete",
                    dict(resource.attrs), None, facts={**resource.facts, "takeover": True})
    change.notes.append(f"transferred from project {options.adopt_from}: its claim gives "
                        "way to ours")
    return change


def _create(client: Any, change: Change) -> None:
    """Create with the ownership tag (PutParameter takes tags only when it creates). A
    parameter already there is ours only if it carries our tag (a retried create)."""
    tags = (change.after or {})["tags"]
    try:
        client.put_parameter(
            Name=change.name, Value=_value(change), Type="String",
            Description="Written by ecrrep: an ownership claim of the project it names",
            Tags=dict_to_tags(tags))
    except aws_error("ParameterAlreadyExists"):
        found = client.list_tags_for_resource(ResourceType="Parameter", ResourceId=change.name)
        claim_if_ours(tags_to_dict(found.get("TagList")), tags, appeared_unowned(
            "PutParameter", f"claim {change.name}", "a parameter"))


def _value(change: Change) -> str:
    """The parameter's value: what it claims, then, for a destination, how it is reached."""
    value = "; ".join(change.facts.get("summary") or ["ecrrep ownership claim"])
    reach = (change.after or {}).get("reach")
    return f"ecrrep {value}{claims.REACH_MARK}{reach}" if reach else f"ecrrep {value}"


KIND = OwnershipClaimKind()
