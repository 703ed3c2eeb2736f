"""Ownership claims: how ecrrep proves, without a state file, that it owns what cannot carry
its tag, and remembers what the spec may stop naming.

A claim is an SSM parameter in the source region, `/ecrrep/<project>/<kind>/<value>`, created
with the ownership tag `ecrrep:project=<project>`:

- `prefix/<prefix>`: the project's repositories live under `<prefix>/`, and the replication
  rule filtering on `<prefix>/` (or, as older versions wrote it, on the bare prefix) is its;
- `dashboard/<name>`: the CloudWatch dashboard of that name is its;
- `region/<region>`: it manages resources in that region (found again when the spec drops it);
- `scanning/<region>`: the registry scanning configuration of that region is its (`scanning:`);
- `destination/<account>/<region>`: it replicates into that registry of another account
  (`destinations:`), so a rule of ours still naming it is recognised as ours once the spec
  drops it; its value ends with how ecrrep reaches that account (`; reach: role_arn=ARN` or
  `; reach: profile=NAME`, see `reach_of`), so what ecrrep made there can be deleted then.

Claims are a resource kind of their own (`ecrrep.resources.claims`), first in dependency
order: a claim is written before what it claims is created, and deleted after it is deleted.
A claim under our path counts only if it carries our ownership tag; one read under another
project's path is taken at its word, since it can only make us refuse.

Parameters rather than tags on our repositories: they stay readable when the prefix changes,
every project's claims come in one paginated read (`GetParametersByPath`), and each claim is
created and deleted on its own, so parallel writes never race. Names: a hierarchy holds at
most 15 levels and names use a-zA-Z0-9_.-/ —
https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ecrrep.aws import aws_action, paginate
from ecrrep.aws.tagging import is_owned, tags_to_dict
from ecrrep.spec import naming

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec


@dataclass(frozen=True)
class Claim:
    project: str
    kind: str  # "prefix" | "dashboard" | "region" | "scanning" | "destination"
    value: str
    parameter: str
    # Carries the ownership tag of the project its path names (read for our own claims only).
    tagged: bool = True
    # The parameter's value: for a destination claim, how its account is reached (`reach_of`).
    text: str = ""


@dataclass(frozen=True)
class ClaimedDestination:
    """A registry of another account we claim, and how its claim says to reach it (both
    None when the claim records no reach: written by an older ecrrep)."""

    region: str
    account_id: str
    profile: str | None = None
    role_arn: str | None = None


REACH_MARK = "; reach: "
REACH_KEYS = ("role_arn", "profile")


def reach_text(profile: str | None = None, role_arn: str | None = None) -> str:
    """How a destination's account is reached, as its claim's value records it."""
    return f"role_arn={role_arn}" if role_arn else f"profile={profile}" if profile else ""


def reach_of(text: str) -> dict[str, str]:
    """{"role_arn": ARN} or {"profile": NAME} from a claim's value; {} when it records none."""
    _, mark, reach = text.partition(REACH_MARK)
    key, equals, value = reach.partition("=")
    return {key: value} if mark and equals and key in REACH_KEYS and value else {}


def desired_claims(spec: Spec) -> list[tuple[str, str]]:
    """(kind, value) of every claim the spec's resources need."""
    wanted = [("prefix", spec.repository_prefix)]
    if spec.monitoring.enabled:
        wanted.append(("dashboard", naming.dashboard_name(spec.project)))
    wanted.extend(("region", region) for region in spec.regions)
    if spec.scanning is not None:
        wanted.extend(("scanning", region) for region in spec.regions)
    wanted.extend(("destination", f"{d.account_id}/{d.region}") for d in spec.destinations)
    return wanted


def all_claims(ctx: AwsContext, spec: Spec) -> list[Claim]:
    """Every ecrrep project's claims in the source region; ours with their tags checked."""
    return ctx.cached(("ecrrep-claims", spec.source_region), lambda: _read(ctx, spec))


def our_claims(ctx: AwsContext, spec: Spec, kind: str | None = None) -> list[Claim]:
    """Our claims that carry our tag: the only ones that prove anything."""
    return [c for c in all_claims(ctx, spec)
            if c.project == spec.project and c.tagged and kind in (None, c.kind)]


