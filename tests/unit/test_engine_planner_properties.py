"""Properties of the planner, for specs and documents that hypothesis makes up.

- What the spec wants, read back unchanged, plans nothing, for every kind.
- Normalising a policy or lifecycle document is idempotent, and blind to how the same meaning
  is written (key order, list order, one item or a one-item list, JSON text or data).
- Carrying out a plan on a state (in memory: creates and updates write `after`, deletes
  remove) leaves a state for which the same spec plans nothing.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ecrrep.engine.diff import DiffOptions
from ecrrep.engine.plan import Resource, resource_address
from ecrrep.engine.planner import make_plan
from ecrrep.resources import all_kinds
from ecrrep.resources.base import Target
from ecrrep.spec.documents import (
    documents_differ,
    normalise_lifecycle_policy,
    normalise_policy,
)
from ecrrep.spec.models import Spec

ACCOUNT = "123456789012"
TARGET = Target(ACCOUNT)
KINDS = all_kinds()
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
NAMES = ["api", "web", "worker", "batch", "db-migrate"]
PROJECT = "props-test"

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# -- specs -----------------------------------------------------------------------------------

lowercase_word = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
tag_text = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._:/=+@-]{0,15}", fullmatch=True)
tag_prefix = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,9}", fullmatch=True)
role_arn = st.builds(lambda account, name: f"arn:aws:iam::{account}:role/{name}",
                     st.sampled_from([ACCOUNT, "210987654321"]), lowercase_word)


@st.composite
def lifecycle_rules(draw: Any) -> list[dict[str, Any]]:
    rules = []
    for _ in range(draw(st.integers(1, 4))):
        select = draw(st.sampled_from(["tagged", "untagged"]))
        rule: dict[str, Any] = {"select": select}
        if select == "tagged":
            key = draw(st.sampled_from(["tag_prefixes", "tag_patterns"]))
            values = draw(st.lists(tag_prefix, min_size=1, max_size=1))
            if key == "tag_patterns":
                values = [v + "*" for v in values]
            rule[key] = values
        if draw(st.booleans()):
            rule["keep_last"] = draw(st.integers(1, 500))
        else:
            rule["expire_after_days"] = draw(st.integers(1, 400))
        if draw(st.booleans()):
            rule["description"] = draw(tag_text)
        rules.append(rule)
    if draw(st.booleans()):
        rules.append({"select": "any", "expire_after_days": draw(st.integers(1, 400))})
    return rules


@st.composite
def repositories(draw: Any) -> list[dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    out = []
    for name in names:
        repository: dict[str, Any] = {
            "name": name,
            "tag_mutability": draw(st.sampled_from(["IMMUTABLE", "MUTABLE"])),
            "scan_on_push": draw(st.booleans()),
            "access": draw(st.sampled_from(["restricted", "open", "custom"])),
        }
        if draw(st.integers(0, 9)) == 0:  # rare, so that plans are seldom blocked by it
            repository.update(encryption="KMS", kms_key="alias/ecr")
        if repository["access"] == "custom":
            repository["policy"] = draw(policy_documents())
        if draw(st.booleans()):
            repository["lifecycle"] = draw(lifecycle_rules())
        out.append(repository)
    return out


@st.composite
def spec_data(draw: Any, project: str = PROJECT) -> dict[str, Any]:
    regions = draw(st.permutations(REGIONS))
    count = draw(st.integers(1, 3))
    repos = draw(repositories())
    create_roles = draw(st.booleans())
    iam: dict[str, Any] = {"create_roles": create_roles}
    if create_roles:
        if draw(st.booleans()):
            iam["ci_principals"] = draw(st.lists(role_arn, max_size=2, unique=True))
    else:
        iam["production_role_arn"] = f"arn:aws:iam::{ACCOUNT}:role/prod"
        iam["ci_role_arn"] = f"arn:aws:iam::{ACCOUNT}:role/ci"
    cleanup_names = draw(st.lists(st.sampled_from([r["name"] for r in repos]), unique=True))
    return {
        "version": 1,
        "project": project,
        "source_region": regions[0],
        "destination_regions": list(regions[1:1 + count]),
        "repository_prefix": draw(st.sampled_from(["apps", "org/team", "my-company.apps"])),
        "tags": draw(st.dictionaries(st.from_regex(r"[A-Z][a-z]{1,8}", fullmatch=True),
                                     tag_text, max_size=3)),
        "repositories": repos,
        "iam": iam,
        "monitoring": {"enabled": draw(st.booleans()),
                       "pull_count_per_5min": draw(st.integers(1, 10_000))},
        "notifications": {"enabled": draw(st.booleans()), "email": "ops@example.com"},
        "cleanup": {
            "enabled": draw(st.booleans()),
            "schedule": draw(st.sampled_from(["cron(0 2 * * ? *)", "rate(12 hours)"])),
            "retention_days": {n: draw(st.integers(1, 365)) for n in cleanup_names},
            "protected_tag_prefixes": draw(st.lists(tag_prefix, max_size=2)),
        },
    }


def build(data: dict[str, Any]) -> Spec:
    try:
        return Spec.model_validate(data)
    except ValidationError:
        assume(False)
        raise


def desired(spec: Spec) -> list[Resource]:
    return [r for kind in KINDS for r in kind.desired(spec, TARGET)]


# -- policy and lifecycle documents ----------------------------------------------------------

actions = st.sampled_from(["ecr:BatchGetImage", "ecr:PutImage", "ecr:ListImages",
                           "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages"])
principals = st.sampled_from([ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root",
                              f"arn:aws:iam::{ACCOUNT}:role/ci", "arn:aws:iam::210987654321:root"])


@st.composite
def policy_documents(draw: Any) -> dict[str, Any]:
    statements = []
    for index in range(draw(st.integers(1, 3))):
        statement: dict[str, Any] = {
            "Sid": f"S{index}",
            "Effect": draw(st.sampled_from(["Allow", "Deny"])),
            "Action": draw(st.lists(actions, min_size=1, max_size=3, unique=True)),
            "Principal": {"AWS": draw(st.lists(principals, min_size=1, max_size=2,
                                               unique=True))},
        }
        if draw(st.booleans()):
            statement["Condition"] = {"StringEquals": {
                "aws:PrincipalOrgID": draw(st.lists(lowercase_word, min_size=1, max_size=2,
                                                    unique=True))}}
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


@st.composite
def lifecycle_documents(draw: Any) -> dict[str, Any]:
    rules = []
    for priority in draw(st.lists(st.integers(1, 99), min_size=1, max_size=4, unique=True)):
        selection: dict[str, Any] = {"tagStatus": draw(st.sampled_from(["tagged",
                                                                         "untagged", "any"]))}
        if selection["tagStatus"] == "tagged":
            selection["tagPrefixList"] = draw(st.lists(tag_prefix, min_size=1, max_size=3,
                                                       unique=True))
        if draw(st.booleans()):
            selection.update(countType="imageCountMoreThan", countNumber=draw(st.integers(1, 99)))
        else:
            selection.update(countType="sinceImagePushed", countUnit="days",
                             countNumber=draw(st.integers(1, 99)))
        rule = {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}
        if draw(st.booleans()):
            rule["description"] = draw(tag_text)
        rules.append(rule)
    return {"rules": rules}


def rewritten(value: Any, rng: random.Random, list_keys: frozenset[str]) -> Any:
    """The same document written differently: keys in another order, order-free lists
    shuffled, one item written bare or as a one-item list, account ids for root ARNs."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: rewritten_field(k, v, rng, list_keys) for k, v in items}
    if isinstance(value, list):
        return [rewritten(v, rng, list_keys) for v in value]
    return value


