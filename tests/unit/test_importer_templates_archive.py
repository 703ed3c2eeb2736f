"""What `import` reads back of repository creation templates, archive lifecycle rules and
destinations in other accounts, pure: the `templates:` block with only what differs from the
spec's defaults (or left out, with the reason), archive rules as friendly rules only where they
write exactly the same policy, and `destinations:` with a placeholder the user fills in."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from ecrrep.engine.plan import Resource
from ecrrep.importer.assemble import spec_dict
from ecrrep.importer.lifecycle import import_lifecycle
from ecrrep.importer.read import with_stand_in_access
from ecrrep.importer.replication import destinations, other_accounts
from ecrrep.importer.yaml_text import spec_yaml
from ecrrep.resources.creation_templates import attrs_from_answer, request_from_attrs
from ecrrep.spec import documents
from ecrrep.spec.models import RepositorySpec, Spec
from tests.unit.test_importer_assemble import ACCOUNT, CI, PROD, registry

KIND = "ecr_repository_creation_template"
TRANSITION = {"type": "transition", "targetStorageClass": "archive"}
ARCHIVING = [
    {"select": "tagged", "tag_patterns": ["v*"], "archive_after_days": 30},
    {"select": "any", "archive_unpulled_days": 60},
    {"select": "untagged", "expire_archived_after_days": 90},
    {"select": "any", "expire_archived_after_days": 365},
]


def archive_rule(priority: int, selection: dict, action: dict | None = None) -> dict:
    return {"rulePriority": priority, "description": "d", "action": action or TRANSITION,
            "selection": {"tagStatus": "any", "countUnit": "days", **selection}}


def test_archive_rules_ecrrep_wrote_come_back_as_the_same_friendly_rules():
    written = documents.lifecycle_policy_document(RepositorySpec(name="x", lifecycle=ARCHIVING))
    imported = import_lifecycle(written)
    assert imported.rules == ARCHIVING and imported.notes == []
    described = [{**r, "description": "mine"} for r in ARCHIVING]
    again = documents.lifecycle_policy_document(RepositorySpec(name="x", lifecycle=described))
    assert import_lifecycle(again).rules == described


def test_archive_rules_the_spec_cannot_say_exactly_stay_raw():
    expire_archived = {"type": "expire"}
    for rules, why in (
        # ECR's archive rules only expire archived images, by days since their transition.
        ([archive_rule(1, {"storageClass": "archive", "countType": "sinceImagePushed",
                           "countNumber": 100}, expire_archived)],
         "countType 'sinceImagePushed' with countUnit 'days' on storageClass 'archive'"),
        ([archive_rule(1, {"countType": "imageCountMoreThan", "countNumber": 5})],
         "countType 'imageCountMoreThan'"),
        ([archive_rule(1, {"countType": "sinceImagePulled", "countNumber": 5,
                           "countUnit": "hours"})], "countUnit 'hours'"),
        ([archive_rule(1, {"countType": "sinceImagePushed", "countNumber": 5},
                       {"type": "transition", "targetStorageClass": "glacier"})],
         "action 'transition' to 'glacier'"),
        # Under ECR's 90-day minimum: no friendly rule takes it.
        ([archive_rule(1, {"storageClass": "archive", "countType": "sinceImageTransitioned",
                           "countNumber": 30}, expire_archived)],
         "its friendly form would not write the same policy"),
        # Two `any` rules on standard images: the spec wants the `any` one last.
        ([archive_rule(1, {"countType": "sinceImagePulled", "countNumber": 5}),
          archive_rule(2, {"tagStatus": "tagged", "tagPrefixList": ["v"],
                           "countType": "sinceImagePushed", "countNumber": 9})],
         "its friendly form would not write the same policy"),
    ):
        policy = {"rules": rules}
        imported = import_lifecycle(policy)
        assert imported.rules is None, rules
        assert imported.raw == documents.normalise_lifecycle_policy(policy)
        assert why in imported.notes[0], imported.notes


def template(region: str, owner: str | None = None, owned: bool = True, **answer) -> Resource:
    """The template as the kind reads it: ECR's answer in compared form."""
    found = {"prefix": "apps", "appliedFor": ["REPLICATION"], "imageTagMutability": "IMMUTABLE",
             "description": "Managed by ecrrep project apps", **answer}
    return Resource(KIND, region, "apps", attrs_from_answer(found), owned=owned, owner=owner)


