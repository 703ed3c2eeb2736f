"""The registry scanning kind's pure parts (ecrrep/resources/registry_scanning.py): desired
from the spec, AWS's answer in compared form, the request back, and the diff with plain values."""

from __future__ import annotations

from dataclasses import replace

from ecrrep.engine import claims
from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Resource
from ecrrep.resources import registry_scanning
from tests.support.kind_inputs import OPTIONS, PROJECT, TARGET, make_spec

KIND = registry_scanning.KIND
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
ENHANCED = {"type": "ENHANCED", "rules": [
    {"frequency": "SCAN_ON_PUSH"},
    {"frequency": "CONTINUOUS_SCAN", "filters": ["my-company-apps/production", "prod*"]}]}
WANTED = {"scan_type": "ENHANCED", "rules": [
    "CONTINUOUS_SCAN: my-company-apps/production, prod*", "SCAN_ON_PUSH: my-company-apps/*"]}


def spec_with(scanning):
    return make_spec(lambda data: data.update(scanning=scanning))


def current(attrs, region="us-east-1", owned=True, owner=None) -> Resource:
    return Resource(KIND.type, region, "registry", attrs, owned=owned, owner=owner,
                    facts={"proof": "claim"})


def test_without_scanning_nothing_is_desired():
    assert KIND.desired(make_spec(), TARGET) == []


def test_one_configuration_per_region_with_the_prefix_as_default_filter():
    desired = KIND.desired(spec_with(ENHANCED), TARGET)
    assert [(r.region, r.name) for r in desired] == [(region, "registry") for region in REGIONS]
    assert all(r.attrs == WANTED for r in desired)


def test_the_answer_compares_by_meaning_whatever_the_order():
    answer = {"registryId": "123456789012", "scanningConfiguration": {
        "scanType": "ENHANCED", "rules": [
            {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [
                {"filter": "my-company-apps/*", "filterType": "WILDCARD"}]},
            {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
                {"filter": "prod*", "filterType": "WILDCARD"},
                {"filter": "my-company-apps/production", "filterType": "WILDCARD"}]}]}}
    assert registry_scanning.attrs_from_answer(answer) == WANTED


def test_the_request_is_the_configuration_again():
    request = registry_scanning.request_from_attrs(WANTED)
    assert request == {"scanType": "ENHANCED", "rules": [
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [
            {"filter": "my-company-apps/production", "filterType": "WILDCARD"},
            {"filter": "prod*", "filterType": "WILDCARD"}]},
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [
            {"filter": "my-company-apps/*", "filterType": "WILDCARD"}]}]}
    answer = {"scanningConfiguration": {"scanType": request["scanType"], "rules": request["rules"]}}
    assert registry_scanning.attrs_from_answer(answer) == WANTED


def test_aws_s_default_is_basic_without_rules():
    assert registry_scanning.is_default(registry_scanning.attrs_from_answer({}))
    assert registry_scanning.is_default({"scan_type": "BASIC", "rules": []})
    assert not registry_scanning.is_default(WANTED)


def test_ours_and_unchanged_is_no_change():
    desired = KIND.desired(spec_with(ENHANCED), TARGET)
    changes = KIND.diff(desired, [current(WANTED, r) for r in REGIONS], OPTIONS)
    assert {c.action for c in changes} == {"no-op"}


def test_ours_and_changed_out_of_band_is_an_update():
    desired = KIND.desired(spec_with(ENHANCED), TARGET)
    drifted = {"scan_type": "BASIC", "rules": ["SCAN_ON_PUSH: *"]}
    changes = KIND.diff(desired, [current(drifted, "us-west-2")], OPTIONS)
    by_region = {c.region: c for c in changes}
    assert by_region["us-west-2"].action == "update"
    assert {f.field for f in by_region["us-west-2"].fields} == {"scan_type", "rules"}
    assert by_region["us-east-1"].action == "create"
    assert registry_scanning.DECIDES_NOTE in by_region["us-west-2"].notes
    assert by_region["eu-west-1"].notes == [registry_scanning.DECIDES_NOTE]


def test_someone_else_s_configuration_is_blocked_unless_adopted():
    desired = KIND.desired(spec_with(ENHANCED), TARGET)[:1]
    theirs = current({"scan_type": "BASIC", "rules": ["SCAN_ON_PUSH: *"]}, owned=False)
    [blocked] = KIND.diff(desired, [theirs], OPTIONS)
    assert blocked.action == "no-op"
    assert "no ecrrep project claims it (unowned" in (blocked.blocked or "")
    [adopted] = KIND.diff(desired, [theirs], replace(OPTIONS, adopt=True))
    assert (adopted.action, adopted.blocked) == ("update", None)


def test_another_project_s_configuration_is_never_adopted():
    desired = KIND.desired(spec_with(ENHANCED), TARGET)[:1]
    theirs = current(WANTED, owned=False, owner="other-project")
    [blocked] = KIND.diff(desired, [theirs], DiffOptions(PROJECT, adopt=True))
    assert "owned by ecrrep project 'other-project'" in (blocked.blocked or "")


def test_destroy_restores_only_what_we_own():
    ours, theirs = current(WANTED), current(WANTED, "us-west-2", owned=False)
    changes = KIND.diff([], [ours, theirs], OPTIONS)
    assert [(c.region, c.action) for c in changes] == [("us-east-1", "delete")]
    assert changes[0].notes == ["puts back AWS's default: BASIC, no rules"]


def test_the_claim_owner_of_a_region():
    found = [claims.Claim("other", "scanning", "us-east-1", "/ecrrep/other/scanning/us-east-1"),
             claims.Claim(PROJECT, "scanning", "us-west-2", f"/ecrrep/{PROJECT}/scanning/x")]
    assert registry_scanning.owner_of_region(found, PROJECT, "us-east-1") == "other"
    assert registry_scanning.owner_of_region(found, PROJECT, "us-west-2") == PROJECT
    assert registry_scanning.owner_of_region(found, PROJECT, "eu-west-1") is None


def test_scanning_claims_one_configuration_per_region():
    wanted = claims.desired_claims(spec_with(ENHANCED))
    assert [v for k, v in wanted if k == "scanning"] == REGIONS
    assert not [v for k, v in claims.desired_claims(make_spec()) if k == "scanning"]
