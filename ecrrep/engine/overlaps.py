"""Other ecrrep projects whose repository prefix overlaps ours in the same registry.

Two projects whose prefixes are equal, or one under the other, would replicate, tag and clean
each other's repositories: a plan that would change anything is refused while one exists
(destroy is not: it only ever deletes what is ours). The evidence: another project's prefix
claim that overlaps ours, and repositories under our prefix tagged with another project.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ecrrep.engine import claims
from ecrrep.resources.shared.ecr_listing import repositories_under_prefix
from ecrrep.spec.naming import OWNERSHIP_TAG

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.spec.models import Spec

# Repositories named as evidence per project; the rest are counted.
SHOWN = 2


def overlapping_projects(ctx: AwsContext, spec: Spec) -> tuple[tuple[str, str], ...]:
    """(project, why) for every other project overlapping ours, sorted by project."""
    reasons: dict[str, list[str]] = {}
    for claim in claims.other_projects_overlapping(ctx, spec):
        reasons.setdefault(claim.project, []).append(
            f"it claims the prefix {claim.value}")
    tagged: dict[str, list[str]] = {}
    for region in spec.regions:
        for record in repositories_under_prefix(ctx, spec, region).values():
            if record.owner and record.owner != spec.project:
                tagged.setdefault(record.owner, []).append(f"{record.name} ({region})")
    for project, names in tagged.items():
        more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
        reasons.setdefault(project, []).append(
            f"{OWNERSHIP_TAG}={project} on {', '.join(names[:SHOWN])}{more}")
    return tuple((p, "; ".join(why)) for p, why in sorted(reasons.items()))
