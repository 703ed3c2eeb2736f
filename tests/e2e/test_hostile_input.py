"""Hostile and broken input: every case is one diagnostic line naming the file, then the one
`Error:` line, exit 1, no traceback, quickly — and not a single call reaches AWS (the proxy
in front of the emulator counts them).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_runner import ecrrep_command
from tests.support.fault_proxy import FaultProxy

pytestmark = pytest.mark.e2e

# Far above what a rejection costs (well under a second of work), far below what expanding
# a bomb would cost.
QUICK_SECONDS = 15


@pytest.fixture
def proxy(aws) -> Iterator[FaultProxy]:
    with FaultProxy(aws.endpoint) as running:
        yield running


def run(aws, proxy, cwd: Path, spec: str, preexec_fn: Callable[[], None] | None = None,
        command: tuple[str, ...] = ("apply", "--auto-approve")) -> subprocess.CompletedProcess:
    env = {**aws.env(), "AWS_ENDPOINT_URL": proxy.url}
    started = time.monotonic()
    result = subprocess.run([*ecrrep_command(), "-c", spec, *command], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=QUICK_SECONDS * 4,
                            preexec_fn=preexec_fn)
    assert time.monotonic() - started < QUICK_SECONDS
    return result


def rejected(result: subprocess.CompletedProcess, proxy: FaultProxy) -> list[str]:
    """Exit 1, no traceback, nothing on stdout, no AWS call; the diagnostic lines."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert proxy.count() == 0, [c.action for c in proxy.snapshot()]
    *lines, last = result.stderr.splitlines()
    errors = len([line for line in lines if ": warning: " not in line])
    noun = "error" if errors == 1 else "errors"
    assert last == f"Error: the spec has {errors} {noun}; nothing was sent to AWS", result.stderr
    return lines


# -- the file itself -------------------------------------------------------------------------

def billion_laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    return text


def alias_chain() -> str:
    """Each anchor names the previous one twice: 2**40 nodes from 41 lines."""
    return "a0: &a0 [x, x]\n" + "".join(
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 41))


def merge_bomb() -> str:
    return "m0: &m0 {k: v}\n" + "".join(
        f"m{i}: &m{i}\n  <<: [*m{i - 1}, *m{i - 1}]\n  k{i}: v\n" for i in range(1, 41))


FILE_CASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "billion laughs": (lambda d: write(d, billion_laughs()), "YAML expands to too many nodes"),
    "alias chain": (lambda d: write(d, alias_chain()), "YAML expands to too many nodes"),
    "merge-key bomb": (lambda d: write(d, merge_bomb()), "YAML expands to too many nodes"),
    "recursive anchor": (lambda d: write(d, "project: &x [*x]\n"), "YAML nests too deeply"),
    "deep nesting": (lambda d: write(d, "[" * 400_000 + "]" * 400_000), "YAML nests too deeply"),
    "10 MB spec": (lambda d: write(d, "# " + "x" * 10 * 1024 * 1024 + "\n"),
                   "larger than 1 MiB; a spec is a small text file"),
    "binary garbage": (lambda d: write_bytes(d, os.urandom(8192) + b"\0\xff\xfe"),
                       "binary file (contains NUL bytes), not a YAML spec"),
    "non-UTF-8": (lambda d: write_bytes(d, "project: café\n".encode("latin-1")),
                  "not UTF-8 text (byte 0xe9 on line 1)"),
    "UTF-16": (lambda d: write_bytes(d, "project: x\n".encode("utf-16")),
               "binary file (contains NUL bytes), not a YAML spec"),
    "directory": (lambda d: directory(d), "is a directory, not a spec file"),
    "symlink loop": (lambda d: symlink_loop(d), "cannot read: Too many levels of symbolic links"),
    "path through a file": (lambda d: through_a_file(d), "cannot read: Not a directory"),
    "missing": (lambda d: "missing.yaml", "no such file"),
    "empty": (lambda d: write(d, ""), "the spec is empty"),
    "a list": (lambda d: write(d, "- project\n"), "must be a mapping"),
    "control character": (lambda d: write(d, "project: a\x07b\n"), "invalid YAML"),
}


def write(directory_: Path, text: str) -> str:
    (directory_ / "spec.yaml").write_text(text)
    return "spec.yaml"


