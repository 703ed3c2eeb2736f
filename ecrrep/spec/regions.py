"""The AWS regions a spec may name: those of the `aws` partition where ECR is offered.

The list comes from the endpoint data bundled with botocore, so checking a region never makes a
network call, and a botocore upgrade brings new regions with it.
"""

from __future__ import annotations

import difflib

import botocore.session

PARTITION = "aws"


def _partition_regions() -> dict[str, frozenset[str]]:
    """Every partition's regions where ECR is offered, e.g. {"aws": ..., "aws-cn": ...}."""
    session = botocore.session.get_session()
    endpoints = session.get_data("endpoints")["partitions"]
    result = {}
    for partition in endpoints:
        name = partition["partition"]
        regions = session.get_available_regions("ecr", partition_name=name)
        # Should botocore stop listing services per region, every region of the partition is
        # the best answer we have offline.
        result[name] = frozenset(regions or partition["regions"])
    return result


_PARTITION_REGIONS = _partition_regions()
AWS_REGIONS: frozenset[str] = _PARTITION_REGIONS[PARTITION]


def partition_of(region: str) -> str | None:
    """The partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`, ...), if it is known."""
    return next((p for p, regions in _PARTITION_REGIONS.items() if region in regions), None)


def closest_region(name: str) -> str | None:
    """The known region most like `name`, for a "did you mean" hint; None if nothing is close."""
    wanted = name.strip().lower()
    scored = [(difflib.SequenceMatcher(None, wanted, r).ratio(), r) for r in sorted(AWS_REGIONS)]
    # max() keeps the first of equal scores, so a tie (us-est-1) goes to the first name
    # alphabetically (us-east-1), the same answer on every run.
    score, region = max(scored, key=lambda pair: pair[0], default=(0.0, ""))
    return region if score >= 0.6 else None
