"""`ecrrep import` reads back repository creation templates (`templates:`, only the keys that
differ from the spec's defaults), archive lifecycle rules and destinations in other accounts: a
spec applied with them comes back with them, and the imported spec plans as no change. What it
cannot say exactly stays the raw policy; how ecrrep reaches another account, which the registry
does not hold, is a placeholder that `plan` refuses until it is filled in."""

from __future__ import annotations

import json

import pytest

from ecrrep.spec.documents import normalise_lifecycle_policy
from tests.e2e.test_import import changes_other_than_ownership, import_spec, plan_doc
from tests.e2e.test_other_account_destinations import (
    OTHER_ACCOUNT,
    OTHER_REGION,
    other_state,
    user_keys,
    with_destination,
    write_profile,
)
from tests.support.e2e_account import (
    DESTINATIONS,
    PREFIX,
    PRODUCTION,
    REGIONS,
    SOURCE,
    TESTING,
    inventory,
    replication_rules,
    repositories_only,
)
from tests.support.e2e_steps import apply_ok

pytestmark = pytest.mark.e2e

ROLE = "arn:aws:iam::123456789012:role/ecr-template-creator"
ARCHIVING = [
    {"select": "untagged", "expire_after_days": 2},
    {"select": "tagged", "tag_prefixes": ["v"], "archive_after_days": 30},
    {"select": "any", "archive_unpulled_days": 60},
    {"select": "any", "expire_archived_after_days": 365},
]


def edited(templates: dict | None = None, lifecycle: list | None = None,
           lifecycle_policy: dict | None = None):
    def edit(spec: dict) -> None:
        repositories_only(spec)
        if templates is not None:
            spec["templates"] = templates
        production, testing = spec["repositories"][:2]
        if lifecycle is not None:
            production["lifecycle"] = lifecycle
        if lifecycle_policy is not None:
            testing.pop("lifecycle", None)
            testing["lifecycle_policy"] = lifecycle_policy
    return edit


def templates_in(aws, region: str) -> dict[str, dict]:
    found = aws.client("ecr", region).describe_repository_creation_templates()
    return {t["prefix"]: t for t in found["repositoryCreationTemplates"]}


