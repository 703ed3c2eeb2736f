"""No secret is printed or logged: with the most verbose output, tracebacks included, nothing
ecrrep writes (stdout, stderr, a saved plan) or puts into the account holds the secret access
key or the session token. Recognisable fakes make a leak easy to find, in whole or in part."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.support.account_snapshot import account_snapshot
from tests.support.fault_proxy import FaultProxy
from tests.support.fault_runs import REGIONS
from tests.support.lambda_statement_ids import refuse_duplicate_statement_ids

pytestmark = pytest.mark.e2e

SECRET = "SECRETfake7Kq2Zr9Lw4Xy8Vb3Nm6Pd1Hs5Jt0SECRET"
TOKEN = "TOKENfakeIQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQDfakefakefakeTOKEN"
CREDENTIALS = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}


@pytest.fixture
def proxy(aws, monkeypatch) -> Iterator[FaultProxy]:
    refuse_duplicate_statement_ids(monkeypatch)
    with FaultProxy(aws.endpoint) as running:
        yield running


def leaks(text: str) -> list[str]:
    """Any sign of either secret: whole, or a distinctive piece of it (a truncated or
    partially masked print would still show one)."""
    pieces = [SECRET, TOKEN, SECRET[6:20], TOKEN[9:30], "SECRETfake", "TOKENfake"]
    return [piece for piece in pieces if piece in text]


def check(result) -> str:
    output = result.stdout + result.stderr
    assert leaks(output) == [], output
    return output


def test_nothing_printed_or_saved_holds_the_secret_key_or_session_token(
        cli, aws, proxy, write_spec, tmp_path):
    write_spec()
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL": proxy.url}
    runs = [
        ("-vv", "plan", "--out", "plan.json"),
        ("-vv", "apply", "--auto-approve"),
        ("-vv", "plan", "--json", "--detailed-exitcode"),
        ("-vv", "output", "--json"),
        ("-vv", "validate-replication", "--json"),
        ("-vv", "cleanup", "--dry-run"),
        ("-vv", "destroy", "--auto-approve"),
    ]
    for args in runs:
        result = cli(*args, env=env)
        assert result.returncode in (0, 2), result.stdout + result.stderr
        check(result)
    assert leaks((tmp_path / "plan.json").read_text()) == []
    # The proxy saw the signed requests: the token travels (as it must), the secret never.
    bodies = "".join(call.text for call in proxy.snapshot())
    assert SECRET not in bodies


def test_the_account_ecrrep_builds_holds_no_credentials(cli, aws, write_spec):
    write_spec()
    assert cli("apply", "--auto-approve", env=CREDENTIALS).returncode == 0
    everything = json.dumps(account_snapshot(aws, REGIONS), default=str)
    assert leaks(everything) == []


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.parametrize("failure", ["unreachable", "throttled", "access-denied"])
def test_forced_errors_with_tracebacks_hold_no_secret(cli, aws, proxy, write_spec, failure):
    write_spec()
    env = {**CREDENTIALS, "AWS_MAX_ATTEMPTS": "1", "AWS_ENDPOINT_URL": proxy.url}
    if failure == "unreachable":
        env["AWS_ENDPOINT_URL"] = closed_port_url()
    elif failure == "throttled":
        proxy.throttle(1.0)
    else:
        proxy.fail_mutating(3)

    result = cli("-vv", "apply", "--auto-approve", env=env)

    assert result.returncode == 1
    output = check(result)
    if failure != "access-denied":  # a failed change is reported, not a traceback
        assert "Traceback" in output


PASSWORD = "PASSWORDfake3Hq8Zt"


def with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://deployer:{PASSWORD}@{rest}"


def test_a_session_token_with_a_carriage_return_is_refused_without_being_printed(
        cli, aws, proxy, write_spec, tmp_path):
    """As copied from a file with Windows line endings: refused in one line before any
    call, naming the variable and never its value, whatever the verbosity."""
    write_spec()
    env = {**CREDENTIALS, "AWS_SESSION_TOKEN": TOKEN + "\r", "AWS_ENDPOINT_URL": proxy.url}
    for verbosity in ([], ["-v"], ["-vv"]):
        result = cli(*verbosity, "plan", "--out", "plan.json", env=env, timeout=60)

        assert result.returncode == 1
        assert check(result).strip().splitlines()[-1] == (
            "Error: AWS_SESSION_TOKEN holds whitespace or a control character (a carriage "
            "return: copied from a file with Windows line endings?); remove it (nothing was "
            "sent to AWS)")
    assert proxy.snapshot() == []
    assert not (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("reachable", [True, False])
def test_a_password_in_the_endpoint_url_is_never_printed(cli, aws, proxy, write_spec, tmp_path,
                                                         reachable):
    write_spec()
    endpoint = with_password(proxy.url if reachable else closed_port_url())
    for args in (("-vv", "--endpoint-url", endpoint, "plan", "--out", "plan.json"),
                 ("-vv", "plan", "--json")):
        result = cli(*args, env={**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}, timeout=60)

        assert result.returncode == (0 if reachable else 1), result.stdout + result.stderr
        output = check(result)
        assert PASSWORD not in output and PASSWORD[:12] not in output
        if not reachable:
            assert "deployer:****@" in output
    if reachable:
        assert PASSWORD not in (tmp_path / "plan.json").read_text()


def test_an_invalid_endpoint_is_one_line_without_a_traceback(cli, aws, write_spec):
    write_spec()

    result = cli("--endpoint-url", "notaurl", "plan")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == ("Error: --endpoint-url notaurl: not an endpoint URL (expected "
                             "http://HOST[:PORT] or https://HOST[:PORT])\n")


def test_a_dotenv_file_given_as_the_spec_is_not_shown(cli, aws, tmp_path):
    """A file that does not look like a spec is refused without quoting any of it (its
    NAME=value lines may hold secrets)."""
    (tmp_path / ".env").write_text(
        f"AWS_ACCESS_KEY_ID=AKIAFAKE\r\nAWS_SECRET_ACCESS_KEY={SECRET}\r\n")

    result = cli("-vv", "-c", ".env", "plan", env={"AWS_SECRET_ACCESS_KEY": "another-one-x"})

    assert result.returncode == 1
    assert result.stderr == (
        ".env:1: (root): must be a mapping of keys such as project, not a string; this does "
        "not look like an ecrrep spec, so nothing in it is shown\n"
        "Error: the spec has 1 error; nothing was sent to AWS\n")
    assert "AKIAFAKE" not in check(result)
