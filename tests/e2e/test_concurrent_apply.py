"""Two `ecrrep apply` runs at once on one account, for two projects with their own repository
prefixes: the registry's replication configuration is one document they both rewrite. Each
must end with its own rule in it, whichever way their reads and writes interleave.

The proxy tells the runs apart by their access key and orders their calls with events, so each
interleaving is forced, not hoped for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.support.fault_proxy import Call, FaultProxy
from tests.support.fault_runs import BackgroundRun
from tests.support.lambda_statement_ids import refuse_duplicate_statement_ids

pytestmark = pytest.mark.e2e

WAIT = 60
KEY_A = "AKIAPROJECTAAAAAAAAA"
KEY_B = "AKIAPROJECTBBBBBBBBB"
PREFIX_A = "my-company-apps"
PREFIX_B = "team-b"
PUT = "PutReplicationConfiguration"
READ = "DescribeRegistry"


@pytest.fixture
def proxy(aws, monkeypatch) -> Iterator[FaultProxy]:
    refuse_duplicate_statement_ids(monkeypatch)
    with FaultProxy(aws.endpoint) as running:
        yield running


def team_b(spec: dict) -> None:
    """Another project on the same account: its own name, prefix and regions."""
    spec.update(project="team-b-registry", repository_prefix=PREFIX_B,
                destination_regions=["eu-west-1"],
                repositories=[{"name": "api", "access": "restricted"}])
    spec["monitoring"] = {"enabled": False}
    spec["notifications"] = {"enabled": False}
    spec["cleanup"] = {"enabled": False}


def start(aws, proxy, tmp_path, spec_file: str, key: str) -> BackgroundRun:
    env = {**aws.env(), "AWS_ENDPOINT_URL": proxy.url, "AWS_ACCESS_KEY_ID": key}
    return BackgroundRun(["-c", spec_file, "apply", "--auto-approve"], env, str(tmp_path))


def prefixes_replicated(aws) -> list[str]:
    rules = aws.client("ecr").describe_registry()["replicationConfiguration"]["rules"]
    return sorted(f["filter"] for rule in rules for f in rule["repositoryFilters"])


def by(key: str, action: str):
    return lambda call: call.access_key == key and call.action == action


def test_a_write_that_undoes_the_other_runs_rule_is_caught_by_its_verification(
        aws, proxy, write_spec, tmp_path):
    """Both runs read the configuration before either writes; A writes, then B writes from its
    older read and drops A's rule. A's check after its write sees its rule gone, reads again
    and writes again: both rules stay."""
    write_spec()
    write_spec(edit=team_b, name="b.yaml")
    b_put_arrived, a_put_answered, b_put_answered = (threading.Event() for _ in range(3))

    def a_put(call: Call) -> None:
        if not a_put_answered.is_set():
            assert b_put_arrived.wait(WAIT)

    def b_put(call: Call) -> None:
        if not b_put_arrived.is_set():
            b_put_arrived.set()
            assert a_put_answered.wait(WAIT)

    def a_read(call: Call) -> None:
        if a_put_answered.is_set():  # A's check after its write: let B's write land first
            assert b_put_answered.wait(WAIT)

    proxy.hook(by(KEY_A, PUT), before=a_put, after=lambda call: a_put_answered.set())
    proxy.hook(by(KEY_B, PUT), before=b_put, after=lambda call: b_put_answered.set())
    proxy.hook(by(KEY_A, READ), before=a_read)

    run_a = start(aws, proxy, tmp_path, "ecrrep.yaml", KEY_A)
    run_b = start(aws, proxy, tmp_path, "b.yaml", KEY_B)
    result_a, result_b = run_a.finish(), run_b.finish()

    assert result_a.returncode == 0, result_a.stdout + result_a.stderr
    assert result_b.returncode == 0, result_b.stdout + result_b.stderr
    assert prefixes_replicated(aws) == [f"{PREFIX_A}/", f"{PREFIX_B}/"]
    # The interleaving happened: B's write dropped A's rule and A wrote it back.
    assert proxy.count(by(KEY_A, PUT)) == 2
    assert proxy.count(by(KEY_B, PUT)) == 1


@pytest.mark.parametrize("fault", ["throttled", "answer-lost"])
def test_a_write_retried_after_a_fault_is_made_from_a_fresh_read(
        cli, aws, proxy, write_spec, tmp_path, fault):
    """A's first write fails transiently (throttled, or it landed and its answer was lost).
    Before A tries again, B runs a whole apply and adds its rule. A's next attempt must start
    from the configuration as it is now: a blind retry of the first request would send the
    document A read before B's write, and remove B's rule."""
    write_spec()
    write_spec(edit=team_b, name="b.yaml")
    first_answered, b_done = threading.Event(), threading.Event()
    if fault == "throttled":
        proxy.throttle(1.0, match=by(KEY_A, PUT), once=True)
    else:
        proxy.server_error(1.0, match=by(KEY_A, PUT), after=True, once=True)

    def hold_a(call: Call) -> None:
        if first_answered.is_set():
            assert b_done.wait(WAIT)

    proxy.hook(by(KEY_A, PUT), after=lambda call: first_answered.set())
    proxy.hook(lambda call: call.access_key == KEY_A, before=hold_a)

    run_a = start(aws, proxy, tmp_path, "ecrrep.yaml", KEY_A)
    assert first_answered.wait(WAIT), "".join(run_a.stderr)
    result_b = cli("-c", "b.yaml", "apply", "--auto-approve")
    b_done.set()
    result_a = run_a.finish()

    assert result_b.returncode == 0, result_b.stdout + result_b.stderr
    assert result_a.returncode == 0, result_a.stdout + result_a.stderr
    assert prefixes_replicated(aws) == [f"{PREFIX_A}/", f"{PREFIX_B}/"]