def round_trips(cli) -> None:
    """The imported spec changes nothing but ownership, and once applied plans no change."""
    assert changes_other_than_ownership(plan_doc(cli, "-c", "B.yaml", "--adopt")) == []
    apply_ok(cli, "-c", "B.yaml")
    again = cli("plan", "-c", "B.yaml", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_template_comes_back_with_only_what_differs_from_the_defaults(cli, aws, write_spec):
    templates = {
        "applied_for": ["REPLICATION", "CREATE_ON_PUSH"],
        "tag_mutability": "MUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": ["release-*"],
        "role_arn": ROLE, "resource_tags": {"Team": "DevOps"}, "access": "open",
        "lifecycle": ARCHIVING[1:],
    }
    write_spec(edit=edited(templates))
    apply_ok(cli)
    for region in REGIONS:
        template = templates_in(aws, region)[PREFIX]
        assert sorted(template["appliedFor"]) == ["CREATE_ON_PUSH", "REPLICATION"]
        assert template["imageTagMutability"] == "MUTABLE_WITH_EXCLUSION"
        assert template["customRoleArn"] == ROLE

    _, spec = import_spec(cli)

    assert spec["templates"] == templates
    round_trips(cli)
    assert templates_in(aws, SOURCE)[PREFIX]["resourceTags"] == [
        {"Key": "Team", "Value": "DevOps"}]


def test_default_templates_come_back_as_an_empty_block(cli, aws, write_spec):
    write_spec(edit=edited({}))
    apply_ok(cli)
    assert templates_in(aws, SOURCE) == {}
    assert all(PREFIX in templates_in(aws, region) for region in DESTINATIONS)

    text, spec = import_spec(cli)

    assert spec["templates"] == {} and "templates: {}" in text
    round_trips(cli)


def test_a_template_s_keys_per_region_come_back_as_a_mapping(cli, aws, write_spec):
    keys = {region: aws.client("kms", region).create_key()["KeyMetadata"]["Arn"]
            for region in DESTINATIONS}
    templates = {"encryption": "KMS", "kms_key": keys, "role_arn": ROLE}
    write_spec(edit=edited(templates))
    apply_ok(cli)
    for region in DESTINATIONS:
        assert templates_in(aws, region)[PREFIX]["encryptionConfiguration"] == {
            "encryptionType": "KMS", "kmsKey": keys[region]}

    _, spec = import_spec(cli)

    assert spec["templates"] == templates
    round_trips(cli)


def test_without_a_template_the_import_writes_no_block(cli, aws, write_spec):
    write_spec(edit=edited())
    apply_ok(cli)

    text, spec = import_spec(cli)

    assert "templates" not in spec and "templates" not in text


def test_archive_rules_come_back_as_friendly_rules(cli, aws, write_spec):
    write_spec(edit=edited(lifecycle=ARCHIVING))
    apply_ok(cli)
    text = aws.client("ecr", SOURCE).get_lifecycle_policy(
        repositoryName=PRODUCTION)["lifecyclePolicyText"]
    actions = [r["action"] for r in normalise_lifecycle_policy(text)["rules"]]
    assert actions[1] == {"type": "transition", "targetStorageClass": "archive"}

    _, spec = import_spec(cli)

    production = spec["repositories"][0]
    assert production["lifecycle"] == ARCHIVING and "lifecycle_policy" not in production
    round_trips(cli)


def test_an_archive_policy_the_rules_cannot_say_exactly_stays_raw(cli, aws, write_spec):
    # Priorities 10 and 20: the friendly rules number theirs 1, 2.
    policy = {"rules": [
        {"rulePriority": 10, "description": "Archive after a month",
         "selection": {"tagStatus": "any", "countType": "sinceImagePushed",
                       "countUnit": "days", "countNumber": 30},
         "action": {"type": "transition", "targetStorageClass": "archive"}},
        {"rulePriority": 20, "description": "Expire archived after a year",
         "selection": {"tagStatus": "any", "storageClass": "archive",
                       "countType": "sinceImageTransitioned", "countUnit": "days",
                       "countNumber": 365},
         "action": {"type": "expire"}}]}
    write_spec(edit=edited(lifecycle_policy=policy))
    apply_ok(cli)
    held = aws.client("ecr", SOURCE).get_lifecycle_policy(repositoryName=TESTING)
    assert normalise_lifecycle_policy(held["lifecyclePolicyText"]) == \
        normalise_lifecycle_policy(policy)

    text, spec = import_spec(cli)

    testing = spec["repositories"][1]
    assert "lifecycle" not in testing
    assert testing["lifecycle_policy"] == normalise_lifecycle_policy(policy)
    assert "lifecycle kept as the raw policy: rule priorities are not 1, 2, 3" in text
    round_trips(cli)


def test_a_template_written_by_hand_is_imported_and_adopted(cli, aws, write_spec):
    write_spec(edit=edited())
    apply_ok(cli)
    for region in DESTINATIONS:
        aws.client("ecr", region).create_repository_creation_template(
            prefix=PREFIX, appliedFor=["REPLICATION"], imageTagMutability="MUTABLE",
            description="written by hand")

    text, spec = import_spec(cli)

    # ecrrep always gives a template a repository policy: the one a missing policy means.
    assert spec["templates"]["tag_mutability"] == "MUTABLE"
    assert spec["templates"]["access"] == "custom"
    assert "# the template: had no repository policy" in text
    adopted = cli("apply", "-c", "B.yaml", "--adopt", "--auto-approve")
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    for region in DESTINATIONS:
        template = templates_in(aws, region)[PREFIX]
        assert template["description"] == "Managed by ecrrep project container-registry-replication"
        assert template["imageTagMutability"] == "MUTABLE"
    again = cli("plan", "-c", "B.yaml", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr


def test_a_destination_in_another_account_comes_back_for_the_user_to_say_how_to_reach_it(
        cli, aws, write_spec, tmp_path):
    keys = user_keys(aws, OTHER_ACCOUNT)
    env = write_profile(tmp_path, "prod-eu", keys)

    def narrowed(spec: dict) -> None:
        with_destination(profile="prod-eu")(spec)
        spec["repositories"][0]["replicate_to"] = ["eu-west-1"]  # a rule naming it

    write_spec(edit=narrowed)
    applied = cli("apply", "--auto-approve", env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    there = {"region": OTHER_REGION, "registryId": OTHER_ACCOUNT}
    rules = replication_rules(aws)
    assert len(rules) == 2 and all(there in rule["destinations"] for rule in rules)

    text, spec = import_spec(cli)  # reads nothing in the other account: no profile needed

    assert sorted(spec["destination_regions"]) == sorted(DESTINATIONS)
    assert spec["repositories"][0]["replicate_to"] == ["eu-west-1"]
    assert spec["destinations"] == [
        {"region": OTHER_REGION, "account_id": OTHER_ACCOUNT, "profile": None}]
    assert "FILL IN a profile" in text and "in place of `profile: null`" in text
    assert "\n  account_id: '222222222222'\n  profile: null\n" in text
    before, before_there = inventory(aws), other_state(aws, keys)

    refused = cli("plan", "-c", "B.yaml", env=env)

    assert refused.returncode == 1
    line = text.splitlines().index("- region: eu-central-1") + 1
    assert (f"B.yaml:{line}: destinations[0]: give exactly one of profile or role_arn "
            "(got neither)") in refused.stderr
    assert "nothing was sent to AWS" in refused.stderr
    assert (inventory(aws), other_state(aws, keys)) == (before, before_there)

    filled = cli.workdir / "B.yaml"
    filled.write_text(text.replace("\n  profile: null\n", "\n  profile: prod-eu\n"))
    planned = cli("plan", "--json", "-c", "B.yaml", "--adopt", env=env)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert changes_other_than_ownership(json.loads(planned.stdout)) == []
    applied = cli("apply", "--auto-approve", "-c", "B.yaml", env=env)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = cli("plan", "-c", "B.yaml", "--detailed-exitcode", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert all(there in rule["destinations"] for rule in replication_rules(aws))
