"""The CLI sits on the workflows, never the other way round: no module of ecrrep.workflows or
ecrrep.sandbox imports ecrrep.cli (not even inside a function), the CLI makes no AWS call of
its own, and no import cycle runs through the CLI, the workflows or the demo.

Read from the source (every import statement, function-level ones too), not by importing."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import ecrrep

PACKAGE = Path(ecrrep.__file__).parent
LAYERED = ("ecrrep.cli", "ecrrep.workflows", "ecrrep.sandbox.demo")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path) -> set[str]:
    """Every module an import statement in the file names (absolute or relative)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(
        ".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {n for n in imported_names(path) if n in known and n != name}
            for name, path in known.items()}


def cycles_through(graph: dict[str, set[str]], prefixes: tuple[str, ...]) -> list[list[str]]:
    """Import paths that lead from a module under `prefixes` back to itself."""
    found = []
    for start in (m for m in graph if m.startswith(prefixes)):
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    found.append([*path, start])
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    return found


def test_neither_the_workflows_nor_the_sandbox_import_the_cli():
    offenders = {
        name: sorted(n for n in imported_names(path) if n == "ecrrep.cli"
                     or n.startswith("ecrrep.cli."))
        for name, path in modules().items()
        if name.startswith(("ecrrep.workflows", "ecrrep.sandbox"))
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_cli_makes_no_aws_call_of_its_own():
    for name, path in modules().items():
        if not name.startswith("ecrrep.cli"):
            continue
        names = imported_names(path)
        assert not {n for n in names if n.split(".")[0] in ("boto3", "botocore")}, name
        assert ".client(" not in path.read_text(), name


def test_no_import_cycle_runs_through_the_cli_the_workflows_or_the_demo():
    assert cycles_through(import_graph(), LAYERED) == []


def test_the_check_sees_a_cycle():
    graph = {"ecrrep.cli": {"ecrrep.sandbox.demo"}, "ecrrep.sandbox.demo": {"ecrrep.cli"}}
    assert cycles_through(graph, LAYERED)


def test_help_of_this_checkout_imports_no_command_workflow(tmp_path):
    """--help loads the command modules (for their one-line help) and nothing behind them."""
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    env = {k: v for k, v in env.items() if not k.startswith("ECRREP_")}
    script = ("import sys\nfrom ecrrep.cli import cli\n"
              "try:\n    cli(['--help'], prog_name='ecrrep')\nexcept SystemExit:\n    pass\n"
              "print(' '.join(sorted(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "ecrrep.cli.plan" in loaded and "ecrrep.cli.info" in loaded
    heavy = sorted(m for m in loaded if m.startswith((
        "ecrrep.workflows", "ecrrep.engine", "ecrrep.aws.context", "ecrrep.sandbox",
        "ecrrep.resources", "ecrrep.render", "boto3", "botocore", "rich", "pydantic", "yaml")))
    assert heavy == []
