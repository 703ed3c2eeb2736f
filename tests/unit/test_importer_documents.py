"""The pure half of `ecrrep import`: AWS documents → spec values, or why they cannot be."""

from __future__ import annotations

from ecrrep.importer.assemble import common_tags, kms_key_value, trusted_roles
from ecrrep.importer.lifecycle import import_lifecycle
from ecrrep.importer.policies import Roles, import_access, roles_in_policies
from ecrrep.importer.read import project_from_prefix, spec_names
from ecrrep.importer.replication import destinations
from ecrrep.spec import documents
from ecrrep.spec.models import RepositorySpec

ACCOUNT = "123456789012"
PRODUCTION = f"arn:aws:iam::{ACCOUNT}:role/deployer"
CI = f"arn:aws:iam::{ACCOUNT}:role/ci"


def rule(priority, selection, description="d", action="expire"):
    out = {"rulePriority": priority, "selection": selection, "action": {"type": action}}
    if description:
        out["description"] = description
    return out


def test_rules_ecrrep_wrote_come_back_as_the_same_friendly_rules():
    spec_rules = [{"select": "tagged", "tag_prefixes": ["prod"], "keep_last": 15},
                  {"select": "any", "expire_after_days": 7}]
    written = documents.lifecycle_policy_document(
        RepositorySpec(name="x", lifecycle=spec_rules))
    imported = import_lifecycle(written)
    assert imported.rules == spec_rules and imported.notes == []


def test_a_rule_without_description_or_with_gaps_in_priorities_stays_raw():
    tagged = {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
              "countNumber": 1}
    for policy, why in (
        ({"rules": [rule(1, tagged, description=None)]}, "rule 1 has no description"),
        ({"rules": [rule(5, tagged)]}, "rule priorities are not 1, 2, 3"),
        ({"rules": [rule(1, {**tagged, "countUnit": "hours"})]}, "countUnit 'hours'"),
        ({"rules": [rule(1, {"tagStatus": "any", "countType": "imageCountMoreThan",
                             "countNumber": 1}),
                    rule(2, tagged)]}, "friendly form would not write the same policy"),
    ):
        imported = import_lifecycle(policy)
        assert imported.rules is None
        assert imported.raw == documents.normalise_lifecycle_policy(policy)
        assert why in imported.notes[0], imported.notes


def test_a_rule_with_two_prefixes_is_kept_and_said_to_almost_never_fire():
    policy = {"rules": [rule(1, {"tagStatus": "tagged", "tagPrefixList": ["prod", "release"],
                                 "countType": "imageCountMoreThan", "countNumber": 15})]}
    imported = import_lifecycle(policy)
    assert imported.rules[0]["tag_prefixes"] == ["prod", "release"]
    assert "every prefix of prod, release (ECR ANDs them), so it almost never fires" in \
        imported.notes[0]


def test_presets_are_recognised_only_when_exact():
    restricted = documents.repository_policy_document("restricted", None, ACCOUNT,
                                                      PRODUCTION, CI)
    open_ = documents.repository_policy_document("open", None, ACCOUNT, None, CI)
    roles = roles_in_policies([restricted, open_], ACCOUNT)
    assert roles == Roles(PRODUCTION, CI)
    assert import_access(restricted, ACCOUNT, roles) == ({"access": "restricted"}, None)
    assert import_access(open_, ACCOUNT, roles) == ({"access": "open"}, None)
    renamed = {**restricted, "Statement": [{**s, "Sid": s["Sid"] + "X"}
                                           for s in restricted["Statement"]]}
    values, note = import_access(renamed, ACCOUNT, roles)
    assert values["access"] == "custom" and values["policy"] == documents.normalise_policy(
        renamed)
    assert "not exactly what `restricted` or `open` would write" in note


def test_no_policy_becomes_the_account_pulling_as_iam_allows():
    values, note = import_access(None, ACCOUNT, Roles(None, None))
    assert values["access"] == "custom"
    assert values["policy"]["Statement"][0]["Principal"] == {
        "AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert "had no repository policy" in note


def test_destinations_from_our_rule_and_notes_on_the_others():
    ours = {"destinations": [{"region": "us-west-2", "registryId": ACCOUNT},
                             {"region": "eu-west-1", "registryId": "999999999999"}],
            "repositoryFilters": [{"filter": "apps/", "filterType": "PREFIX_MATCH"}]}
    everything = {"destinations": [{"region": "ap-south-1", "registryId": ACCOUNT}]}
    regions, notes = destinations([ours, everything], "apps", ACCOUNT, "us-east-1")
    assert regions == ["us-west-2"]
    messages = [n.message for n in notes]
    assert "replication to eu-west-1 in account 999999999999 has no spec form" in messages[0]
    assert "rule 2 (no filter → ap-south-1 (123456789012)) is not this spec's" in messages[1]
    assert messages[1].endswith("it also replicates these repositories")


def test_names_projects_tags_and_trust():
    assert spec_names("apps", ["apps/api", "apps/team/x"]) == (["api"], ["apps/team/x"])
    assert project_from_prefix("My_Company/Apps") == "my-company-apps"
    assert project_from_prefix("ab") == "ab-ecr"
    environment, tags, notes = common_tags([
        {"Environment": "staging", "Team": "a", "Only": "here", "ecrrep:project": "p"},
        {"Environment": "staging", "Team": "a"}])
    assert (environment, tags) == ("staging", {"Team": "a"})
    assert "Only" in notes[0].message
    trust = {"Statement": [{"Principal": {"Service": "ec2.amazonaws.com"}},
                           {"Principal": {"AWS": [CI, f"arn:aws:iam::{ACCOUNT}:root"]}}]}
    assert trusted_roles(trust) == [CI]


def test_kms_keys_one_for_all_regions_or_one_per_region():
    key = "arn:aws:kms:{}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert kms_key_value({"us-east-1": key.format("x"), "us-west-2": key.format("x")}) == \
        key.format("x")
    assert kms_key_value({"us-east-1": key.format("us-east-1"), "us-west-2": None,
                          "eu-west-1": key.format("eu-west-1")}) == {
        "us-east-1": key.format("us-east-1"), "eu-west-1": key.format("eu-west-1")}


def test_a_policy_open_to_anyone_is_kept_with_allow_public_and_said():
    import pytest

    from ecrrep.importer.assemble import public_access_allowed

    if "allow_public" not in RepositorySpec.model_fields:
        pytest.skip("this build's spec has no allow_public")
    public = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": ["ecr:PutImage"]}]}
    entry = {"name": "x", "access": "custom", "policy": public}
    notes = public_access_allowed(entry)
    assert entry["allow_public"] is True and "Principal '*'" in notes[0]
    RepositorySpec.model_validate(entry)
    private = {"name": "y", "access": "custom", "policy": documents.normalise_policy({
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": CI}, "Action": "ecr:*"}]})}
    assert public_access_allowed(private) == [] and "allow_public" not in private
