"""Finding what this project owns that the spec no longer names.

Three ways, from the surest to the widest:
- claims (`ecrrep.engine.claims`) keep the prefixes and regions we managed: repositories are listed
  under every claimed prefix in every claimed region, so a renamed prefix or a dropped region
  is read as surely as the spec's own;
- in a dropped region, the kinds that live there (the replica repositories and the
  replication-failure event rule) are read directly, by name;
- the tagging API (`tag:GetResources`, filtered on `ecrrep:project=<project>`) finds the rest:
  repositories under a prefix we no longer claim, and in dropped regions anything else tagged
  ours. It is a shortcut (its index lags behind tagging by seconds to minutes): a repository
  it finds is confirmed by the repository's own tags before anything is planned for it; other
  resources it finds in a dropped region are listed as orphans, with the command that
  removes them, and never deleted by ecrrep.
  https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ecrrep.aws import aws_action, paginate
from ecrrep.aws.tagging import ownership_filter, tags_to_dict
from ecrrep.engine.plan import Change, Resource
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

REPOSITORY_TYPE = "ecr:repository"


def tagged_resources(ctx: AwsContext, spec: Spec, region: str) -> dict[str, dict[str, str]]:
    """ARN → tags of every resource the tagging API lists as ours in the region: only
    repositories in the spec's regions, everything in a region the spec dropped."""
    return ctx.cached(("tagged-ours", region), lambda: _tagged(ctx, spec, region))


def _tagged(ctx: AwsContext, spec: Spec, region: str) -> dict[str, dict[str, str]]:
    params: dict[str, Any] = {
        "TagFilters": ownership_filter(spec.project)}
    if region in spec.regions:
        params["ResourceTypeFilters"] = [REPOSITORY_TYPE]
    client = ctx.client("resourcegroupstaggingapi", region)
    with aws_action(f"resources tagged {naming.OWNERSHIP_TAG}={spec.project} ({region})",
                    "GetResources"):
        found = paginate(client, "get_resources", "ResourceTagMappingList", **params)
    return {m["ResourceARN"]: tags_to_dict(m.get("Tags")) for m in found}


def repository_name_of(arn: str) -> str | None:
    """`arn:aws:ecr:REGION:ACCOUNT:repository/NAME` → NAME."""
    head, sep, name = arn.partition(":repository/")
    return name if sep and head.split(":")[2:3] == ["ecr"] else None


def discovered_repository_names(ctx: AwsContext, spec: Spec, region: str) -> set[str]:
    return {name for arn in tagged_resources(ctx, spec, region)
            if (name := repository_name_of(arn)) is not None}



def orphans(ctx: AwsContext, spec: Spec, dropped: list[str],
            current: list[Resource]) -> list[Change]:
    """Resources tagged ours in dropped regions that no kind read: listed, never deleted."""
    known = {r.facts.get("arn") for r in current}
    changes = []
    for region in dropped:
        for arn in sorted(tagged_resources(ctx, spec, region)):
            if arn in known or repository_name_of(arn) is not None:
                continue
            command = removal_command(arn, region)
            changes.append(Change(
                "orphan", region, arn, "no-op", None, None, kept=True,
                notes=[f"tagged {naming.OWNERSHIP_TAG}={spec.project} but no longer in the "
                       f"spec (region {region} was dropped); ecrrep does not delete it: "
                       f"{command}"],
                facts={"orphan": True, "remove_with": command}))
    return changes


_REMOVAL = {
    "cloudwatch": "aws cloudwatch delete-alarms --region {region} --alarm-names {name}",
    "lambda": "aws lambda delete-function --region {region} --function-name {name}",
    "sns": "aws sns delete-topic --region {region} --topic-arn {arn}",
    "events": "aws events remove-targets --region {region} --rule {name} --ids <target ids> "
              "&& aws events delete-rule --region {region} --name {name}",
    "logs": "aws logs delete-log-group --region {region} --log-group-name {name}",
}


def removal_command(arn: str, region: str) -> str:
    """The AWS CLI command that deletes what an ARN names."""
    parts = arn.split(":", 5)
    service = parts[2] if len(parts) > 2 else ""
    resource = parts[5] if len(parts) > 5 else ""
    name = resource.split("/", 1)[-1].split(":", 1)[-1]
    template = _REMOVAL.get(service)
    if template is None:
        return (f"inspect it with `aws resourcegroupstaggingapi get-resources --region {region} "
                f"--resource-arn-list {arn}` and delete it with its service's command")
    return template.format(region=region, name=name, arn=arn)