def restricted_policy() -> str:
    return documents.policy_text(
        documents.repository_policy_document("restricted", None, ACCOUNT, PROD, CI))


def with_templates(*templates: Resource):
    found = registry(1)
    found.resources += list(templates)
    return found


def test_a_template_written_from_the_defaults_is_an_empty_block():
    spec, notes = spec_dict(with_templates(template("us-west-2",
                                                    repositoryPolicy=restricted_policy())))
    assert spec["templates"] == {} and notes == [n for n in notes if n.where != "templates"]
    assert list(spec)[-1] == "templates"
    Spec.model_validate(spec)


def test_a_template_s_settings_come_back_where_they_differ_from_the_defaults():
    lifecycle = documents.lifecycle_policy_document(RepositorySpec(name="x", lifecycle=ARCHIVING))
    answer = {
        "appliedFor": ["CREATE_ON_PUSH", "REPLICATION"],
        "imageTagMutability": "MUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "rc-*"}],
        "customRoleArn": PROD, "resourceTags": [{"Key": "Team", "Value": "a"}],
        "repositoryPolicy": restricted_policy(),
        "lifecyclePolicy": documents.policy_text(lifecycle)}
    spec, _ = spec_dict(with_templates(template("us-east-1", **answer),
                                       template("us-west-2", **answer)))
    assert spec["templates"] == {
        "applied_for": ["REPLICATION", "CREATE_ON_PUSH"],
        "tag_mutability": "MUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": ["rc-*"],
        "role_arn": PROD, "resource_tags": {"Team": "a"}, "lifecycle": ARCHIVING}
    Spec.model_validate(spec)


def test_kms_keys_come_back_as_one_multi_region_key_or_a_mapping():
    mrk = "arn:aws:kms:{}:123456789012:key/mrk-" + "0123456789abcdef" * 2
    single = "arn:aws:kms:{}:123456789012:key/" + "1" * 36
    regions = ("us-east-1", "us-west-2")
    both = {"applied_for": ["REPLICATION", "CREATE_ON_PUSH"]}
    for keys, expected in (({r: mrk.format(r) for r in regions}, mrk.format("us-east-1")),
                           ({r: single.format(r) for r in regions},
                            {r: single.format(r) for r in regions})):
        found = [template(region, customRoleArn=PROD, repositoryPolicy=restricted_policy(),
                          appliedFor=["REPLICATION", "CREATE_ON_PUSH"],
                          encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key})
                 for region, key in keys.items()]
        spec, _ = spec_dict(with_templates(*found))
        assert spec["templates"] == {**both, "encryption": "KMS", "kms_key": expected,
                                     "role_arn": PROD}
        Spec.model_validate(spec)


def test_a_template_without_a_policy_gets_the_account_pull_policy_and_says_so():
    spec, notes = spec_dict(with_templates(template("us-west-2")))
    assert spec["templates"]["access"] == "custom"
    (note,) = [n.message for n in notes if n.where == "templates"]
    assert note.startswith("the template: had no repository policy")


