"""The generic diff, with plain values."""

from __future__ import annotations

from ecrrep.aws.tagging import tag_changes
from ecrrep.engine.diff import DiffOptions, DiffRules, diff_resources, field_changes
from ecrrep.engine.plan import Plan, Resource

OPTIONS = DiffOptions(project="proj")


def repo(name="apps/a", owned=True, **attrs):
    base = {"tag_mutability": "IMMUTABLE", "scan_on_push": True, "encryption": "AES256",
            "tags": {"ecrrep:project": "proj"}}
    base.update(attrs)
    return Resource("ecr_repository", "us-east-1", name, base, owned=owned)


def test_identical_is_no_op():
    changes = diff_resources([repo()], [repo()], OPTIONS)
    assert [c.action for c in changes] == ["no-op"]
    assert not Plan(changes).has_changes


def test_missing_is_create_and_extra_owned_is_delete():
    changes = diff_resources([repo("apps/a")], [repo("apps/b")], OPTIONS)
    assert [(c.name, c.action) for c in changes] == [("apps/a", "create"), ("apps/b", "delete")]
    assert Plan(changes).summary_line() == "Plan: 1 to add, 0 to change, 1 to destroy."


def test_extra_unowned_is_left_alone():
    changes = diff_resources([], [repo("apps/theirs", owned=False)], OPTIONS)
    assert changes == []


def test_update_lists_only_changed_fields():
    changes = diff_resources([repo(tag_mutability="MUTABLE")], [repo()], OPTIONS)
    (change,) = changes
    assert change.action == "update"
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("tag_mutability", "IMMUTABLE", "MUTABLE")]


def test_unowned_same_name_is_a_conflict_that_blocks_unless_adopted():
    (change,) = diff_resources([repo()], [repo(owned=False, tags={})], OPTIONS)
    assert change.action == "no-op"
    assert "ownership tag ecrrep:project=proj" in change.blocked
    assert "--adopt" in change.blocked
    (adopted,) = diff_resources([repo()], [repo(owned=False, tags={})],
                                DiffOptions("proj", adopt=True))
    assert adopted.action == "update" and adopted.blocked is None
    assert [f.field for f in adopted.fields] == ["tags"]


def test_immutable_field_change_is_blocked_not_replaced():
    rules = DiffRules(immutable_fields=frozenset({"encryption"}))
    (change,) = diff_resources([repo(encryption="KMS")], [repo()], OPTIONS, rules)
    assert change.action == "update"
    assert "encryption cannot change in place (AES256 → KMS)" in change.blocked


def test_delete_blocker_from_kind():
    def blocker(resource, options):
        return None if options.force_delete_images else "holds images"

    rules = DiffRules(delete_blocker=blocker)
    (change,) = diff_resources([], [repo()], OPTIONS, rules)
    assert change.blocked == "holds images"
    (forced,) = diff_resources([], [repo()], DiffOptions("proj", force_delete_images=True), rules)
    assert forced.blocked is None


def test_kept_unowned_resources_are_reported_when_the_kind_asks():
    rules = DiffRules(reports_kept=True)
    (change,) = diff_resources([], [repo("other", owned=False)], OPTIONS, rules)
    assert change.kept and change.action == "no-op"


def test_field_changes_compare_documents_by_value_not_identity():
    before = {"policy": {"b": [1], "a": 2}}
    after = {"policy": {"a": 2, "b": [1]}}
    assert field_changes(before, after) == []


def test_tag_changes_set_and_remove_but_never_aws_tags():
    to_set, to_remove = tag_changes(
        {"keep": "1", "old": "x", "change": "a", "aws:cloudformation:stack": "s"},
        {"keep": "1", "change": "b", "new": "n"},
    )
    assert to_set == {"change": "b", "new": "n"}
    assert to_remove == ["old"]


def test_plan_json_has_terraform_shape():
    changes = diff_resources([repo(tag_mutability="MUTABLE")], [repo()], OPTIONS)
    doc = Plan(changes).to_json()
    assert doc["format_version"] == "1.0"
    (entry,) = doc["resource_changes"]
    assert entry["address"] == "ecr_repository.us-east-1.apps/a"
    assert entry["change"]["actions"] == ["update"]
    assert entry["change"]["before"]["tag_mutability"] == "IMMUTABLE"
    assert entry["change"]["after"]["tag_mutability"] == "MUTABLE"
    assert doc["summary"] == {"add": 0, "change": 1, "destroy": 0}


# -- ownership in three states ---------------------------------------------------------------


def theirs(project="alpha"):
    return repo(owned=False, tags={"ecrrep:project": project})


def test_another_projects_resource_is_named_and_adopt_never_takes_it():
    for options in (OPTIONS, DiffOptions("proj", adopt=True)):
        (change,) = diff_resources([repo()], [theirs()], options)
        assert change.action == "no-op"
        assert change.blocked == (
            "owned by ecrrep project 'alpha': left untouched (--adopt never takes another "
            "project's resources; --adopt-from alpha transfers it)")


def test_adopt_from_transfers_only_from_the_project_it_names():
    (moved,) = diff_resources([repo()], [theirs()], DiffOptions("proj", adopt_from="alpha"))
    assert moved.action == "update" and moved.blocked is None
    assert moved.notes == ["transferred from project alpha"]
    assert moved.facts["takeover"] is True
    (other,) = diff_resources([repo()], [theirs("beta")], DiffOptions("proj", adopt_from="alpha"))
    assert "owned by ecrrep project 'beta'" in other.blocked


def test_unowned_is_named_as_such_and_adopt_is_noted():
    (change,) = diff_resources([repo()], [repo(owned=False, tags={})], OPTIONS)
    assert change.blocked == ("exists without the ownership tag ecrrep:project=proj (unowned): "
                              "left untouched (use --adopt to take it over)")
    (adopted,) = diff_resources([repo()], [repo(owned=False, tags={})],
                                DiffOptions("proj", adopt=True))
    assert adopted.notes == ["adopted: takes over a resource that had no ownership tag"]


def test_another_projects_resource_is_never_deleted_and_kept_with_its_owner():
    assert diff_resources([], [theirs()], OPTIONS) == []
    (kept,) = diff_resources([], [theirs()], OPTIONS, DiffRules(reports_kept=True))
    assert kept.kept and kept.notes == ["owned by ecrrep project 'alpha'"]
