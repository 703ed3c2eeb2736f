"""Our statement in a destination registry's permissions policy, written against moto
in-process while other writers change the same policy: each write is read back and made
again until it holds, and our own writes to one registry take turns."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest

from ecrrep.aws import AwsError
from ecrrep.engine.plan import Change
from ecrrep.replication import registry_policy as document
from ecrrep.resources.base import ApplyOptions
from ecrrep.resources.registry_policy import KIND
from ecrrep.resources.shared.document_writes import WRITE_ATTEMPTS

REGION = "eu-central-1"
SOURCE_ACCOUNT = "111111111111"
FOREIGN = {"Sid": "TheirPull", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
           "Action": ["ecr:ReplicateImage"],
           "Resource": ["arn:aws:ecr:eu-central-1:123456789012:repository/*"]}


def statement(project: str) -> dict[str, Any]:
    return document.our_statement(project, SOURCE_ACCOUNT, REGION, "123456789012")


def change(project: str, action: str = "create") -> Change:
    ours = statement(project)
    wanted = {"statement": document.comparable(ours)}
    return Change(KIND.type, REGION, document.statement_id(project), action,  # type: ignore[arg-type]
                  wanted if action == "delete" else None,
                  None if action == "delete" else wanted, facts={"statement": ours})


def policy() -> dict[str, Any] | None:
    ecr = boto3.client("ecr", region_name=REGION)
    try:
        return json.loads(ecr.get_registry_policy()["policyText"])
    except ecr.exceptions.RegistryPolicyNotFoundException:
        return None


def put_policy(*statements: dict[str, Any]) -> None:
    boto3.client("ecr", region_name=REGION).put_registry_policy(policyText=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))


def sids() -> list[str]:
    return sorted(s["Sid"] for s in (policy() or {}).get("Statement", []))


def on_our_calls(ctx, event: str, handler) -> None:
    """`handler` after each of this context's calls named by `event`, whichever of its
    clients (retrying or not) makes them."""
    for retries in (True, False):
        ctx.client("ecr", REGION, retries=retries).meta.events.register(event, handler)


def puts(ctx) -> int:
    return ctx.stats().calls[("ecr", "PutRegistryPolicy")]


def test_our_statement_lost_to_a_writer_who_read_before_our_write_is_written_again(ctx):
    put_policy(FOREIGN)
    stale = policy()
    written: list[bool] = []

    def their_write_lands_after_ours(**_: object) -> None:
        # They read before our write and write after it: their policy holds theirs, not ours.
        if not written:
            written.append(True)
            put_policy(*stale["Statement"], {**FOREIGN, "Sid": "TheirSecond"})

    on_our_calls(ctx, "after-call.ecr.PutRegistryPolicy", their_write_lands_after_ours)
    KIND.create(ctx, change("proj"), ApplyOptions())

    assert sids() == ["EcrrepReplicationproj", "TheirPull", "TheirSecond"]
    assert document.holds(policy(), "EcrrepReplicationproj", statement("proj"))


def test_two_of_our_statements_written_at_once_into_one_policy_are_both_kept(ctx):
    """The second write runs between the first's read and its write: without turns, it ends
    before the first writes, and the first's write (from its older read) drops it."""
    second_done = threading.Event()
    first_thread = threading.current_thread()
    started: list[threading.Thread] = []

    def apply_second() -> None:
        KIND.create(ctx, change("other"), ApplyOptions())
        second_done.set()

    def after_first_read(**_: object) -> None:
        if threading.current_thread() is first_thread and not started:
            started.append(threading.Thread(target=apply_second))
            started[0].start()
            # To the end, unless it has to wait for its turn: then this wait gives up.
            second_done.wait(timeout=0.5)

    ctx.client("ecr", REGION).meta.events.register("after-call.ecr.GetRegistryPolicy",
                                                   after_first_read)
    KIND.create(ctx, change("proj"), ApplyOptions())
    started[0].join(timeout=30)

    assert sids() == ["EcrrepReplicationother", "EcrrepReplicationproj"]


def test_our_statement_brought_back_by_a_stale_write_is_removed_again_and_theirs_kept(ctx):
    put_policy(FOREIGN, statement("proj"))
    stale = policy()
    restored: list[bool] = []

    def their_stale_write(**_: object) -> None:
        if not restored:
            restored.append(True)
            put_policy(*stale["Statement"], {**FOREIGN, "Sid": "TheirSecond"})

    on_our_calls(ctx, "after-call.ecr.PutRegistryPolicy", their_stale_write)
    KIND.delete(ctx, change("proj", "delete"), ApplyOptions())

    assert sids() == ["TheirPull", "TheirSecond"]
    assert policy()["Statement"][0] == FOREIGN