def claimed_prefixes(ctx: AwsContext, spec: Spec) -> list[str]:
    """The spec's prefix first, then every other prefix we claim (a renamed one)."""
    others = sorted({c.value for c in our_claims(ctx, spec, "prefix")}
                    - {spec.repository_prefix})
    return [spec.repository_prefix, *others]


def managed_regions(ctx: AwsContext, spec: Spec) -> list[str]:
    """The spec's regions, then every region we claim that the spec no longer names."""
    dropped = sorted({c.value for c in our_claims(ctx, spec, "region")} - set(spec.regions))
    return [*spec.regions, *dropped]


def claims_dashboard(ctx: AwsContext, spec: Spec, name: str) -> bool:
    return any(c.value == name for c in our_claims(ctx, spec, "dashboard"))


def scanning_claimed_regions(ctx: AwsContext, spec: Spec) -> list[str]:
    """The regions whose registry scanning configuration we claim."""
    return sorted({c.value for c in our_claims(ctx, spec, "scanning")})


def claimed_destinations(ctx: AwsContext, spec: Spec) -> set[tuple[str, str]]:
    """(region, account) of every registry in another account we claim to replicate into."""
    return {(d.region, d.account_id) for d in claimed_destination_reaches(ctx, spec)}


def claimed_destination_reaches(ctx: AwsContext, spec: Spec) -> list[ClaimedDestination]:
    """Every registry of another account we claim, with the reach its claim records."""
    found = []
    for claim in our_claims(ctx, spec, "destination"):
        account, _, region = claim.value.partition("/")
        found.append(ClaimedDestination(region, account, **reach_of(claim.text)))
    return sorted(found, key=lambda d: (d.account_id, d.region))


def prefix_owner(ctx: AwsContext, spec: Spec, prefix: str) -> str | None:
    """The project that claims `prefix`: ours first, else another one, else None."""
    owners = {c.project for c in all_claims(ctx, spec)
              if c.kind == "prefix" and c.value == prefix and c.tagged}
    if spec.project in owners:
        return spec.project
    return min(owners) if owners else None


def prefixes_overlap(a: str, b: str) -> bool:
    """Whether a filter on one prefix matches repositories of the other (`a/x` under `a`)."""
    return (a + "/").startswith(b + "/") or (b + "/").startswith(a + "/")


def other_projects_overlapping(ctx: AwsContext, spec: Spec) -> list[Claim]:
    """Other projects' prefix claims that overlap ours."""
    return [c for c in all_claims(ctx, spec)
            if c.kind == "prefix" and c.project != spec.project
            and prefixes_overlap(c.value, spec.repository_prefix)]


def _read(ctx: AwsContext, spec: Spec) -> list[Claim]:
    client = ctx.client("ssm", spec.source_region)
    with aws_action(f"ownership claims under {naming.CLAIMS_ROOT}/ ({spec.source_region})",
                    "GetParametersByPath"):
        parameters = paginate(client, "get_parameters_by_path", "Parameters",
                              Path=naming.CLAIMS_ROOT, Recursive=True)
    found = []
    for parameter in parameters:
        parsed = naming.parse_claim_parameter_name(parameter["Name"])
        if parsed is not None:
            found.append(Claim(*parsed, parameter=parameter["Name"],
                               text=parameter.get("Value", "")))
    ours = [c for c in found if c.project == spec.project]
    tagged = ctx.map(lambda c: claim_tags(ctx, spec.source_region, c.parameter), ours)
    checked = {c.parameter: is_owned(tags, spec.project)
               for c, tags in zip(ours, tagged, strict=True)}
    return [replace(c, tagged=checked.get(c.parameter, True)) for c in found]


def claim_tags(ctx: AwsContext, region: str, parameter: str) -> dict[str, str]:
    client = ctx.client("ssm", region)
    with aws_action(f"claim {parameter} ({region})", "ListTagsForResource"):
        answer = client.list_tags_for_resource(ResourceType="Parameter", ResourceId=parameter)
    return tags_to_dict(answer.get("TagList"))


def forget_claims(ctx: AwsContext, region: str) -> None:
    ctx.forget(("ecrrep-claims", region))