def rewritten_field(key: str, value: Any, rng: random.Random, list_keys: frozenset[str]) -> Any:
    if key in list_keys or key in ("AWS", "Service"):
        items = list(value) if isinstance(value, list) else [value]
        rng.shuffle(items)
        if key == "AWS":
            items = [ACCOUNT if v == f"arn:aws:iam::{ACCOUNT}:root" and rng.random() < 0.5
                     else v for v in items]
        if len(items) == 1 and key not in LIFECYCLE_LISTS and rng.random() < 0.5:
            return items[0]  # IAM reads a bare value as a one-item list; ECR lifecycle does not
        return items
    if key == "Statement":
        statements = [rewritten(s, rng, list_keys) for s in value]
        rng.shuffle(statements)
        return statements[0] if len(statements) == 1 and rng.random() < 0.5 else statements
    if key == "rules":
        rules = [rewritten(r, rng, list_keys) for r in value]
        rng.shuffle(rules)
        return rules
    return rewritten(value, rng, list_keys)


POLICY_LISTS = frozenset({"Action", "Resource", "aws:PrincipalOrgID"})
LIFECYCLE_LISTS = frozenset({"tagPrefixList"})


# -- the properties --------------------------------------------------------------------------


@SETTINGS
@given(spec_data())
def test_what_the_spec_wants_read_back_unchanged_plans_nothing_for_every_kind(data):
    spec = build(data)
    options = DiffOptions(spec.project)
    for kind in KINDS:
        wanted = kind.desired(spec, TARGET)
        changes = kind.diff(wanted, [Resource(r.type, r.region, r.name, json.loads(
            json.dumps(r.attrs)), facts=dict(r.facts)) for r in wanted], options)
        assert [c.address for c in changes if c.is_change or c.blocked] == [], kind.type
    plan = make_plan(spec, TARGET, desired(spec), options, KINDS)
    assert not plan.has_changes and not plan.blocked