def write_bytes(directory_: Path, data: bytes) -> str:
    (directory_ / "spec.yaml").write_bytes(data)
    return "spec.yaml"


def directory(directory_: Path) -> str:
    (directory_ / "spec.yaml").mkdir()
    return "spec.yaml"


def symlink_loop(directory_: Path) -> str:
    (directory_ / "spec.yaml").symlink_to("spec.yaml")
    return "spec.yaml"


def through_a_file(directory_: Path) -> str:
    (directory_ / "plain").write_text("project: x\n")
    return "plain/spec.yaml"


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_a_hostile_or_broken_file_is_one_line_and_nothing_is_sent(aws, proxy, tmp_path, case):
    make, message = FILE_CASES[case]
    spec = make(tmp_path)

    result = run(aws, proxy, tmp_path, spec)

    [line] = rejected(result, proxy)
    assert line.startswith(f"{spec}:") and message in line, line
    assert len(line) < 300


def drop_read_override() -> None:
    """In the child: give up the capabilities that let root read any file (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH) from the bounding set, so that a mode-000 file is unreadable to
    the command even when the tests run as root. Without them, exec drops them."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_an_unreadable_file_is_one_line_and_nothing_is_sent(aws, proxy, tmp_path, write_spec):
    """chmod 000 does not stop root (the tests run as root in CI): the command is run without
    the capabilities that let root ignore file modes, as an ordinary user would be."""
    spec = write_spec()
    spec.chmod(0)
    try:
        result = run(aws, proxy, tmp_path, spec.name,
                     preexec_fn=drop_read_override if os.geteuid() == 0 else None)
    finally:
        spec.chmod(0o600)

    [line] = rejected(result, proxy)
    assert line == f"{spec.name}: cannot read: Permission denied", line


# -- values that would inject into names or policies ------------------------------------------


def set_in(path: tuple[Any, ...], value: Any) -> Callable[[dict], None]:
    def edit(spec: dict) -> None:
        target = spec
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


CYRILLIC_A = "\u0430"  # а, looks like a Latin a
VALUE_CASES: dict[str, tuple[tuple[Any, ...], Any, str]] = {
    "quote in project": (("project",), 'app"s', "project: "),
    "wildcard project": (("project",), "prod-*", "project: "),
    "project with a look-alike": (("project",), f"my-{CYRILLIC_A}pps", "project: "),
    "project with a zero-width space": (("project",), "my\u200bapps", "project: "),
    "prefix with ..": (("repository_prefix",), "../etc", "repository_prefix: "),
    "prefix with a wildcard": (("repository_prefix",), "my-company-*", "repository_prefix: "),
    "prefix with a look-alike": (("repository_prefix",), f"my-comp{CYRILLIC_A}ny-apps",
                                 "repository_prefix: "),
    "prefix with an upper-case letter": (("repository_prefix",), "My-apps",
                                         "repository_prefix: "),
    "repository name with a slash": (("repositories", 0, "name"), "../production",
                                     "repositories[0].name: "),
    "repository name with a quote": (("repositories", 0, "name"), "prod'uction",
                                     "repositories[0].name: "),
    "repository name with a wildcard": (("repositories", 0, "name"), "*",
                                        "repositories[0].name: "),
    "repository name with a look-alike": (("repositories", 0, "name"),
                                          "pr\u043eduction",  # Cyrillic о
                                          "repositories[0].name: "),
    "repository name too long": (("repositories", 0, "name"), "p" * 300,
                                 "repositories[0].name: "),
    "region with a look-alike": (("source_region",), "us-e\u0430st-1", "source_region: "),
    "region with a wildcard": (("destination_regions",), ["*"], "destination_regions[0]: "),
    "tag key with a quote": (("tags",), {'Team"': "x"}, 'tags["Team\\""]: '),
    "tag value with a newline": (("tags", "Team"), "Dev\nOps", "tags.Team: "),
    "tag value too long": (("tags", "Team"), "x" * 10_000, "tags.Team: "),
    "ownership tag forged": (("tags",), {"ecrrep:project": "someone-else"}, "tags"),
    "wildcard principal": (("iam", "production_principals"), ["*"],
                           "iam.production_principals[0]: "),
    "principal with a wildcard role": (("iam", "ci_principals"),
                                       ["arn:aws:iam::123456789012:role/*"],
                                       "iam.ci_principals[0]: "),
    "principal with ..": (("iam", "ci_principals"), ["arn:aws:iam::123456789012:role/../x"],
                          "iam.ci_principals[0]: "),
    "wildcard tag prefix": (("repositories", 0, "lifecycle", 0, "tag_prefixes"), ["*"],
                            "repositories[0].lifecycle[0].tag_prefixes[0]: "),
    "description with a newline": (("repositories", 0, "lifecycle", 0, "description"),
                                   "keep\n\"}]} injected", "repositories[0].lifecycle[0]"),
    "email with a newline": (("notifications", "email"), "devops@company.com\nBcc: x@y.z",
                             "notifications.email: "),
    "schedule with a command": (("cleanup", "schedule"), "cron(0 2 * * ? *); rm -rf /",
                                "cleanup.schedule: "),
    "environment with ..": (("environment",), "prod/../x", "environment: "),
    "kms key with a wildcard": (("repositories", 0), {"name": "production",
                                                     "encryption": "KMS", "kms_key": "alias/*"},
                                "repositories[0].kms_key: "),
    "kms key of one region": (("repositories", 0), {
        "name": "production", "encryption": "KMS",
        "kms_key": "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"},
        "repositories[0].kms_key: "),
    "policy naming a garbage principal": (("repositories", 0), {
        "name": "production", "access": "custom", "policy": {"Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "garbage"}, "Action": "ecr:BatchGetImage"}]}},
        "repositories[0].policy.Statement[0].Principal.AWS: "),
    "policy letting anyone push": (("repositories", 0), {
        "name": "production", "access": "custom", "policy": {"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]}},
        "repositories[0].policy.Statement[0]: lets anyone"),
}


@pytest.mark.parametrize("case", list(VALUE_CASES))
def test_a_value_that_would_inject_into_names_or_policies_is_rejected_before_any_call(
        aws, proxy, tmp_path, write_spec, case):
    path, value, where = VALUE_CASES[case]
    spec = write_spec(edit=set_in(path, value))

    result = run(aws, proxy, tmp_path, spec.name)

    lines = rejected(result, proxy)
    assert any(line.startswith(f"{spec.name}:") and f": {where}" in line for line in lines), (
        result.stderr)


def huge_custom_policy(spec: dict) -> None:
    statement = {"Sid": "Pull", "Effect": "Allow", "Action": ["ecr:BatchGetImage"],
                 "Principal": {"AWS": [f"arn:aws:iam::123456789012:role/r{i:04d}"
                                       for i in range(400)]}}
    spec["repositories"][0].update(access="custom", policy={"Version": "2012-10-17",
                                                              "Statement": [statement]})


@pytest.mark.parametrize("policy, edit, limit", [
    ("lifecycle", set_in(("repositories", 0, "lifecycle", 0, "description"), "d" * 40_000),
     30720),
    ("repository", huge_custom_policy, 10240),
])
def test_a_policy_longer_than_ecr_takes_is_rejected_before_any_call(
        aws, proxy, tmp_path, write_spec, policy, edit, limit):
    """ECR refuses a lifecycle policy over 30720 characters and a repository policy over
    10240: a spec that would make one is a spec error, not an apply failing half way."""
    spec = write_spec(edit=edit)

    result = run(aws, proxy, tmp_path, spec.name)

    [line] = rejected(result, proxy)
    assert f": repositories[0]: the {policy} policy would be " in line, line
    assert line.endswith(f"characters; ECR takes at most {limit}"), line


SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.mark.parametrize("dotenv", [
    f"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY={SECRET}\n",
    f"AWS_SECRET_ACCESS_KEY: {SECRET}\n",
], ids=["shell style", "yaml style"])
@pytest.mark.parametrize("verbosity", [(), ("-vv",)], ids=["quiet", "-vv"])
def test_an_env_file_given_as_the_spec_is_refused_without_echoing_its_secret(
        aws, proxy, tmp_path, dotenv, verbosity):
    (tmp_path / ".env").write_text(dotenv)

    result = run(aws, proxy, tmp_path, ".env", command=(*verbosity, "plan"))

    [line] = rejected(result, proxy)
    assert line.startswith(".env:1: (root): ")
    assert line.endswith("this does not look like an ecrrep spec, so nothing in it is shown")
    assert SECRET not in result.stdout + result.stderr
    assert "AKIAIOSFODNN7EXAMPLE" not in result.stdout + result.stderr
