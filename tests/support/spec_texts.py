"""The smallest valid spec as text, and the loader's answer to it, shared by the spec tests."""

from __future__ import annotations

import pytest

from ecrrep.spec.loader import LoadedSpec, SpecError, load_spec_text

# Lines 1..7; tests append repository keys (4 spaces) or top-level keys from line 8 on.
BASE = """\
version: 1
project: demo-project
source_region: us-east-1
destination_regions: [us-west-2]
repository_prefix: apps
repositories:
  - name: web
"""


def load(text: str) -> LoadedSpec:
    return load_spec_text(text, "spec.yaml")


def errors(text: str) -> list[tuple[int, str, str]]:
    """Every diagnostic of a spec that must fail, as (line, path, message)."""
    with pytest.raises(SpecError) as caught:
        load(text)
    return [(d.line, d.path, d.message) for d in caught.value.diagnostics]


def warnings(text: str) -> list[tuple[int, str, str]]:
    return [(d.line, d.path, d.message) for d in load(text).warnings]


def error(text: str) -> tuple[int, str, str]:
    """The one diagnostic of a spec that must fail."""
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def base_with(old: str, new: str) -> str:
    """BASE with one of its texts replaced."""
    assert old in BASE
    return BASE.replace(old, new)
