"""KMS keys are regional: each region's repository gets its region's key, and a correct setup
reads back as no drift."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from ecrrep.aws.context import AwsContext
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.planner import apply_plan, plan_for
from ecrrep.resources.base import ApplyOptions, Target
from ecrrep.resources.repositories import KIND as REPOSITORIES
from ecrrep.spec.models import Spec

REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
MRK = "mrk-1234abcd12ab34cd56ef1234567890ab"


def mrk_arn(region: str) -> str:
    return f"arn:aws:kms:{region}:123456789012:key/{MRK}"


def spec_with(kms_key: Any) -> Spec:
    return Spec.model_validate({
        "project": "proj",
        "source_region": REGIONS[0],
        "destination_regions": REGIONS[1:],
        "repository_prefix": "apps",
        "repositories": [{"name": "web", "encryption": "KMS", "kms_key": kms_key}],
        "iam": {"create_roles": False, "production_role_arn": "arn:aws:iam::123456789012:role/p",
                "ci_role_arn": "arn:aws:iam::123456789012:role/c"},
        "monitoring": {"enabled": False},
        "notifications": {"enabled": False},
        "cleanup": {"enabled": False},
    })


def desired_encryption(spec: Spec) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    resources = REPOSITORIES.desired(spec, Target("123456789012"))
    return {r.region: ({k: v for k, v in r.attrs.items() if k in ("encryption", "kms_key")},
                       r.facts) for r in resources}


def test_a_multi_region_key_gives_each_region_its_own_arn():
    assert desired_encryption(spec_with(mrk_arn("us-east-1"))) == {
        region: ({"encryption": "KMS", "kms_key": mrk_arn(region)}, {}) for region in REGIONS}


def test_a_mapping_gives_each_region_its_key_compared_by_arn_or_created_by_alias():
    keys = {"us-east-1": "alias/images", "us-west-2": mrk_arn("us-west-2"),
            "eu-west-1": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-"
                         "1234567890ab"}
    assert desired_encryption(spec_with(keys)) == {
        "us-east-1": ({"encryption": "KMS"}, {"kms_key_alias": "alias/images"}),
        "us-west-2": ({"encryption": "KMS", "kms_key": keys["us-west-2"]}, {}),
        "eu-west-1": ({"encryption": "KMS", "kms_key": keys["eu-west-1"]}, {}),
    }


def region_keys(region_key: dict[str, str]) -> dict[str, str]:
    return {region: boto3.client("ecr", region_name=region).describe_repositories(
        repositoryNames=["apps/web"])["repositories"][0]["encryptionConfiguration"]["kmsKey"]
        for region in region_key}


@pytest.mark.parametrize("setting", ["mrk", "mapping"])
def test_each_region_is_created_with_its_key_and_then_shows_no_drift(ctx, setting):
    kms_key: Any = mrk_arn("us-east-1")
    if setting == "mapping":
        kms_key = {region: boto3.client("kms", region_name=region).create_key()["KeyMetadata"][
            "Arn"] for region in REGIONS}
    spec = spec_with(kms_key)
    plan = plan_for(ctx, spec, DiffOptions("proj"))
    report = apply_plan(ctx, plan, ApplyOptions())
    assert report.ok, [e.line() for _, e in report.failed]

    expected = ({r: mrk_arn(r) for r in REGIONS} if setting == "mrk" else kms_key)
    assert region_keys(expected) == expected
    again = plan_for(AwsContext(), spec, DiffOptions("proj"))
    assert [c.action for c in again.changes if c.type == "ecr_repository"] == ["no-op"] * 3
    assert not again.has_changes
