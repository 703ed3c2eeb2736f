"""The repository creation template kind's pure parts (ecrrep/resources/creation_templates.py):
the desired template per region, AWS's answer in compared form, the request back, ownership,
and the diff with plain values."""

from __future__ import annotations

from dataclasses import replace

from ecrrep.engine.plan import Resource
from ecrrep.resources import all_kinds, creation_templates
from ecrrep.spec.documents import policy_text
from tests.support.kind_inputs import ACCOUNT, OPTIONS, PROJECT, TARGET, make_spec

KIND = creation_templates.KIND
PREFIX = "my-company-apps"
DESCRIPTION = f"Managed by ecrrep project {PROJECT}"
ROLE = "arn:aws:iam::123456789012:role/creator"
KEYS = {region: f"arn:aws:kms:{region}:123456789012:key/11111111-2222-3333-4444-55555555555{n}"
        for n, region in enumerate(["us-east-1", "us-west-2", "eu-west-1"])}
LIFECYCLE = [{"select": "untagged", "expire_after_days": 7}]


def spec_with(templates):
    return make_spec(lambda data: data.update(templates=templates))


def current(attrs, region="us-west-2", owned=True, owner=None) -> Resource:
    return Resource(KIND.type, region, PREFIX, attrs, owned=owned, owner=owner,
                    facts={"proof": "claim"})


def answer_for(attrs) -> dict:
    """What DescribeRepositoryCreationTemplates answers for a template written as `attrs`."""
    request = creation_templates.request_from_attrs(PREFIX, attrs)
    return {**request, "createdAt": "then", "updatedAt": "then"}


def test_without_templates_nothing_is_desired():
    assert KIND.desired(make_spec(), TARGET) == []


def test_one_template_per_destination_on_the_prefix():
    desired = KIND.desired(spec_with({}), TARGET)
    assert [(r.region, r.name) for r in desired] == [("us-west-2", PREFIX), ("eu-west-1", PREFIX)]


def test_create_on_push_adds_the_source_region():
    desired = KIND.desired(spec_with({"applied_for": ["CREATE_ON_PUSH", "REPLICATION"]}), TARGET)
    assert [r.region for r in desired] == ["us-east-1", "us-west-2", "eu-west-1"]
    assert {tuple(r.attrs["applied_for"]) for r in desired} == {("CREATE_ON_PUSH", "REPLICATION")}


def test_the_desired_document_reuses_the_repository_documents():
    (west, _) = KIND.desired(spec_with({"lifecycle": LIFECYCLE, "access": "open"}), TARGET)
    assert west.attrs["description"] == DESCRIPTION
    assert west.attrs["tag_mutability"] == "IMMUTABLE"
    assert west.attrs["tag_mutability_exclusions"] is None
    assert (west.attrs["encryption"], west.attrs["kms_key"]) == ("AES256", None)
    assert west.attrs["resource_tags"] == {}  # never the ownership tag: not our repositories
    assert west.attrs["lifecycle_policy"]["rules"][0]["selection"] == {
        "countNumber": 7, "countType": "sinceImagePushed", "countUnit": "days",
        "tagStatus": "untagged"}
    principals = {s["Sid"]: s["Principal"]["AWS"]
                  for s in west.attrs["repository_policy"]["Statement"]}
    assert principals == {"AccountPull": f"arn:aws:iam::{ACCOUNT}:root",
                          "CIPushPull": f"arn:aws:iam::{ACCOUNT}:role/{PROJECT}-ecr-ci"}


def test_each_region_gets_its_own_kms_key():
    spec = spec_with({"encryption": "KMS", "role_arn": ROLE, "kms_key": {
        region: KEYS[region] for region in ("us-west-2", "eu-west-1")}})
    desired = KIND.desired(spec, TARGET)
    assert {r.region: r.attrs["kms_key"] for r in desired} == {
        "us-west-2": KEYS["us-west-2"], "eu-west-1": KEYS["eu-west-1"]}
    assert {r.attrs["role_arn"] for r in desired} == {ROLE}


def test_a_template_written_reads_back_unchanged():
    spec = spec_with({"tag_mutability": "MUTABLE_WITH_EXCLUSION",
                      "tag_mutability_exclusions": ["release-*", "latest"],
                      "encryption": "KMS", "kms_key": {r: KEYS[r] for r in ("us-west-2",
                                                                             "eu-west-1")},
                      "role_arn": ROLE, "resource_tags": {"Team": "DevOps"},
                      "lifecycle": LIFECYCLE})
    for resource in KIND.desired(spec, TARGET):
        assert creation_templates.attrs_from_answer(answer_for(resource.attrs)) == resource.attrs


