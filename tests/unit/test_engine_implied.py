"""A plan that deletes a repository drops the deletions of the policies that go with it."""

from ecrrep.engine.implied import without_implied_deletions
from ecrrep.engine.plan import Change

DELETED_WITH = {"ecr_lifecycle_policy": "ecr_repository",
                "ecr_repository_policy": "ecr_repository"}


def _delete(type_: str, name: str = "apps/web", region: str = "us-east-1",
            blocked: str | None = None) -> Change:
    return Change(type_, region, name, "delete", {"x": 1}, None, blocked=blocked)


def test_the_policies_of_a_deleted_repository_go_with_it():
    repository = _delete("ecr_repository")
    changes = [_delete("ecr_lifecycle_policy"), _delete("ecr_repository_policy"), repository]
    assert without_implied_deletions(changes, DELETED_WITH) == [repository]
    assert repository.notes == ["its lifecycle policy goes with it",
                                "its repository policy goes with it"]


def test_a_policy_is_deleted_on_its_own_when_its_repository_stays():
    changes = [_delete("ecr_lifecycle_policy"), _delete("ecr_repository", name="apps/api"),
               _delete("ecr_lifecycle_policy", region="eu-west-1")]
    assert without_implied_deletions(changes, DELETED_WITH) == changes


def test_a_blocked_repository_deletion_takes_nothing_along():
    changes = [_delete("ecr_lifecycle_policy"),
               _delete("ecr_repository", blocked="holds 3 images")]
    assert without_implied_deletions(changes, DELETED_WITH) == changes
    assert changes[1].notes == []
