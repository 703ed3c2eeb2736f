"""The plan in a real terminal of 80 and 120 columns: every value the plan's JSON holds is
printed whole (wrapped at spaces, never cut with `…`), and identical creations are folded.

`ecrrep plan` runs in a pseudo-terminal with COLUMNS and the terminal's size set, as a user
runs it, against the test server."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from typing import Any

import pytest

from tests.support.cli_runner import ecrrep_command

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PLACEHOLDER = "<repository>"


def run_in_terminal(aws, cwd, columns: int, *args: str) -> str:
    """What `ecrrep ARGS` prints to a terminal `columns` wide, escape codes removed."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**aws.env(), "COLUMNS": str(columns), "TERM": "xterm-256color"}
    process = subprocess.Popen([*ecrrep_command(), *args], cwd=cwd, env=env, stdin=follower,
                               stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal is closed once the command has exited
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=120) in (0, 2)
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r\n", "\n")


def words(text: str) -> str:
    """Text with every run of whitespace (a wrapped line's break and indent) as one space."""
    return " ".join(text.split())


def expected_values(change: dict[str, Any]) -> list[str]:
    """What a reader needs of one planned change: its name, and each value of its fields
    (a kind's own summary lines where it gives one), read from the JSON."""
    after = change["change"]["after"] or {}
    values = [change["name"]]
    summary = change.get("facts", {}).get("summary")
    for key, value in after.items():
        if key == "tags":
            values += [f"{k}={v}" for k, v in value.items()]
        elif summary:
            continue
        elif isinstance(value, dict) and "Statement" in value:
            values += statement_values(value["Statement"])
        elif isinstance(value, dict) and "rules" in value:
            values += [rule["description"] for rule in value["rules"]]
        else:
            assert not isinstance(value, dict | list), (key, value)
            values.append(f"{key}: {str(value).lower() if isinstance(value, bool) else value}")
    return values + list(summary or []) + list(change.get("notes", []))


def statement_values(statements: list[dict]) -> list[str]:
    values = []
    for statement in statements:
        values += [statement.get("Sid", ""), statement["Effect"]]
        for key in ("Action", "Principal", "Resource"):
            found = statement.get(key, [])
            if isinstance(found, dict):
                found = [v for vs in found.values() for v in (vs if isinstance(vs, list)
                                                               else [vs])]
            values += found if isinstance(found, list) else [found]
    return [v for v in values if v]


@pytest.mark.parametrize("columns", [80, 120])
def test_no_value_of_the_example_plan_is_cut(cli, aws, write_spec, columns):
    write_spec()
    planned = cli("plan", "--json")
    assert planned.returncode == 0, planned.stderr
    changes = [c for c in json.loads(planned.stdout)["resource_changes"]
               if c["change"]["actions"] != ["no-op"]]
    repositories = {c["name"] for c in changes if c["type"] == "ecr_repository"}

    shown = run_in_terminal(aws, cli.workdir, columns, "plan")

    assert "…" not in shown
    assert shown.strip().splitlines()[-1] == (
        f"Plan: {len(changes)} to add, 0 to change, 0 to destroy.")
    text = words(shown)
    for change in changes:
        for value in expected_values(change):
            # Creations alike but for their repository are folded, which reads as
            # <repository> (the folded entry lists the repositories).
            folded = {words(value).replace(r, PLACEHOLDER) for r in repositories}
            assert words(value) in text or folded & {v for v in folded if v in text}, (
                change["address"], value)
    # Lines break at spaces: only a word too long for any line (an ARN, a claim's path) runs
    # past the edge, after nothing but its indentation and a resource line's `+ create`.
    for line in shown.splitlines():
        if len(line) > columns:
            assert len(line.rstrip().rsplit(" ", 1)[0]) <= len("    + destroy"), line


def test_identical_creations_are_folded_with_their_count_and_names(cli, aws, write_spec):
    write_spec()

    shown = run_in_terminal(aws, cli.workdir, 80, "plan")

    lines = shown.splitlines()
    assert "Regions us-east-1, us-west-2, eu-west-1 — the same in each" in lines
    # The repositories, made alike in three regions, are each shown once.
    assert shown.count("+ create my-company-apps/production") == 3  # repository, policies
    assert "    + create 2 CloudWatch alarms, all with:" in lines
    assert words(shown).count("names: container-registry-replication-production-pull-count, "
                              "container-registry-replication-testing-pull-count") == 1
