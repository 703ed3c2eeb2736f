"""KMS keys are regional: ECR encrypts a repository only with a key of the repository's own
region ("The key must exist in the same Region as the repository", CreateRepository's
encryptionConfiguration.kmsKey in botocore's ECR model;
https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_EncryptionConfiguration.html).

A spec's `kms_key` names the key of every region at once, in one of three ways:
- an alias, `alias/NAME`: ECR resolves it in each region, so an alias of that name must exist in
  every region;
- a multi-Region key ARN (key id `mrk-…`): its replicas share the key id, so each region's ARN is
  the same ARN with the region replaced
  (https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html);
- a mapping region → alias or key ARN, naming the source and every destination region.
A single-Region key ARN works in its own region only; a spec always has at least two regions,
so it is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecrrep.spec.rules import Loc, Problem, did_you_mean, kms_key_problem, shown

KMS_ADVICE = "use an alias, a multi-Region key (mrk-…) or a key per region"


def is_alias(key: str | None) -> bool:
    return bool(key) and key.startswith("alias/")


def is_multi_region_arn(key: str) -> bool:
    return key.startswith("arn:") and key.rsplit("/", 1)[-1].startswith("mrk-")


def arn_region(arn: str) -> str:
    """`us-east-1` of `arn:aws:kms:us-east-1:123456789012:key/…`."""
    return arn.split(":")[3]


def key_for_region(setting: str | Mapping[str, str] | None, region: str) -> str | None:
    """The alias or key ARN ECR is given for a repository in `region`."""
    if setting is None or isinstance(setting, Mapping):
        return None if setting is None else setting.get(region)
    if is_multi_region_arn(setting):
        parts = setting.split(":")
        parts[3] = region
        return ":".join(parts)
    return setting


def kms_key_setting_problem(value: Any) -> str | None:
    """The shape of `kms_key`: one key, or a mapping of region to key (regions: `spec_problems`)."""
    if isinstance(value, str):
        return kms_key_problem(value)
    if isinstance(value, Mapping) and value:
        for region, key in value.items():
            if not isinstance(key, str):
                return f"{shown(region)}: must be a KMS key ARN or an alias (got {shown(key)})"
            if (problem := kms_key_problem(key)) is not None:
                return f"{shown(region)}: {problem}"
        return None
    return ("must be a KMS key ARN, an alias (alias/NAME) or a mapping of each region to its "
            "key")


def kms_region_problems(loc: Loc, setting: Any, regions: list[str]) -> list[Problem]:
    """Keys that ECR would refuse in some region of the spec. `loc` is the kms_key's path;
    a setting of the wrong shape is left to `kms_key_setting_problem`."""
    if kms_key_setting_problem(setting) is not None or not regions:
        return []
    if isinstance(setting, str):
        if not setting.startswith("arn:") or is_multi_region_arn(setting):
            return []
        return [Problem(loc, (
            f"the single-Region key {shown(setting)} works only in {arn_region(setting)}, and "
            f"this repository is in {', '.join(regions)}: {KMS_ADVICE}"))]
    problems = []
    for region, key in setting.items():
        if region not in regions:
            problems.append(Problem((*loc, region), (
                f"{shown(region)} is not a region of this spec (source_region and "
                f"destination_regions){did_you_mean(region, regions)}")))
        elif key.startswith("arn:") and arn_region(key) != region:
            problems.append(Problem((*loc, region), (
                f"the key {shown(key)} is in {arn_region(key)}, not {region}: ECR needs a key "
                "in the repository's own region")))
    missing = [region for region in regions if region not in setting]
    if missing:
        problems.append(Problem(loc, (
            f"no key for {', '.join(missing)}: a mapping names the key of the source region "
            "and of every destination region")))
    return problems

