"""Read a spec file, validate it and report every problem as `FILE:LINE: path: message`.

PyYAML's composer gives us nodes with their positions; we build the plain data ourselves so that
each key and value keeps its line, then map pydantic's error locations back onto those lines.
The nodes come from libyaml where PyYAML has it, else from the pure-Python loader
(`ecrrep.spec.yaml_nodes`); errors always read as the pure-Python loader words them.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from ecrrep.spec.messages import error_message
from ecrrep.spec.models import Spec
from ecrrep.spec.relations import spec_problems
from ecrrep.spec.rules import RULE_ERROR_TYPE, Loc, format_path, shown
from ecrrep.spec.yaml_nodes import root_node

MAX_FILE_BYTES = 1024 * 1024
MAX_NODES = 100_000  # far above any real spec; stops alias bombs ("billion laughs")
MAX_DEPTH = 100
ROOT = "(root)"
NOT_A_SPEC = "this does not look like an ecrrep spec, so nothing in it is shown"

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a spec file. Line 0 means the file as a whole (it could not be read)."""

    file: str
    line: int
    path: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        if self.line == 0:
            return f"{self.file}: {message}"
        return f"{self.file}:{self.line}: {self.path}: {message}"


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    unique = dict.fromkeys(diagnostics)
    return sorted(unique, key=lambda d: (d.line, d.path, d.message))


class SpecError(Exception):
    """The spec cannot be used. `diagnostics` holds every error, by line; `warnings` the rest."""

    def __init__(self, diagnostics: list[Diagnostic], warnings: list[Diagnostic] | None = None):
        self.diagnostics = _sorted(diagnostics)
        self.warnings = _sorted(warnings or [])
        super().__init__("\n".join(str(d) for d in self.diagnostics))


@dataclass(frozen=True)
class LoadedSpec:
    spec: Spec
    path: str
    text: str
    warnings: list[Diagnostic] = field(default_factory=list)


def load_spec(path: str | os.PathLike[str]) -> LoadedSpec:
    filename = os.fspath(path)
    return load_spec_text(_read_text(filename), filename)