@SETTINGS
@given(policy_documents(), st.randoms(use_true_random=False))
def test_normalising_a_policy_is_idempotent_and_blind_to_how_it_is_written(document, rng):
    once = normalise_policy(document)
    assert normalise_policy(once) == once
    assert normalise_policy(json.dumps(document)) == once
    variant = rewritten(document, rng, POLICY_LISTS)
    assert normalise_policy(variant) == once, variant
    assert not documents_differ(normalise_policy(variant), once)


@SETTINGS
@given(lifecycle_documents(), st.randoms(use_true_random=False))
def test_normalising_a_lifecycle_policy_is_idempotent_and_blind_to_how_it_is_written(
        document, rng):
    once = normalise_lifecycle_policy(document)
    assert normalise_lifecycle_policy(once) == once
    assert normalise_lifecycle_policy(json.dumps(document)) == once
    variant = rewritten(document, rng, LIFECYCLE_LISTS)
    assert normalise_lifecycle_policy(variant) == once, variant


def drifted(resources: list[Resource], rng: random.Random) -> list[Resource]:
    """An account that has drifted: some resources gone, some fields changed by hand, one
    foreign replication rule another team keeps."""
    out = []
    for resource in resources:
        roll = rng.random()
        if roll < 0.2:
            continue
        attrs = json.loads(json.dumps(resource.attrs))
        if roll < 0.5 and attrs:
            field = rng.choice(sorted(attrs))
            attrs[field] = {"changed": "by hand"} if rng.random() < 0.5 else None
        out.append(Resource(resource.type, resource.region, resource.name, attrs,
                            facts=dict(resource.facts)))
    out.append(Resource("ecr_replication_rule", "us-east-1", "kept-rule-9",
                        {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT}],
                         "repository_filters": [{"filter": "other-team",
                                                 "filterType": "PREFIX_MATCH"}]},
                        owned=False))
    return out


def applied_in_memory(state: list[Resource], plan: Any) -> list[Resource]:
    """What apply would leave, if every change did exactly what it says."""
    by_address = {r.address: r for r in state}
    for change in plan.changes:
        if change.action in ("create", "update"):
            by_address[change.address] = Resource(change.type, change.region, change.name,
                                                  dict(change.after or {}),
                                                  facts=dict(change.facts))
        elif change.action == "delete":
            del by_address[change.address]
            # What goes with the deleted resource (a repository's policies) goes too.
            for kind in KINDS:
                if kind.deleted_with == change.type:
                    by_address.pop(resource_address(kind.type, change.region, change.name), None)
    return list(by_address.values())


@SETTINGS
@given(spec_data(), spec_data(), st.randoms(use_true_random=False), st.booleans())
def test_carrying_out_a_plan_leaves_a_state_that_plans_nothing(before, after, rng, adopt):
    """From the account an earlier spec made, drifted by hand, to a new spec: one plan,
    carried out, and the new spec plans nothing more; foreign rules are still there."""
    old, new = build(before), build(after)
    options = DiffOptions(PROJECT, adopt=adopt, force_delete_images=True)
    state = drifted(desired(old), rng)
    plan = make_plan(new, TARGET, state, options, KINDS)
    assume(not plan.blocked)

    result = applied_in_memory(state, plan)

    again = make_plan(new, TARGET, result, options, KINDS)
    assert [c.address for c in again.changes if c.is_change] == []
    assert [c.address for c in again.kept] == ["ecr_replication_rule.us-east-1.kept-rule-9"]
