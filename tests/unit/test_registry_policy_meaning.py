"""A registry policy read back, compared by meaning: whether it holds our write, and whether
it differs from the policy we would write."""

from __future__ import annotations

from ecrrep.replication import registry_policy as doc

SID = doc.statement_id("proj")
OURS = doc.our_statement("proj", "111111111111", "eu-west-1", "222222222222")
FOREIGN = {"Sid": "TheirPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::9:root"},
           "Action": ["ecr:ReplicateImage"], "Resource": ["*"]}


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def as_aws_may_answer(statement: dict) -> dict:
    """One-item lists as their item, lists in another order."""
    return {**statement, "Action": list(reversed(statement["Action"])),
            "Resource": statement["Resource"][0]}


def test_statement_order_and_aws_normal_forms_do_not_differ():
    written = policy(FOREIGN, OURS)
    read_back = policy(as_aws_may_answer(OURS), as_aws_may_answer(FOREIGN))
    assert not doc.policies_differ(written, read_back)
    assert doc.holds(read_back, SID, OURS)


def test_a_statement_more_or_less_or_changed_differs():
    assert doc.policies_differ(policy(FOREIGN, OURS), policy(OURS))
    assert doc.policies_differ(policy(OURS), None)
    assert doc.policies_differ(policy(OURS), {**policy(OURS), "Id": "theirs"})
    other_source = doc.our_statement("proj", "333333333333", "eu-west-1", "222222222222")
    assert doc.policies_differ(policy(OURS), policy(other_source))
    assert not doc.holds(policy(other_source), SID, OURS)


def test_a_write_holds_when_ours_is_there_as_wanted_and_a_removal_when_it_is_gone():
    assert doc.holds(policy(FOREIGN, OURS), SID, OURS)
    assert not doc.holds(policy(FOREIGN), SID, OURS)
    assert not doc.holds(None, SID, OURS)
    assert doc.holds(policy(FOREIGN), SID, None)
    assert doc.holds(None, SID, None)
    assert not doc.holds(policy(FOREIGN, OURS), SID, None)