def test_aws_s_defaults_and_leftover_exclusions_are_no_drift():
    found = {"prefix": PREFIX, "appliedFor": ["REPLICATION"], "description": DESCRIPTION,
             "imageTagMutability": "IMMUTABLE", "repositoryPolicy": "", "lifecyclePolicy": "",
             # ECR ignores filters without a *_WITH_EXCLUSION mutability.
             "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "x"}]}
    attrs = creation_templates.attrs_from_answer(found)
    assert attrs == {"applied_for": ["REPLICATION"], "description": DESCRIPTION,
                     "tag_mutability": "IMMUTABLE", "tag_mutability_exclusions": None,
                     "encryption": "AES256", "kms_key": None, "role_arn": None,
                     "resource_tags": {}, "repository_policy": None, "lifecycle_policy": None}


def test_an_update_sends_every_field_so_nothing_old_stays():
    attrs = creation_templates.attrs_from_answer({"description": DESCRIPTION,
                                                  "appliedFor": ["REPLICATION"]})
    assert creation_templates.request_from_attrs(PREFIX, attrs) == {
        "prefix": PREFIX, "description": DESCRIPTION, "appliedFor": ["REPLICATION"],
        "imageTagMutability": "MUTABLE", "encryptionConfiguration": {"encryptionType": "AES256"},
        "resourceTags": [], "repositoryPolicy": "", "lifecyclePolicy": "", "customRoleArn": ""}
    policy = {"Version": "2012-10-17", "Statement": []}
    request = creation_templates.request_from_attrs(PREFIX, {**attrs, "repository_policy": policy})
    assert request["repositoryPolicy"] == policy_text(policy)


def test_ours_only_with_our_prefix_claim_and_our_description():
    owner = creation_templates.template_owner
    assert owner(PROJECT, DESCRIPTION) == PROJECT
    assert owner(None, DESCRIPTION) is None  # no claim: proves nothing
    assert owner(PROJECT, "written by hand") is None  # our prefix, another tool's template
    assert owner("team-b", "Managed by ecrrep project team-b") == "team-b"
    assert owner("team-b", DESCRIPTION) is None


def test_ours_and_unchanged_is_no_change_and_a_change_is_field_by_field():
    desired = KIND.desired(spec_with({}), TARGET)
    same = [current(dict(r.attrs), r.region) for r in desired]
    assert {c.action for c in KIND.diff(desired, same, OPTIONS)} == {"no-op"}

    changed = KIND.desired(spec_with({"tag_mutability": "MUTABLE", "lifecycle": LIFECYCLE}),
                           TARGET)
    changes = KIND.diff(changed, same, OPTIONS)
    assert {c.action for c in changes} == {"update"}
    assert {f.field for f in changes[0].fields} == {"tag_mutability", "lifecycle_policy"}


def test_another_tool_s_template_on_our_prefix_is_blocked_unless_adopted():
    desired = KIND.desired(spec_with({}), TARGET)[:1]
    theirs = current({**desired[0].attrs, "description": "written by hand"}, owned=False)
    [blocked] = KIND.diff(desired, [theirs], OPTIONS)
    assert (blocked.action, blocked.blocked) == ("no-op", (
        f"a repository creation template on {PREFIX} exists that this project did not write "
        f"(its description is not '{DESCRIPTION}'): left untouched (use --adopt to take it "
        "over)"))
    [adopted] = KIND.diff(desired, [theirs], replace(OPTIONS, adopt=True))
    assert (adopted.action, adopted.blocked) == ("update", None)
    assert [f.field for f in adopted.fields] == ["description"]


def test_destroy_deletes_only_our_templates():
    ours = current({"description": DESCRIPTION})
    theirs = current({"description": "written by hand"}, "eu-west-1", owned=False)
    changes = KIND.diff([], [ours, theirs], OPTIONS)
    assert [(c.region, c.action) for c in changes] == [("us-west-2", "delete")]


def test_the_template_is_written_before_the_replication_rule():
    order = [kind.type for kind in all_kinds()]
    assert order.index(KIND.type) < order.index("ecr_replication_rule")
    assert order.index("ownership_claim") < order.index(KIND.type)
    assert order.index("iam_role") < order.index(KIND.type)
