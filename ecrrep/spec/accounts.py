"""Replication destinations in other AWS accounts (`destinations:`), checked on plain data.

`destination_regions` is the shorthand for destinations in this account; `destinations` names
a region, the account it is in, and how ecrrep reaches that account (a named profile, or a role
it assumes). The source account is known only once a session is open, so the rule "not this
account" is `ecrrep.aws.accounts`'s, checked before any change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecrrep.spec.rules import MAX_DESTINATION_REGIONS, Loc, Problem, shown

ACCOUNT_ID_PATTERN = r"^[0-9]{12}$"


def account_id_problem(value: str) -> str | None:
    if len(value) != 12 or not value.isdigit():
        return f"must be an AWS account id of 12 digits (got {shown(value)})"
    return None


def destinations_problems(data: Mapping[str, Any]) -> list[Problem]:
    """Each destination: exactly one of profile / role_arn, its (region, account) not
    repeated; destination_regions empty only when destinations are given; at most
    MAX_DESTINATION_REGIONS destinations in all."""
    raw = data.get("destinations")
    destinations = raw if isinstance(raw, list) else []
    regions = data.get("destination_regions")
    problems: list[Problem] = []
    if isinstance(regions, list) and not regions and not destinations:
        problems.append(Problem(("destination_regions",), "must have at least 1 item"))
    total = len(destinations) + (len(regions) if isinstance(regions, list) else 0)
    if destinations and total > MAX_DESTINATION_REGIONS:
        problems.append(Problem(("destinations",), (
            f"destination_regions and destinations hold {total} destinations; ECR allows "
            f"{MAX_DESTINATION_REGIONS} in all")))
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(destinations):
        if not isinstance(item, Mapping):
            continue
        loc: Loc = ("destinations", index)
        ways = [k for k in ("profile", "role_arn") if item.get(k) is not None]
        if len(ways) != 1:
            problems.append(Problem(loc, "give exactly one of profile or role_arn (got "
                                    f"{' and '.join(ways) or 'neither'})"))
        key = (item.get("region"), item.get("account_id"))
        if not all(isinstance(k, str) for k in key):
            continue
        if key in seen:
            problems.append(Problem(loc, f"duplicate destination {shown(key[0])} in account "
                                    f"{key[1]} (also destinations[{seen[key]}])"))
        else:
            seen[key] = index
    return problems