def load_spec_text(text: str, filename: str) -> LoadedSpec:
    with _collector_paused():
        return _load_spec_text(text, filename)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a spec is read: the hundreds of thousands of nodes,
    dicts and models of a large spec would otherwise trigger collection after collection over
    the ever larger heap (half the time of loading 5,000 repositories). Reading makes no
    cycles that must go at once; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load_spec_text(text: str, filename: str) -> LoadedSpec:
    document = _Document(filename)
    data = document.parse(text)
    if not isinstance(data, dict):
        raise SpecError(document.errors)
    if not data.keys() & Spec.model_fields.keys():
        # Another kind of file (an .env, a compose file): its keys and values may be secrets.
        raise SpecError([Diagnostic(filename, document.lines[()], ROOT,
                                    f"has none of the spec's keys (project, source_region, "
                                    f"repositories, ...); {NOT_A_SPEC}")])
    spec, errors = _validate(data, document)
    warnings = [d for d in errors if d.severity == "warning"]
    errors = document.errors + [d for d in errors if d.severity == "error"]
    if errors or spec is None:
        raise SpecError(errors, warnings)
    return LoadedSpec(spec=spec, path=filename, text=text, warnings=_sorted(warnings))


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the spec, for editors (`ecrrep schema`)."""
    schema = Spec.model_json_schema()
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ecrrep spec (version 1)",
        **schema,
    }


# ---------------------------------------------------------------------------------------------
# The file.


def _file_error(filename: str, message: str) -> SpecError:
    return SpecError([Diagnostic(filename, 0, ROOT, message)])


def _read_text(filename: str) -> str:
    try:
        mode = os.stat(filename).st_mode
        if stat.S_ISDIR(mode):
            raise _file_error(filename, "is a directory, not a spec file")
        if not stat.S_ISREG(mode):
            raise _file_error(filename, "is not a regular file")
        with open(filename, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _file_error(filename, "no such file") from None
    except OSError as exc:
        raise _file_error(filename, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _file_error(filename, "larger than 1 MiB; a spec is a small text file")
    if b"\0" in raw:
        raise _file_error(filename, "binary file (contains NUL bytes), not a YAML spec")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _file_error(
            filename, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line})"
        ) from None


# ---------------------------------------------------------------------------------------------
# YAML nodes to plain data, remembering lines.


class _TooBig(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


class _Document:
    """Builds plain data from YAML nodes, with the line of every key and list item."""

    def __init__(self, filename: str):
        self.filename = filename
        self.lines: dict[Loc, int] = {}
        self.broken: set[Loc] = set()  # values we could not build; validation keeps quiet there
        self.errors: list[Diagnostic] = []
        self._nodes = 0
        self._constructor: yaml.constructor.SafeConstructor | None = None

    def is_broken(self, loc: Loc) -> bool:
        return any(loc[: len(bad)] == bad for bad in self.broken)

    def error(self, line: int, loc: Loc, message: str) -> None:
        self.errors.append(Diagnostic(self.filename, line, format_path(loc), message))

    def parse(self, text: str) -> Any:
        try:
            root, self._constructor = root_node(text, MAX_DEPTH)
            if root is None:
                self.error(1, (), "the spec is empty; see config.example.yaml")
                return None
            self.lines[()] = _line(root)
            data = self._build(root, (), 0)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or "not valid YAML"
            context = f" ({exc.context})" if exc.context else ""
            self.error(mark.line + 1 if mark else 1, (), f"invalid YAML: {problem}{context}")
            return None
        except yaml.reader.ReaderError as exc:
            line = text.count("\n", 0, exc.position) + 1
            character = exc.character
            if isinstance(character, int):
                character = f"U+{character:04X}"
            self.error(line, (), f"invalid YAML: {exc.reason} ({character})")
            return None
        except yaml.YAMLError as exc:
            self.error(1, (), f"invalid YAML: {exc}")
            return None
        except RecursionError:
            self.error(1, (), f"YAML nests too deeply (more than {MAX_DEPTH} levels)")
            return None
        except _TooBig as exc:
            self.error(exc.line, (), exc.message)
            return None
        if not isinstance(data, dict):
            # Say what it is, never what it holds: `-c .env` must not print a secret.
            self.error(_line(root), (), f"must be a mapping of keys such as project, not "
                       f"{_kind_of(data)}; {NOT_A_SPEC}")
            return None
        return data

    def _count(self, node: yaml.Node, depth: int) -> None:
        # Aliases let a small file name the same node many times over, and a recursive anchor
        # names itself: count what we build and how deep, not the file's size.
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig(_line(node), "YAML expands to too many nodes (aliases?)")
        if depth > MAX_DEPTH:
            raise _TooBig(_line(node), f"YAML nests too deeply (more than {MAX_DEPTH} levels)")

    def _build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self._count(node, depth)
        if isinstance(node, yaml.ScalarNode):
            assert self._constructor is not None
            try:
                return self._constructor.construct_object(node)
            except yaml.constructor.ConstructorError as exc:
                problem = exc.problem
            except (ValueError, OverflowError) as exc:  # e.g. a date like 2024-02-30
                problem = str(exc)
            self.broken.add(loc)
            self.error(_line(node), loc, f"invalid YAML value: {problem}")
            return None
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ_TAG:
            return self._build_sequence(node, loc, depth)
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP_TAG:
            result: dict[str, Any] = {}
            self._build_mapping(node, loc, depth, result)
            return result
        self.broken.add(loc)
        self.error(_line(node), loc, f"unsupported YAML tag {shown(node.tag)}")
        return None

    def _build_sequence(self, node: yaml.SequenceNode, loc: Loc, depth: int) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            self.lines[(*loc, index)] = _line(item)
            items.append(self._build(item, (*loc, index), depth + 1))
        return items

    def _build_mapping(
        self, node: yaml.MappingNode, loc: Loc, depth: int, result: dict[str, Any]
    ) -> None:
        """Fill `result`; keys already there win, as YAML merge keys (`<<`) require."""
        merges = []
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(
                    _line(key_node), loc, "a key must be a plain name, not a list or mapping"
                )
                continue
            # The key's text, not its YAML type: `on:` or `123:` are names here, not a bool or int.
            key = key_node.value
            if key in first_seen:
                self.error(
                    _line(key_node),
                    (*loc, key),
                    f"duplicate key {shown(key)} (first at line {first_seen[key]})",
                )
                continue
            first_seen[key] = _line(key_node)
            if key in result:  # set by the mapping that merges this one
                continue
            self.lines[(*loc, key)] = _line(key_node)
            result[key] = self._build(value_node, (*loc, key), depth + 1)
        for merge in merges:
            self._merge(merge, loc, depth, result)

    def _merge(self, node: yaml.Node, loc: Loc, depth: int, result: dict[str, Any]) -> None:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            self._count(source, depth + 1)
            if not isinstance(source, yaml.MappingNode) or source.tag != _MAP_TAG:
                self.error(_line(source), loc, "'<<' merges only a mapping or a list of mappings")
                continue
            self._build_mapping(source, loc, depth + 1, result)


def _kind_of(value: Any) -> str:
    kinds = ((bool, "true or false"), ((int, float), "a number"), (str, "a string"),
             (list, "a list"))
    return next((name for types_, name in kinds if isinstance(value, types_)), "an empty value")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


# ---------------------------------------------------------------------------------------------
# Validation results to diagnostics.


def _validate(data: dict[str, Any], document: _Document) -> tuple[Spec | None, list[Diagnostic]]:
    spec = None
    problems: list[tuple[Loc, str, Literal["error", "warning"]]] = []
    try:
        # Strict: a YAML `"15"` is not the number 15, nor `"yes"` a boolean.
        spec = Spec.model_validate(data, strict=True)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            # The rules that relate several values run below on the raw data, with locations.
            if error["type"] != RULE_ERROR_TYPE:
                problems.append((_plain_loc(error["loc"]), error_message(error), "error"))
    problems += [(p.loc, p.message, p.severity) for p in spec_problems(data)]
    if spec is None and not any(level == "error" for _, _, level in problems):
        # Only if the rules judged the raw data differently from the validated data: never
        # let an invalid spec through without a word.
        problems.append(((), "the spec breaks a rule ecrrep could not place on a line", "error"))
    return spec, [
        Diagnostic(document.filename, _line_of(document.lines, loc), format_path(loc), text, level)
        for loc, text, level in problems
        # A value we could not build is reported already; more about it would be noise.
        if not document.is_broken(loc)
    ]


def _plain_loc(loc: tuple[Any, ...]) -> Loc:
    return tuple(part for part in loc if part != "[key]")


def _line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of the deepest part of `loc` that the file has (for a missing key: its mapping)."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1