def test_removing_our_only_statement_deletes_the_policy_and_a_stale_write_is_undone(ctx):
    put_policy(statement("proj"))
    stale = policy()
    restored: list[bool] = []

    def their_stale_write(**_: object) -> None:
        if not restored:
            restored.append(True)
            put_policy(*stale["Statement"], FOREIGN)

    on_our_calls(ctx, "after-call.ecr.DeleteRegistryPolicy", their_stale_write)
    KIND.delete(ctx, change("proj", "delete"), ApplyOptions())

    assert sids() == ["TheirPull"]


def test_a_read_back_aws_normalised_holds_without_a_second_write(ctx):
    """AWS may answer a one-item list as its item and the statements in another order."""
    put_policy(FOREIGN)

    def normalised(parsed: dict[str, Any], **_: object) -> None:
        if "policyText" in parsed:
            text = json.loads(parsed["policyText"])
            text["Statement"] = [{**s, "Resource": s["Resource"][0]}
                                 for s in reversed(text["Statement"])]
            parsed["policyText"] = json.dumps(text)

    on_our_calls(ctx, "after-call.ecr.GetRegistryPolicy", normalised)
    KIND.create(ctx, change("proj"), ApplyOptions())

    assert puts(ctx) == 1
    assert sids() == ["EcrrepReplicationproj", "TheirPull"]


def test_a_policy_that_keeps_changing_under_us_fails_after_a_bounded_number_of_writes(ctx):
    put_policy(FOREIGN)

    def someone_always_writes_back(**_: object) -> None:
        put_policy(FOREIGN)

    on_our_calls(ctx, "after-call.ecr.PutRegistryPolicy", someone_always_writes_back)
    with pytest.raises(AwsError) as failed:
        KIND.create(ctx, change("proj"), ApplyOptions())

    assert failed.value.code == "LostUpdate"
    assert failed.value.line() == (
        f"PutRegistryPolicy registry policy ({REGION}): LostUpdate: it kept changing "
        f"under {WRITE_ATTEMPTS} attempts to write it; run apply again")
    assert puts(ctx) == WRITE_ATTEMPTS
    assert sids() == ["TheirPull"]


def refuse_puts(ctx, code: str, times: int) -> list[str]:
    """The first `times` PutRegistryPolicy calls of this context fail with `code` (before
    they take an in-flight slot); returns the list each attempt is noted in."""
    from botocore.exceptions import ClientError

    attempts: list[str] = []

    def refuse(**_: object) -> None:
        attempts.append(code)
        if len(attempts) <= times:
            raise ClientError({"Error": {"Code": code, "Message": "no"}}, "PutRegistryPolicy")

    for retries in (True, False):
        ctx.client("ecr", REGION, retries=retries).meta.events.register_first(
            "before-call.ecr.PutRegistryPolicy", refuse)
    return attempts


def test_a_throttled_write_is_made_again_from_a_fresh_read(ctx, monkeypatch):
    monkeypatch.setattr("ecrrep.aws.interrupts.sleep", lambda seconds: None)
    attempts = refuse_puts(ctx, "ThrottlingException", times=1)
    put_policy(FOREIGN)
    reads: list[bool] = []
    ctx.client("ecr", REGION).meta.events.register(
        "after-call.ecr.GetRegistryPolicy", lambda **_: reads.append(True))

    KIND.create(ctx, change("proj"), ApplyOptions())

    assert len(attempts) == 2
    assert len(reads) == 3  # read, (throttled write), read, write, read back
    assert sids() == ["EcrrepReplicationproj", "TheirPull"]


def test_a_refused_write_fails_at_once_named_by_the_change(ctx):
    attempts = refuse_puts(ctx, "InvalidParameterException", times=1)

    with pytest.raises(AwsError) as failed:
        KIND.apply(ctx, change("proj"), ApplyOptions())

    assert len(attempts) == 1
    assert failed.value.line() == (
        f"PutRegistryPolicy registry policy statement EcrrepReplicationproj ({REGION}): "
        "InvalidParameterException: no")
    assert policy() is None