def test_another_project_s_template_or_one_the_spec_cannot_hold_is_left_out():
    theirs = template("us-west-2", owner="other", owned=False)
    spec, notes = spec_dict(with_templates(theirs))
    assert "templates" not in spec
    assert [n.message for n in notes if n.where == "templates"] == [
        "the repository creation template on the prefix is ecrrep project 'other''s: left "
        "out, and left as it is"]
    # The spec refuses ecrrep:project among the tags ECR puts on the repositories it creates.
    tagged = template("us-west-2", owned=False, repositoryPolicy=restricted_policy(),
                      customRoleArn=PROD,
                      resourceTags=[{"Key": "ecrrep:project", "Value": "apps"}])
    spec, notes = spec_dict(with_templates(tagged))
    assert "templates" not in spec
    (note,) = [n.message for n in notes if n.where == "templates"]
    assert note.startswith("the repository creation template on the prefix has no spec form")
    assert "ecrrep:project cannot be set here" in note
    text = spec_yaml(spec, notes)
    assert "# templates: the repository creation template on the prefix has no spec form" in text
    assert yaml.safe_load(text) == spec


def test_the_block_writes_back_the_template_it_was_read_from():
    """What apply would send for the imported block is the template read, field for field."""
    from ecrrep.resources.base import Target
    from ecrrep.resources.creation_templates import desired_attrs

    answer = {"appliedFor": ["REPLICATION"], "imageTagMutability": "MUTABLE",
              "repositoryPolicy": restricted_policy(), "customRoleArn": PROD,
              "resourceTags": [{"Key": "Team", "Value": "a"}]}
    read = template("us-west-2", **answer)
    spec, _ = spec_dict(with_templates(read))
    written = desired_attrs(Spec.model_validate(spec), Target(ACCOUNT), "us-west-2")
    assert request_from_attrs("apps", written) == request_from_attrs("apps", read.attrs)


def prefix_rule(*destinations: tuple[str, str], filters: tuple[str, ...] = ("apps/",)) -> dict:
    return {"destinations": [{"region": r, "registryId": a} for r, a in destinations],
            "repositoryFilters": [{"filter": f, "filterType": "PREFIX_MATCH"} for f in filters]}


def test_destinations_in_other_accounts_that_every_rule_of_ours_has_are_the_spec_s():
    other = ("eu-central-1", "222222222222")
    rules = [prefix_rule(("us-west-2", ACCOUNT), other),
             prefix_rule(("us-west-2", ACCOUNT), ("ap-south-1", ACCOUNT), other,
                         filters=("apps/web",))]
    assert other_accounts(rules, "apps", ACCOUNT) == [other]
    regions, notes = destinations(rules, "apps", ACCOUNT, "us-east-1")
    assert regions == ["us-west-2", "ap-south-1"]
    (note,) = notes
    assert note.where == "destinations"
    assert note.message.startswith("replication to eu-central-1 in account 222222222222 has "
                                   "no spec form until its entry below says how ecrrep reaches")
    # One rule of ours without it: the spec cannot say that (its destinations get every
    # repository), so it is noted, not listed.
    rules[1]["destinations"].pop()
    assert other_accounts(rules, "apps", ACCOUNT) == []
    _, notes = destinations(rules, "apps", ACCOUNT, "us-east-1")
    assert [n.message for n in notes] == [
        "replication to eu-central-1 in account 222222222222 has no spec form (not every rule "
        "of the prefix sends there, and a spec's `destinations` get every repository)"]


def test_a_destination_in_another_account_is_written_with_a_placeholder_plan_refuses():
    found = registry(1)
    found.other_accounts = [("eu-central-1", "222222222222")]
    spec, _ = spec_dict(found)
    assert spec["destinations"] == [
        {"region": "eu-central-1", "account_id": "222222222222", "profile": None}]
    assert list(spec).index("destinations") == list(spec).index("destination_regions") + 1
    assert "\n  account_id: '222222222222'\n  profile: null\n" in spec_yaml(spec, [])
    with pytest.raises(ValidationError, match=r"destinations\[0\]: give exactly one of "
                                               r"profile or role_arn \(got neither\)"):
        Spec.model_validate(spec)
    # The stand-in the import plans with is never written.
    assert Spec.model_validate(with_stand_in_access(spec)).destinations[0].profile
    assert spec["destinations"][0]["profile"] is None
    assert "destinations" not in spec_dict(registry(1))[0]
