"""The spec's YAML nodes come from libyaml when PyYAML has it, composed without recursion, and
from the pure-Python loader otherwise: the same data and the same lines either way, and every
error worded (and placed) as the pure-Python loader words it."""

from __future__ import annotations

import pytest
import yaml

from ecrrep.spec import loader, yaml_nodes
from ecrrep.spec.loader import MAX_DEPTH, SpecError, load_spec_text
from tests.support.specs import EXAMPLE_SPEC

needs_libyaml = pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")

TEXTS = {
    "example": EXAMPLE_SPEC.read_text(),
    "anchors and merges": (
        "base: &base {tag_mutability: MUTABLE, scan_on_push: false}\n"
        "repositories:\n"
        "  - <<: *base\n    name: a\n"
        "  - <<: [*base, {access: open}]\n    name: b\n"
        "list: &l [1, 2.5, true, null, ~, 0x1F, 2024-01-02, '3', \"x\\ty\"]\n"
        "again: *l\n"
    ),
    "block scalars and folding": (
        "a: |\n  one\n  two\n"
        "b: >-\n  folded\n  text\n"
        "c: plain\n  continued\n"
        "? complex\n: value\n"
        "on: yes\n"
        "'123': 1\n"
    ),
}


def data_and_lines(text: str) -> tuple[object, dict]:
    document = loader._Document("spec.yaml")
    return document.parse(text), document.lines


@needs_libyaml
@pytest.mark.parametrize("name", list(TEXTS))
def test_the_fast_path_builds_what_the_pure_loader_builds(name, monkeypatch):
    text = TEXTS[name]
    fast = data_and_lines(text)
    assert yaml_nodes._fast_single_node(text, MAX_DEPTH) is not None  # it took the fast path

    monkeypatch.setattr(yaml_nodes, "_FAST_LOADER", None)
    assert data_and_lines(text) == fast


def diagnostics(text: str) -> list[str]:
    with pytest.raises(SpecError) as raised:
        load_spec_text(text, "spec.yaml")
    return [str(d) for d in raised.value.diagnostics]


@needs_libyaml
@pytest.mark.parametrize("text", [
    "project: [unclosed\n",
    "a: 1\n a: 2\n",
    "a: *nowhere\n",
    "a: &x 1\nb: &x 2\n",
    "a: 1\n---\nb: 2\n",
    "a: \x07\n",
    "a:\n\t- b\n",
    "",
    "[" * 200_000,  # libyaml's own composer would crash here, deep in the C stack
    "- " * 150 + "x\n",
    "a: &a [*a]\n",
], ids=["unclosed", "bad-indent", "undefined-alias", "repeated-anchor", "two-documents",
        "control-character", "tab", "empty", "deep-flow", "deep-block", "recursive-anchor"])
def test_errors_read_exactly_as_the_pure_loader_gives_them(text, monkeypatch):
    fast = diagnostics(text)

    monkeypatch.setattr(yaml_nodes, "_FAST_LOADER", None)
    assert diagnostics(text) == fast
