"""How a destination claim records the way its account is reached, and reads it back."""

from __future__ import annotations

from ecrrep.aws.accounts import open_dropped_accounts
from ecrrep.engine.claims import REACH_MARK, ClaimedDestination, reach_of, reach_text
from ecrrep.engine.plan import Change
from ecrrep.resources.claims import KIND, claim_resource
from ecrrep.resources.replication import _dropped_other_accounts
from ecrrep.resources.shared.other_accounts import DroppedDestinations

ROLE = "arn:aws:iam::222222222222:role/ecrrep-replication"


def test_a_role_or_a_profile_is_written_and_read_back():
    assert reach_of(f"ecrrep claims x{REACH_MARK}{reach_text(role_arn=ROLE)}") == {
        "role_arn": ROLE}
    assert reach_of(f"ecrrep claims x{REACH_MARK}{reach_text(profile='prod-eu')}") == {
        "profile": "prod-eu"}


def test_a_value_without_a_reach_reads_as_none():
    assert reach_of("ecrrep claims replication into the registry of account/region x") == {}
    assert reach_of(f"ecrrep x{REACH_MARK}password=secret") == {}
    assert reach_text() == ""


def test_only_destination_claims_carry_a_reach():
    assert claim_resource("us-east-1", "p", "prefix", "apps").attrs == {
        "tags": {"ecrrep:project": "p"}}
    destination = claim_resource("us-east-1", "p", "destination", "222222222222/eu-central-1",
                                 reach="profile=prod-eu")
    assert destination.attrs["reach"] == "profile=prod-eu"


class _Client:
    def __init__(self):
        self.calls = []

    def put_parameter(self, **kwargs):
        self.calls.append(("put_parameter", kwargs))

    def add_tags_to_resource(self, **kwargs):
        self.calls.append(("add_tags_to_resource", kwargs))


class _Ctx:
    def __init__(self):
        self.ssm = _Client()

    def client(self, service, region):
        return self.ssm


def test_a_changed_reach_overwrites_the_value_without_tags():
    tags = {"ecrrep:project": "p"}
    change = Change("ownership_claim", "us-east-1", "/ecrrep/p/destination/2/eu-central-1",
                    "update", {"tags": tags, "reach": "profile=old"},
                    {"tags": tags, "reach": f"role_arn={ROLE}"},
                    facts={"summary": ["claims something"]})
    ctx = _Ctx()

    KIND.update(ctx, change, None)

    assert ctx.ssm.calls == [("put_parameter", {
        "Name": change.name, "Overwrite": True,
        "Value": f"ecrrep claims something{REACH_MARK}role_arn={ROLE}"})]


def test_a_claim_recording_no_reach_is_not_opened():
    dropped = [ClaimedDestination("eu-central-1", "222222222222")]

    assert open_dropped_accounts(None, dropped, set()) == {
        "222222222222": "its claim records no profile or role_arn"}


def test_only_destinations_out_of_reach_are_left_behind():
    rule = {"destinations": [{"region": "eu-central-1", "registryId": "222222222222"},
                             {"region": "eu-west-1", "registryId": "333333333333"},
                             {"region": "us-west-2", "registryId": "111111111111"}]}
    dropped = DroppedDestinations(
        reachable=(("eu-central-1", "222222222222"),),
        unreachable={("eu-west-1", "333333333333"): "profile 'x' is not in the AWS config"})

    assert _dropped_other_accounts(rule, "111111111111", frozenset(), dropped) == [
        ["eu-west-1 (account 333333333333)", "profile 'x' is not in the AWS config"]]
