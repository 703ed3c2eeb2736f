"""A repository's replicate_to: its exact messages, its default, and what the kinds and the
replication check make of it."""

from __future__ import annotations

from datetime import timedelta

from ecrrep.engine.diff import DiffOptions
from ecrrep.replication.compare import make_report
from ecrrep.resources.base import Target
from ecrrep.resources.lifecycle_policies import KIND as LIFECYCLE_POLICIES
from ecrrep.resources.replication import KIND as REPLICATION
from ecrrep.resources.repositories import KIND as REPOSITORIES
from ecrrep.spec.models import Spec
from tests.support.replication_states import GRACE, NOW, image, state
from tests.support.spec_texts import BASE, base_with, errors, load

TWO = base_with("destination_regions: [us-west-2]", "destination_regions: [us-west-2, eu-west-1]")


def test_a_region_outside_destination_regions_is_refused():
    assert errors(TWO + "    replicate_to: [ap-south-1]\n") == [
        (8, "repositories[0].replicate_to[0]",
         "'ap-south-1' is not one of destination_regions (add it there first)")]


def test_a_region_named_twice_is_refused():
    assert errors(TWO + "    replicate_to: [eu-west-1, eu-west-1]\n") == [
        (8, "repositories[0].replicate_to[1]",
         "duplicate region 'eu-west-1' (also replicate_to[0])")]


def test_absent_means_every_destination_and_empty_means_none():
    spec = load(TWO + "  - name: testing\n    replicate_to: []\n"
                "  - name: eu\n    replicate_to: [eu-west-1]\n").spec
    assert spec.destinations_for("web") == ["us-west-2", "eu-west-1"]
    assert spec.destinations_for("testing") == []
    assert spec.regions_for("eu") == ["us-east-1", "eu-west-1"]


def _spec():
    return Spec(project="proj", source_region="us-east-1",
                destination_regions=["us-west-2", "eu-west-1"], repository_prefix="apps",
                repositories=[{"name": "web"}, {"name": "testing", "replicate_to": []},
                              {"name": "eu", "replicate_to": ["eu-west-1"],
                               "lifecycle": [{"select": "any", "keep_last": 3}]}])


def test_replicas_and_their_policies_exist_only_where_the_repository_replicates():
    spec = _spec()
    placed = {(r.region, r.name) for r in REPOSITORIES.desired(spec, Target("1", ()))}
    assert placed == {("us-east-1", "apps/web"), ("us-west-2", "apps/web"),
                      ("eu-west-1", "apps/web"), ("us-east-1", "apps/testing"),
                      ("us-east-1", "apps/eu"), ("eu-west-1", "apps/eu")}
    policies = {(r.region, r.name) for r in LIFECYCLE_POLICIES.desired(spec, Target("1", ()))}
    assert policies == {("us-east-1", "apps/eu"), ("eu-west-1", "apps/eu")}


def test_one_rule_per_set_of_destinations_each_summarised():
    rules = REPLICATION.desired(_spec(), Target("1", ()))
    assert [(r.name, r.facts["summary"]) for r in rules] == [
        ("proj/eu-west-1", ["replicate apps/eu to eu-west-1 (this account)"]),
        ("proj/eu-west-1+us-west-2", ["replicate apps/web to eu-west-1, us-west-2 (this account)"]),
    ]
    changes = REPLICATION.diff(rules, [], DiffOptions("proj"))
    assert [(c.action, c.blocked) for c in changes] == [("create", None), ("create", None)]


def test_a_filter_that_would_misroute_another_repository_blocks_the_plan():
    spec = Spec(project="proj", source_region="us-east-1", destination_regions=["us-west-2"],
                repository_prefix="apps",
                repositories=[{"name": "app"}, {"name": "app-v2", "replicate_to": []}])
    changes = REPLICATION.diff(REPLICATION.desired(spec, Target("1", ())), [],
                               DiffOptions("proj"))
    assert [c.blocked for c in changes] == [
        "repository apps/app-v2 would also be replicated to us-west-2: ECR's PREFIX_MATCH "
        "filter apps/app (a repository going there) matches every name starting so; rename "
        "one of them, or give them the same replicate_to"]


def test_the_rule_limit_counts_every_rule_of_ours():
    rules = REPLICATION.desired(_spec(), Target("1", ()))
    foreign = [REPLICATION.desired(Spec(
        project=f"team{i}", source_region="us-east-1", destination_regions=["us-west-2"],
        repository_prefix=f"team{i}", repositories=[{"name": "x"}]), Target("1", ()))[0]
        for i in range(9)]
    kept = [type(r)(r.type, r.region, f"kept-rule-{i}", r.attrs, owned=False)
            for i, r in enumerate(foreign)]
    changes = REPLICATION.diff(rules, kept, DiffOptions("proj"))
    assert {c.blocked for c in changes if not c.kept} == {
        "the registry's replication configuration already holds 9 rules that are not this "
        "project's; with ours it would hold 11, and ECR allows 10: remove a rule that is no "
        "longer needed, then plan again"}


def test_validation_checks_each_repository_only_against_its_own_destinations():
    states = {("us-east-1", "apps/prod"): state("us-east-1", [image("sha256:a", "v1")]),
              ("us-west-2", "apps/prod"): None,
              ("eu-west-1", "apps/prod"): state("eu-west-1", [image("sha256:a", "v1")])}
    report = make_report("us-east-1", ["apps/prod"], {"apps/prod": ["eu-west-1"]}, states,
                         NOW, GRACE)
    assert [(r.region, r.status) for r in report.results] == [("eu-west-1", "ok")]
    nowhere = make_report("us-east-1", ["apps/prod"], {"apps/prod": []}, states, NOW,
                          timedelta(0))
    assert nowhere.results == [] and nowhere.healthy


def test_the_schema_describes_replicate_to():
    field = Spec.model_json_schema()["$defs"]["RepositorySpec"]["properties"]["replicate_to"]
    assert field["description"].startswith("The regions this repository is replicated to")
    assert BASE  # the smallest spec stays valid without it
    assert load(BASE).spec.destinations_for("web") == ["us-west-2"]
