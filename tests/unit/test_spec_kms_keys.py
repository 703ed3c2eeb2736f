"""KMS keys are regional: an alias, a multi-Region key or a key per region, each region's key
given to ECR in that region, and keys that ECR would refuse somewhere refused at their line."""

from __future__ import annotations

import pytest

from ecrrep.spec.kms_keys import key_for_region
from ecrrep.spec.loader import LoadedSpec, SpecError, load_spec_text
from ecrrep.spec.models import RepositorySpec

# Lines 1..8; a test appends kms_key at line 9.
BASE = """\
version: 1
project: demo-project
source_region: us-east-1
destination_regions: [us-west-2, eu-west-1]
repository_prefix: apps
repositories:
  - name: web
    encryption: KMS
"""
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MRK_ID = "mrk-1234abcd12ab34cd56ef1234567890ab"


def arn(region: str, key_id: str = KEY_ID) -> str:
    return f"arn:aws:kms:{region}:123456789012:key/{key_id}"


def load(kms_key: str) -> LoadedSpec:
    return load_spec_text(BASE + f"    kms_key: {kms_key}\n", "spec.yaml")


def errors(kms_key: str) -> list[tuple[int, str, str]]:
    with pytest.raises(SpecError) as caught:
        load(kms_key)
    return [(d.line, d.path, d.message) for d in caught.value.diagnostics]


def keys_by_region(loaded: LoadedSpec) -> dict[str, str | None]:
    repository = loaded.spec.repositories[0]
    return {region: repository.kms_key_for(region) for region in loaded.spec.regions}


def test_an_alias_is_resolved_by_ecr_in_each_region():
    assert keys_by_region(load("alias/images")) == dict.fromkeys(REGIONS, "alias/images")


def test_a_multi_region_key_becomes_each_regions_arn():
    assert keys_by_region(load(arn("us-west-2", MRK_ID))) == {
        region: arn(region, MRK_ID) for region in REGIONS}


def test_a_mapping_gives_each_region_its_own_key():
    text = ("\n      us-east-1: alias/images\n"
            f"      us-west-2: '{arn('us-west-2')}'\n"
            f"      eu-west-1: '{arn('eu-west-1', MRK_ID)}'")
    assert keys_by_region(load(text)) == {
        "us-east-1": "alias/images", "us-west-2": arn("us-west-2"),
        "eu-west-1": arn("eu-west-1", MRK_ID)}


def test_no_key_without_kms_encryption():
    repository = RepositorySpec(name="web")
    assert repository.kms_key_for("us-east-1") is None


def test_key_for_region_of_a_mapping_without_the_region():
    assert key_for_region({"us-east-1": "alias/a"}, "us-west-2") is None


def test_a_single_region_key_arn_is_refused():
    assert errors(arn("us-east-1")) == [(
        9, "repositories[0].kms_key",
        f"the single-Region key {arn('us-east-1')!r} works only in us-east-1, and this "
        "repository is in us-east-1, us-west-2, eu-west-1: use an alias, a multi-Region key "
        "(mrk-…) or a key per region")]


def test_a_mapping_must_name_every_region_and_only_them_each_with_a_key_of_its_region():
    text = ("\n      us-east-1: alias/images\n"
            f"      us-west-2: '{arn('us-east-1')}'\n"
            "      us-west-9: alias/images")
    assert errors(text) == [
        (9, "repositories[0].kms_key", "no key for eu-west-1: a mapping names the key of the "
         "source region and of every destination region"),
        (11, "repositories[0].kms_key.us-west-2",
         f"the key {arn('us-east-1')!r} is in us-east-1, not us-west-2: ECR needs a key in the "
         "repository's own region"),
        (12, "repositories[0].kms_key.us-west-9",
         "'us-west-9' is not a region of this spec (source_region and destination_regions) "
         "(did you mean 'us-west-2'?)"),
    ]


@pytest.mark.parametrize(("kms_key", "message"), [
    ("{us-east-1: 5}", "'us-east-1': must be a KMS key ARN or an alias (got 5)"),
    ("{us-east-1: my-key}", "'us-east-1': must be a KMS key ARN "
     "(arn:aws:kms:REGION:ACCOUNT:key/KEY-ID) or an alias (alias/NAME) (got 'my-key')"),
    ("[alias/a]", "must be a KMS key ARN, an alias (alias/NAME) or a mapping of each region "
     "to its key"),
    ("{}", "must be a KMS key ARN, an alias (alias/NAME) or a mapping of each region to its key"),
])
def test_a_kms_key_of_the_wrong_shape(kms_key: str, message: str):
    assert errors(kms_key) == [(9, "repositories[0].kms_key", message)]


def test_the_schema_takes_a_key_or_a_mapping():
    from ecrrep.spec.loader import json_schema

    kms_key = json_schema()["$defs"]["RepositorySpec"]["properties"]["kms_key"]
    kinds = [option.get("type") for option in kms_key["anyOf"]]
    assert kinds == ["string", "object", "null"]
