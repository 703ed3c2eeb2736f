"""`destinations:` (replication to other accounts): each rule with its exact line and message."""

from __future__ import annotations

from ecrrep.spec.regions import AWS_REGIONS
from tests.support.spec_texts import BASE, base_with, error, errors, load

OTHER = """\
destinations:
  - region: eu-west-1
    account_id: "222222222222"
    profile: prod-eu
"""


def test_a_destination_in_another_account_is_valid():
    spec = load(BASE + OTHER).spec
    assert [(d.region, d.account_id, d.profile, d.role_arn) for d in spec.destinations] == [
        ("eu-west-1", "222222222222", "prod-eu", None)]
    assert spec.regions == ["us-east-1", "us-west-2"]


def test_destination_regions_may_be_empty_only_with_destinations():
    only_other = base_with("[us-west-2]", "[]") + OTHER
    assert load(only_other).spec.destination_regions == []
    assert error(base_with("[us-west-2]", "[]")) == (
        4, "destination_regions", "must have at least 1 item")


def test_account_id_is_12_digits():
    text = BASE + OTHER.replace('"222222222222"', '"2222"')
    assert error(text) == (10, "destinations[0].account_id",
                           "must be an AWS account id of 12 digits (got '2222')")


def test_exactly_one_of_profile_or_role_arn():
    both = BASE + OTHER + "    role_arn: arn:aws:iam::222222222222:role/replicate\n"
    assert error(both) == (9, "destinations[0]",
                           "give exactly one of profile or role_arn (got profile and role_arn)")
    neither = BASE + OTHER.replace("    profile: prod-eu\n", "")
    assert error(neither) == (9, "destinations[0]",
                              "give exactly one of profile or role_arn (got neither)")


def test_a_destination_is_not_repeated():
    again = OTHER.replace("destinations:\n", "")
    assert error(BASE + OTHER + again) == (
        12, "destinations[1]",
        "duplicate destination 'eu-west-1' in account 222222222222 (also destinations[0])")


def test_at_most_25_destinations_in_all():
    many = sorted(AWS_REGIONS - {"us-east-1", "us-west-2"})[:25]
    items = "".join(f"  - region: {r}\n    account_id: \"222222222222\"\n    profile: p\n"
                    for r in many)
    found = errors(BASE + "destinations:\n" + items)
    assert found == [(8, "destinations", "destination_regions and destinations hold 26 "
                      "destinations; ECR allows 25 in all")]
