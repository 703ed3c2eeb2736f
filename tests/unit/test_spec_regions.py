"""The regions a spec may name come from botocore's bundled endpoint data."""

from __future__ import annotations

import re

from ecrrep.spec.regions import AWS_REGIONS, closest_region, partition_of


def test_common_regions_of_the_aws_partition_are_known():
    assert {"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"} <= AWS_REGIONS


def test_regions_of_other_partitions_are_not_aws_regions():
    assert "cn-north-1" not in AWS_REGIONS
    assert "us-gov-west-1" not in AWS_REGIONS
    assert partition_of("cn-north-1") == "aws-cn"
    assert partition_of("us-gov-west-1") == "aws-us-gov"
    assert partition_of("us-east-1") == "aws"
    assert partition_of("mars-north-1") is None


def test_every_region_looks_like_a_region_name():
    assert AWS_REGIONS
    assert all(re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]", region) for region in AWS_REGIONS)


def test_closest_region_suggests_the_likely_typo():
    assert closest_region("us-est-1") == "us-east-1"
    assert closest_region("useast1") == "us-east-1"
    assert closest_region("EU-WEST-1 ") == "eu-west-1"


def test_closest_region_is_none_when_nothing_is_close():
    assert closest_region("xyz") is None
    assert closest_region("") is None
