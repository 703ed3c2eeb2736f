"""Normalisers compare documents by meaning: what AWS may hand back differently is not a diff."""

from __future__ import annotations

import json

from ecrrep.spec.documents import (
    ci_role_policy,
    documents_differ,
    lifecycle_policy_document,
    normalise_lifecycle_policy,
    normalise_policy,
    production_role_policy,
    repository_policy_document,
)
from ecrrep.spec.models import LifecycleRuleSpec, RepositorySpec

ACCOUNT = "123456789012"
PROD = f"arn:aws:iam::{ACCOUNT}:role/p-ecr-production"
CI = f"arn:aws:iam::{ACCOUNT}:role/p-ecr-ci"


def test_same_policy_with_other_key_order_and_single_item_lists_is_no_change():
    ours = {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Pull",
            "Effect": "Allow",
            "Principal": {"AWS": [PROD]},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }],
    }
    theirs = json.dumps({
        "Statement": {
            "Action": ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            "Principal": {"AWS": PROD},
            "Effect": "Allow",
            "Sid": "Pull",
        },
        "Version": "2012-10-17",
    })
    assert not documents_differ(normalise_policy(ours), normalise_policy(theirs))


def test_statement_order_and_duplicate_actions_do_not_matter():
    a = {"Statement": [{"Sid": "A", "Action": "x:A", "Effect": "Allow"},
                       {"Sid": "B", "Action": ["x:B", "x:B"], "Effect": "Allow"}]}
    b = {"Statement": [{"Sid": "B", "Action": "x:B", "Effect": "Allow"},
                       {"Sid": "A", "Action": ["x:A"], "Effect": "Allow"}]}
    assert normalise_policy(a) == normalise_policy(b)


def test_account_id_principal_equals_account_root_arn_and_star_equals_aws_star():
    by_id = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "a:b"}]}
    by_arn = {"Statement": [{"Effect": "Allow", "Action": "a:b",
                             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}]}
    assert normalise_policy(by_id) == normalise_policy(by_arn)
    star = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "a:b"}]}
    aws_star = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "a:b"}]}
    assert normalise_policy(star) == normalise_policy(aws_star)


def test_a_real_difference_is_a_difference():
    a = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": PROD}, "Action": "ecr:PutImage"}]}
    b = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": CI}, "Action": "ecr:PutImage"}]}
    assert documents_differ(normalise_policy(a), normalise_policy(b))


def test_condition_values_compare_as_sets():
    a = {"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",
                        "Condition": {"StringEquals": {"k": ["x", "y"]}}}]}
    b = {"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": ["*"],
                        "Condition": {"StringEquals": {"k": ["y", "x"]}}}]}
    assert normalise_policy(a) == normalise_policy(b)


def test_normalising_twice_equals_normalising_once():
    doc = repository_policy_document("restricted", None, ACCOUNT, PROD, CI)
    assert normalise_policy(doc) == doc
    lifecycle = {"rules": [{"rulePriority": 2, "selection": {"tagStatus": "untagged",
                 "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 2},
                 "action": {"type": "expire"}}]}
    once = normalise_lifecycle_policy(lifecycle)
    assert normalise_lifecycle_policy(once) == once


def test_lifecycle_rules_compare_by_priority_and_prefix_set():
    a = {"rules": [
        {"rulePriority": 2, "action": {"type": "expire"},
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed",
                       "countUnit": "days", "countNumber": 2}},
        {"rulePriority": 1, "action": {"type": "expire"}, "description": "keep",
         "selection": {"tagStatus": "tagged", "tagPrefixList": ["b", "a"],
                       "countType": "imageCountMoreThan", "countNumber": 3}},
    ]}
    b = json.dumps({"rules": [
        {"selection": {"countNumber": 3, "countType": "imageCountMoreThan",
                       "tagPrefixList": ["a", "b"], "tagStatus": "tagged"},
         "rulePriority": 1, "description": "keep", "action": {"type": "expire"}},
        {"selection": {"countNumber": 2, "countUnit": "days", "countType": "sinceImagePushed",
                       "tagStatus": "untagged"},
         "rulePriority": 2, "action": {"type": "expire"}, "description": ""},
    ]})
    assert normalise_lifecycle_policy(a) == normalise_lifecycle_policy(b)


def test_lifecycle_document_from_spec_rules_in_priority_order():
    repo = RepositorySpec(name="production", lifecycle=[
        LifecycleRuleSpec(select="tagged", tag_prefixes=["prod"], keep_last=15),
        LifecycleRuleSpec(select="untagged", expire_after_days=2),
    ])
    doc = lifecycle_policy_document(repo)
    assert [r["rulePriority"] for r in doc["rules"]] == [1, 2]
    assert doc["rules"][0]["selection"] == {
        "tagStatus": "tagged", "tagPrefixList": ["prod"],
        "countType": "imageCountMoreThan", "countNumber": 15,
    }
    assert doc["rules"][1]["selection"] == {
        "tagStatus": "untagged", "countType": "sinceImagePushed",
        "countUnit": "days", "countNumber": 2,
    }
    # boto3 refuses lifecycle policy text shorter than 100 characters.
    assert len(json.dumps(doc)) >= 100


def test_no_lifecycle_in_spec_means_no_document():
    assert lifecycle_policy_document(RepositorySpec(name="x")) is None


def test_restricted_policy_lets_production_pull_and_ci_push():
    doc = repository_policy_document("restricted", None, ACCOUNT, PROD, CI)
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["ProductionPull"]["Principal"] == {"AWS": PROD}
    assert "ecr:PutImage" not in by_sid["ProductionPull"]["Action"]
    assert by_sid["CIPushPull"]["Principal"] == {"AWS": CI}
    assert "ecr:PutImage" in by_sid["CIPushPull"]["Action"]


def test_open_policy_lets_the_account_pull():
    doc = repository_policy_document("open", None, ACCOUNT, PROD, CI)
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert by_sid["AccountPull"]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def test_production_policy_lists_repositories_until_iam_size_limit_then_uses_prefix():
    regions = ["us-east-1", "us-west-2", "eu-west-1"]
    small = production_role_policy(ACCOUNT, regions, "apps", ["a", "b"])
    pull = next(s for s in small["Statement"] if s["Sid"] == "PullImages")
    assert len(pull["Resource"]) == 6
    big = production_role_policy(ACCOUNT, regions, "apps", [f"repo-{i}" for i in range(500)])
    pull = next(s for s in big["Statement"] if s["Sid"] == "PullImages")
    assert sorted(pull["Resource"]) == sorted(
        f"arn:aws:ecr:{r}:{ACCOUNT}:repository/apps/*" for r in regions)


def test_no_star_action_in_role_policies():
    for doc in (production_role_policy(ACCOUNT, ["us-east-1"], "apps", ["a"]),
                ci_role_policy(ACCOUNT, "us-east-1", "apps")):
        for statement in doc["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [
                statement["Action"]]
            assert all("*" not in a for a in actions)
