"""The registry's order (`ecrrep.resources.all_kinds`) against what each kind declares it needs
before it (`depends_on`), as stacker's plan graph checks a stack's requirements: apply creates
in this order and deletes in reverse, so a kind listed before what it needs would be created
first and deleted last."""

from __future__ import annotations

import pytest

from ecrrep.resources import all_kinds
from ecrrep.resources.base import ResourceKind


def order_violations(kinds: list[ResourceKind]) -> list[str]:
    """Each declaration the order breaks: a dependency unknown, or listed after its kind."""
    position = {kind.type: index for index, kind in enumerate(kinds)}
    found = []
    for index, kind in enumerate(kinds):
        for needed in kind.depends_on:
            if needed not in position:
                found.append(f"{kind.type} depends on {needed}, which is no registered kind")
            elif position[needed] >= index:
                found.append(f"{kind.type} depends on {needed}, which comes after it")
    return found


def test_the_registry_order_satisfies_every_declared_dependency():
    assert order_violations(all_kinds()) == []


def test_kinds_are_registered_once_each():
    types = [kind.type for kind in all_kinds()]
    assert len(types) == len(set(types))


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda kind: kind.type)
def test_a_kind_never_depends_on_itself(kind):
    assert kind.type not in kind.depends_on


def test_the_check_sees_a_kind_before_what_it_needs():
    kinds = {kind.type: kind for kind in all_kinds()}
    swapped = [kinds["ownership_claim"], kinds["ecr_repository_policy"], kinds["iam_role"],
               kinds["ecr_repository"]]
    assert order_violations(swapped) == [
        "ecr_repository_policy depends on ecr_repository, which comes after it",
        "ecr_repository_policy depends on iam_role, which comes after it",
    ]


def test_the_check_sees_a_dependency_on_an_unregistered_kind():
    kinds = {kind.type: kind for kind in all_kinds()}
    assert order_violations([kinds["sns_subscription"]]) == [
        "sns_subscription depends on sns_topic, which is no registered kind"]


@pytest.mark.parametrize("kind", all_kinds(), ids=lambda kind: kind.type)
def test_class_names_follow_the_type(kind):
    """One naming scheme: the class is the type in CamelCase, then `Kind`."""
    expected = "".join(part.capitalize() for part in kind.type.split("_")) + "Kind"
    assert type(kind).__name__ == expected
