"""Reading spec files: YAML lines, file problems, diagnostics, the example and the schema."""

from __future__ import annotations

import json
import os
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecrrep.spec import loader as spec_loader
from ecrrep.spec.loader import (
    Diagnostic,
    LoadedSpec,
    SpecError,
    json_schema,
    load_spec,
    load_spec_text,
)
from ecrrep.spec.models import (
    CleanupSpec,
    IamSpec,
    LifecycleRuleSpec,
    MonitoringSpec,
    NotificationsSpec,
    RepositorySpec,
    Spec,
)
from tests.support.spec_texts import BASE

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "ecrrep" / "examples" / "config.example.yaml"



def diagnostics(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec_text(text, "spec.yaml")
    return [str(d) for d in caught.value.diagnostics]


def file_problem(path: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    return [str(d) for d in caught.value.diagnostics]


# -- diagnostics --------------------------------------------------------------------------------


def test_diagnostic_formats():
    assert str(Diagnostic("a.yaml", 3, "project", "required")) == "a.yaml:3: project: required"
    warning = Diagnostic("a.yaml", 9, "x[0].y", "careful", "warning")
    assert str(warning) == "a.yaml:9: x[0].y: warning: careful"
    assert str(Diagnostic("a.yaml", 0, "(root)", "no such file")) == "a.yaml: no such file"


def test_spec_error_sorts_by_line_and_joins_lines():
    late = Diagnostic("a.yaml", 9, "b", "two")
    early = Diagnostic("a.yaml", 2, "a", "one")
    error = SpecError([late, early])
    assert error.diagnostics == [early, late]
    assert str(error) == "a.yaml:2: a: one\na.yaml:9: b: two"


# -- YAML ---------------------------------------------------------------------------------------


def test_loads_and_keeps_path_and_text():
    loaded = load_spec_text(BASE, "spec.yaml")
    assert isinstance(loaded, LoadedSpec)
    assert (loaded.path, loaded.text, loaded.warnings) == ("spec.yaml", BASE, [])
    assert loaded.spec.project == "demo-project"


def test_yaml_syntax_error_has_its_line():
    assert diagnostics(BASE + "tags: {a: 1\nproject: x\n") == [
        "spec.yaml:9: (root): invalid YAML: expected ',' or '}', but got ':' "
        "(while parsing a flow mapping)"
    ]


def test_bad_indentation_is_a_syntax_error():
    assert diagnostics("project: demo\n  source_region: x\n") == [
        "spec.yaml:2: (root): invalid YAML: mapping values are not allowed here"
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_spec(text: str):
    assert diagnostics(text) == ["spec.yaml:1: (root): the spec is empty; see config.example.yaml"]


@pytest.mark.parametrize(
    ("text", "what"),
    [("- a\n- b\n", "a list"), ("hello\n", "a string"), ("42\n", "a number"),
     ("true\n", "true or false"), ("~\n", "an empty value")],
)
def test_top_level_must_be_a_mapping(text: str, what: str):
    assert diagnostics(text) == [
        f"spec.yaml:1: (root): must be a mapping of keys such as project, not {what}; this "
        "does not look like an ecrrep spec, so nothing in it is shown"
    ]


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize("text", [
    f"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY={SECRET}\n",
    f"export AWS_SECRET_ACCESS_KEY={SECRET}\n",
    f"# credentials\nAWS_SECRET_ACCESS_KEY: {SECRET}\naws_session_token: {SECRET}\n",
    f"PASSWORD={SECRET}: x\n",
    f"AWS_SECRET_ACCESS_KEY: {SECRET}\nAWS_SECRET_ACCESS_KEY: {SECRET}\n",
])
def test_a_file_that_is_not_a_spec_is_one_line_that_quotes_nothing_of_it(text: str):
    """`-c .env` by mistake: say what is wrong, never what the file holds."""
    [line] = diagnostics(text)
    assert SECRET not in line and "AKIA" not in line and "SECRET" not in line
    assert line.endswith("this does not look like an ecrrep spec, so nothing in it is shown")


def test_a_mapping_without_any_spec_key_is_not_a_spec():
    assert diagnostics("services: {web: {image: nginx}}\n") == [
        "spec.yaml:1: (root): has none of the spec's keys (project, source_region, "
        "repositories, ...); this does not look like an ecrrep spec, so nothing in it is shown"
    ]


def test_several_documents_are_an_error():
    assert diagnostics(BASE + "---\nproject: other\n") == [
        "spec.yaml:8: (root): invalid YAML: but found another document "
        "(expected a single document in the stream)"
    ]


def test_duplicate_key_is_an_error_at_the_second_key():
    assert diagnostics(BASE + "project: again\n") == [
        "spec.yaml:8: project: duplicate key 'project' (first at line 2)"
    ]


def test_duplicate_key_in_a_nested_mapping():
    assert diagnostics(BASE + "    access: open\n    access: custom\n") == [
        "spec.yaml:9: repositories[0].access: duplicate key 'access' (first at line 8)"
    ]


def test_duplicate_key_is_reported_with_other_errors():
    assert diagnostics(BASE + "project: again\nenvironment: 'a b'\n") == [
        "spec.yaml:8: project: duplicate key 'project' (first at line 2)",
        "spec.yaml:9: environment: must be 1..64 characters of A-Z, a-z, 0-9, '_', '.', '-' "
        "(got 'a b')",
    ]


def test_billion_laughs_is_rejected_by_node_count():
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        previous, name = chr(ord("a") + level - 1), chr(ord("a") + level)
        levels.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    assert diagnostics("\n".join(levels) + "\n") == [
        "spec.yaml:1: (root): YAML expands to too many nodes (aliases?)"
    ]


def test_merge_key_bomb_is_rejected_by_node_count():
    levels = ["l0: &l0 {a: 1, b: 2}"]
    for level in range(1, 12):
        merges = ", ".join([f"*l{level - 1}"] * 9)
        levels.append(f"l{level}: &l{level} {{<<: [{merges}]}}")
    assert diagnostics("\n".join(levels) + "\n") == [
        "spec.yaml:1: (root): YAML expands to too many nodes (aliases?)"
    ]


def test_recursive_alias_is_rejected():
    assert diagnostics("a: &a [*a]\n") == [
        "spec.yaml:1: (root): YAML nests too deeply (more than 100 levels)"
    ]


def test_deep_nesting_is_rejected():
    assert diagnostics("[" * 2000) == [
        "spec.yaml:1: (root): YAML nests too deeply (more than 100 levels)"
    ]


def test_anchors_aliases_and_merge_keys_are_allowed():
    text = BASE + (
        "  - &defaults\n"  # line 8
        "    name: api\n"
        "    tag_mutability: MUTABLE\n"
        "    scan_on_push: false\n"
        "  - <<: *defaults\n"  # line 12
        "    name: worker\n"
        "    scan_on_push: true\n"
    )
    loaded = load_spec_text(text, "spec.yaml")
    worker = loaded.spec.repositories[2]
    assert (worker.name, worker.tag_mutability, worker.scan_on_push) == ("worker", "MUTABLE", True)


def test_merged_values_report_the_line_they_come_from():
    text = BASE + (
        "  - &defaults\n"  # line 8
        "    name: api\n"
        "    tag_mutability: mutable\n"  # line 10
        "  - <<: *defaults\n"
        "    name: worker\n"
    )
    assert diagnostics(text) == [
        "spec.yaml:10: repositories[1].tag_mutability: must be one of IMMUTABLE, MUTABLE, "
        "IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION "
        "(got 'mutable')",
        "spec.yaml:10: repositories[2].tag_mutability: must be one of IMMUTABLE, MUTABLE, "
        "IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION "
        "(got 'mutable')",
    ]


def test_unknown_yaml_tag_is_one_error():
    assert diagnostics(BASE + "environment: !Ref Env\n") == [
        "spec.yaml:8: environment: invalid YAML value: could not determine a constructor for "
        "the tag '!Ref'"
    ]


def test_unsupported_collection_tag():
    assert diagnostics(BASE + "tags: !!omap [{a: b}]\n") == [
        "spec.yaml:8: tags: unsupported YAML tag 'tag:yaml.org,2002:omap'"
    ]


def test_complex_key_is_an_error():
    assert diagnostics(BASE + "? [a, b]\n: c\n") == [
        "spec.yaml:8: (root): a key must be a plain name, not a list or mapping"
    ]


def test_invalid_character_in_text():
    assert diagnostics(BASE + "environment: a\x07b\n") == [
        "spec.yaml:8: (root): invalid YAML: special characters are not allowed (U+0007)"
    ]


# -- files --------------------------------------------------------------------------------------


def test_load_spec_reads_a_file(tmp_path: Path):
    path = tmp_path / "ecrrep.yaml"
    path.write_text(BASE, encoding="utf-8")
    loaded = load_spec(path)
    assert (loaded.path, loaded.text) == (str(path), BASE)


def test_diagnostics_name_the_file(tmp_path: Path):
    path = tmp_path / "ecrrep.yaml"
    path.write_text(BASE + "colour: blue\n", encoding="utf-8")
    assert file_problem(path) == [f"{path}:8: colour: unknown key 'colour'"]


def test_missing_file(tmp_path: Path):
    path = tmp_path / "nope.yaml"
    assert file_problem(path) == [f"{path}: no such file"]


def test_directory(tmp_path: Path):
    assert file_problem(tmp_path) == [f"{tmp_path}: is a directory, not a spec file"]


def test_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(BASE.encode() + "environment: café\n".encode("latin-1"))
    assert file_problem(path) == [f"{path}: not UTF-8 text (byte 0xe9 on line 8)"]


def test_nul_bytes(tmp_path: Path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(BASE.encode() + b"\x00\x01\x02")
    assert file_problem(path) == [f"{path}: binary file (contains NUL bytes), not a YAML spec"]


def test_larger_than_one_mib(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_bytes(BASE.encode() + b"#" * (1024 * 1024))
    assert file_problem(path) == [f"{path}: larger than 1 MiB; a spec is a small text file"]


def test_exactly_one_mib_is_read(tmp_path: Path):
    path = tmp_path / "padded.yaml"
    padding = 1024 * 1024 - len(BASE.encode()) - 1
    path.write_bytes(BASE.encode() + b"#" * padding + b"\n")
    assert load_spec(path).spec.project == "demo-project"


def test_byte_order_mark_is_accepted(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_spec(path).spec.project == "demo-project"


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "secret.yaml"
    path.write_text(BASE)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    # chmod cannot stop root, who runs these tests in CI containers.
    monkeypatch.setattr(spec_loader, "open", refuse, raising=False)
    assert file_problem(path) == [f"{path}: cannot read: Permission denied"]


# -- the example --------------------------------------------------------------------------------


def test_the_example_loads_without_errors_or_warnings():
    loaded = load_spec(EXAMPLE)
    assert loaded.warnings == []
    spec = loaded.spec
    assert spec.project == "container-registry-replication"
    assert spec.regions == ["us-east-1", "us-west-2", "eu-west-1"]
    assert spec.repository_prefix == "my-company-apps"
    assert spec.tags == {"Team": "DevOps", "CostCenter": "Engineering"}
    assert [r.name for r in spec.repositories] == ["production", "testing"]
    assert spec.cleanup.retention_days == {"production": 90, "testing": 7}


def test_every_key_of_the_spec_is_documented_in_the_example():
    lines = EXAMPLE.read_text().splitlines()
    comments = " ".join(line.split("#", 1)[1] for line in lines if "#" in line)
    models = [Spec, RepositorySpec, LifecycleRuleSpec, IamSpec, MonitoringSpec]
    models += [NotificationsSpec, CleanupSpec]

    def documented(key: str) -> bool:
        # Named in a comment, or its first line comes right after a comment.
        if re.search(rf"\b{key}\b", comments):
            return True
        first = next(i for i, line in enumerate(lines) if re.match(rf"\s*(- )?{key}:", line))
        return first > 0 and lines[first - 1].lstrip().startswith("#")

    keys = {key for model in models for key in model.model_fields}
    assert sorted(key for key in keys if not documented(key)) == []


def test_root_symlink_points_at_the_packaged_example():
    link = REPO_ROOT / "config.example.yaml"
    assert link.is_symlink()
    assert os.readlink(link) == "ecrrep/examples/config.example.yaml"
    assert link.resolve() == EXAMPLE.resolve()


def test_the_example_ships_as_package_data():
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert "examples/*.yaml" in pyproject["tool"]["setuptools"]["package-data"]["ecrrep"]
    assert resources.files("ecrrep").joinpath("examples/config.example.yaml").is_file()


# -- the schema ---------------------------------------------------------------------------------


def test_json_schema_is_json_with_the_spec_properties():
    schema = json.loads(json.dumps(json_schema()))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "ecrrep spec (version 1)"
    assert schema["properties"]["repositories"]["type"] == "array"
    assert set(schema["required"]) == {
        "project",
        "source_region",
        "destination_regions",
        "repository_prefix",
        "repositories",
    }
    assert schema["additionalProperties"] is False


# -- robustness ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gives_a_spec_or_diagnostics_with_lines(text: str):
    try:
        load_spec_text(text, "fuzz.yaml")
    except SpecError as exc:
        assert exc.diagnostics
        assert all(d.line >= 1 for d in exc.diagnostics)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["tags", "iam", "cleanup", "monitoring", "notifications"]),
    st.sampled_from(["name", "access", "policy", "lifecycle", "lifecycle_policy", "kms_key"]),
    _VALUES,
    _VALUES,
)
def test_any_structure_gives_a_spec_or_diagnostics(top: str, key: str, value, nested):
    text = BASE + f"    {key}: {json.dumps(nested)}\n{top}: {json.dumps(value)}\n"
    try:
        load_spec_text(text, "fuzz.yaml")
    except SpecError as exc:
        assert all(d.line >= 1 for d in exc.diagnostics)
