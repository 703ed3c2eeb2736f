"""The planning flags as a saved plan records them, and read back from it for `apply FILE`."""

from __future__ import annotations

import pytest

from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.saved_plan import SavedPlan, saved_diff_options, saved_flags
from ecrrep.workflows.plan import PlanOptions


def saved_with(options: dict) -> SavedPlan:
    return SavedPlan("changes.plan", "ecrrep.yaml", "project: p\n", options, "fp",
                     {"resource_changes": []}, "sha256:0")


@pytest.mark.parametrize("options, flags", [
    (PlanOptions(), []),
    (PlanOptions(adopt=True, force_delete_images=True), ["--adopt", "--force-delete-images"]),
    (PlanOptions(adopt_from="other"), ["--adopt-from other"]),
])
def test_saved_options_come_back_as_the_same_flags_and_diff_options(options, flags):
    saved = saved_with(options.saved())

    assert saved_flags(saved) == flags
    assert saved_diff_options(saved, "p") == options.for_project("p")


def test_a_plan_without_adopt_from_records_no_such_key():
    assert PlanOptions(adopt=True).saved() == {"adopt": True, "force_delete_images": False}
    assert PlanOptions(adopt_from="x").for_project("p") == DiffOptions("p", adopt_from="x")
