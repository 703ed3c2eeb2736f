"""The CI recipes in docs/ci/ (and the commands docs/ci.md shows) are valid YAML and call only
commands and flags the `ecrrep` command line has. `permissions` is another part of the tool:
its lines are checked once it is in the command group, and skipped until then."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from ecrrep.cli import cli

DOCS = Path(__file__).resolve().parents[2] / "docs"
WORKFLOWS = sorted((DOCS / "ci").glob("*.yml"))
COMMANDS_ADDED_ELSEWHERE = {"permissions"}
SHELL_BREAKS = {"|", "||", "&&", ";", ">", ">>", "2>", "<", ")", "&"}


def strings_in(node) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return [node] if isinstance(node, str) else []


def ecrrep_command_lines(text: str) -> list[list[str]]:
    """Every `ecrrep ...` invocation in shell text, as its arguments, up to a shell operator."""
    found = []
    for line in text.replace("\\\n", " ").splitlines():
        if line.lstrip().startswith("#"):
            continue
        # In command position only: at the start of a line or after ; | & ( ` $( — not as
        # the argument of another command (`pip install ecrrep`, `--policy-name ecrrep`).
        for match in re.finditer(r"(?:^\s*|[;|&(`]\s*)ecrrep(\s+[^#\n]*)?(?:#.*)?$", line):
            rest = (match.group(1) or "").replace("$(", " ").replace("`", " ")
            try:
                words = shlex.split(rest, posix=True)
            except ValueError:
                words = rest.split()
            args = []
            for word in words:
                if word in SHELL_BREAKS or word.startswith((">", "2>")):
                    break
                args.append(word)
            found.append(args)
    return found


def code_blocks(markdown: str, languages: set[str]) -> list[str]:
    """The fenced code blocks in those languages."""
    blocks, current, language = [], None, ""
    for line in markdown.splitlines():
        if line.startswith("```"):
            if current is None:
                current, language = [], line[3:].strip()
            else:
                if language in languages:
                    blocks.append("\n".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def options_of(command: click.Command) -> tuple[set[str], set[str]]:
    """(options taking a value, flags) of a command."""
    valued, flags = set(), set()
    for param in command.params:
        if isinstance(param, click.Option):
            names = set(param.opts) | set(param.secondary_opts)
            (flags if param.is_flag or param.count else valued).update(names)
    return valued, flags


def check_options(args: list[str], command: click.Command, where: str) -> list[str]:
    """The leading options of `args` against the command; returns what follows them."""
    valued, flags = options_of(command)
    rest = list(args)
    while rest and rest[0].startswith("-"):
        word = rest.pop(0)
        name = word.split("=", 1)[0]
        assert name in valued | flags, f"{where}: `{name}` is not an option of {command.name}"
        if name in valued and "=" not in word:
            assert rest, f"{where}: `{name}` needs a value"
            rest.pop(0)
    return rest


def check_line(args: list[str], where: str) -> None:
    rest = check_options(args, cli, where)
    if not rest:
        return
    name, *rest = rest
    command = cli.commands.get(name)
    if command is None and name in COMMANDS_ADDED_ELSEWHERE:
        pytest.skip(f"`ecrrep {name}` is not in this build yet")
    assert command is not None, f"{where}: no command `ecrrep {name}`"
    while rest:
        rest = check_options(rest, command, where)
        if rest:  # an argument (PLANFILE, NAME), then maybe more options
            rest.pop(0)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_yaml_and_calls_only_what_exists(path):
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict)
    lines = [args for text in strings_in(document) for args in ecrrep_command_lines(text)]
    assert lines, "the workflow runs no ecrrep command"
    for args in lines:
        check_line(args, f"{path.name}: ecrrep {' '.join(args)}")


def test_the_recipes_cover_plan_apply_and_validation():
    for path in WORKFLOWS:
        text = path.read_text()
        assert "plan --format markdown" in text and "apply --auto-approve" in text
        assert "validate-replication --format junit" in text


def test_every_command_in_ci_md_exists():
    blocks = code_blocks((DOCS / "ci.md").read_text(), {"bash", "sh", "text", "yaml"})
    lines = [args for block in blocks for args in ecrrep_command_lines(block)]
    assert len(lines) > 5
    checked = 0
    for args in lines:
        if args and args[0] in COMMANDS_ADDED_ELSEWHERE and args[0] not in cli.commands:
            continue
        check_line(args, f"ci.md: ecrrep {' '.join(args)}")
        checked += 1
    assert checked


def test_the_checker_refuses_what_does_not_exist():
    with pytest.raises(AssertionError, match="not an option of plan"):
        check_line(["plan", "--formatt", "markdown"], "here")
    with pytest.raises(AssertionError, match="no command `ecrrep plna`"):
        check_line(["plna"], "here")
    assert ecrrep_command_lines("set +e\necrrep plan -c x.yaml --json > plan.json\n") == [
        ["plan", "-c", "x.yaml", "--json"]]
