"""`ecrrep import` end to end: the spec it writes for a registry plans no change but taking
ownership, and after applying it the account is in sync.

Registries: one applied by ecrrep from the example spec, one built by hand with boto3 (odd
lifecycle policies, a custom repository policy, a replication rule of another team), and one
shaped as the Terraform recipe builds it."""

from __future__ import annotations

import io
import json
import zipfile

import yaml

from tests.support.account import ACCOUNT_ID
from tests.support.e2e_steps import apply_ok, roles_known
from tests.support.specs import EXAMPLE_SPEC

PREFIX = "my-company-apps"
DESTINATIONS = ("us-west-2", "eu-west-1")
FUNCTION = "container-registry-replication-ecr-cleanup"


def import_spec(cli, *extra: str) -> tuple[str, dict]:
    result = cli("import", "--prefix", PREFIX, "--source-region", "us-east-1", "-o", "B.yaml",
                 *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    text = (cli.workdir / "B.yaml").read_text()
    return text, yaml.safe_load(text)


def plan_doc(cli, *args: str) -> dict:
    result = cli("plan", "--json", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def changes_other_than_ownership(doc: dict) -> list[str]:
    """Addresses the plan changes for another reason than putting ecrrep's tags on what lacked
    them and writing its ownership claims (the changes adopting an existing registry needs)."""
    other = []
    for change in doc["resource_changes"]:
        actions, body = change["change"]["actions"], change["change"]
        if actions == ["no-op"] and not change.get("blocked") or "adopt" in actions[0]:
            continue
        if change["type"] == "ownership_claim" and actions == ["create"]:
            continue
        if change["type"] == "ecr_replication_rule" and actions == ["update"] and (
                body["before"]["destinations"] == body["after"]["destinations"]):
            continue  # our rule's filter rewritten to the current form: same replication
        before_tags = (body.get("before") or {}).get("tags") or {}
        if (actions == ["update"] and body.get("fields") == ["tags"]
                and "ecrrep:project" not in before_tags):
            continue
        other.append(f"{change['address']} {actions} {body.get('fields')} {change.get('blocked')}")
    return other


def test_example_round_trip(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    text, spec = import_spec(cli)
    assert spec["project"] == "container-registry-replication"
    # Without -o the same spec goes to standard output, and nothing else does.
    to_stdout = cli("import", "--prefix", PREFIX, "--source-region", "us-east-1")
    assert (to_stdout.returncode, to_stdout.stdout) == (0, text)
    # An applied spec comes back as itself: nothing to say, the same settings.
    assert "cannot express" not in text
    example = yaml.safe_load(EXAMPLE_SPEC.read_text())
    assert spec["repositories"] == [
        {"scan_on_push": True, "encryption": "AES256", **r} for r in example["repositories"]]
    assert (spec["cleanup"], spec["monitoring"]) == (example["cleanup"], example["monitoring"])
    # Read from the settings file in the function's package (Lambda's environment holds none),
    # and the destinations in the spec's order, not the registry's.
    assert spec["cleanup"]["retention_days"] == {"production": 90, "testing": 7}
    assert spec["destination_regions"] == list(DESTINATIONS) == example["destination_regions"]
    function = aws.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]
    assert "Environment" not in function or not function["Environment"].get("Variables")
    assert changes_other_than_ownership(plan_doc(cli, "-c", "B.yaml", "--adopt")) == []
    apply_ok(cli, "-c", "B.yaml")
    assert cli("plan", "-c", "B.yaml", "--detailed-exitcode").returncode == 0


def test_unreadable_function_settings_give_the_defaults_and_say_why(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
    client = aws.client("lambda")
    sha = client.update_function_code(FunctionName=FUNCTION,
                                      ZipFile=buffer.getvalue())["CodeSha256"]
    text, spec = import_spec(cli)
    assert spec["cleanup"] == {"enabled": True, "schedule": "cron(0 2 * * ? *)"}
    cleanup_at = text.splitlines().index("cleanup:")
    assert text.splitlines()[cleanup_at - 2:cleanup_at] == [
        "# the function's settings could not be read from its package (the package has no",
        "# ecrrep/cleanup/function/settings.json): defaults written"]
    # Without the settings, the destinations come in the registry rule's order.
    rules = aws.client("ecr").describe_registry()["replicationConfiguration"]["rules"]
    assert spec["destination_regions"] == [d["region"] for d in rules[0]["destinations"]]
    assert client.get_function(FunctionName=FUNCTION)["Configuration"]["CodeSha256"] == sha


# -- a registry built by hand ----------------------------------------------------------------

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/"
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
PUSH = ["ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload", "ecr:PutImage",
        "ecr:UploadLayerPart"]


def allow(sid: str, principal: str, actions: list[str]) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions}


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


HAND_BUILT = {
    # Priorities 10 and 20, no descriptions: only the raw policy says this exactly.
    "api": {
        "mutability": "IMMUTABLE",
        "lifecycle": {"rules": [
            {"rulePriority": 10, "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"],
                                               "countType": "imageCountMoreThan",
                                               "countNumber": 30},
             "action": {"type": "expire"}},
            {"rulePriority": 20, "selection": {"tagStatus": "untagged",
                                               "countType": "sinceImagePushed",
                                               "countUnit": "days", "countNumber": 1},
             "action": {"type": "expire"}}]},
        "policy": policy(allow("CrossAccountPull", "arn:aws:iam::210987654321:root", PULL)),
    },
    # Friendly rules (patterns, described), and exactly the `restricted` preset's policy.
    "web": {
        "mutability": "MUTABLE",
        "lifecycle": {"rules": [
            {"rulePriority": 1, "description": "keep releases",
             "selection": {"tagStatus": "tagged", "tagPatternList": ["release-*"],
                           "countType": "imageCountMoreThan", "countNumber": 5},
             "action": {"type": "expire"}},
            {"rulePriority": 2, "description": "drop the rest after a week",
             "selection": {"tagStatus": "any", "countType": "sinceImagePushed",
                           "countUnit": "days", "countNumber": 7},
             "action": {"type": "expire"}}]},
        "policy": policy(allow("ProductionPull", ROLE + "deployer", PULL),
                         allow("CIPushPull", ROLE + "ci-pusher", PULL + PUSH)),
    },
    # The `open` preset's policy, and no lifecycle policy at all.
    "jobs": {
        "mutability": "IMMUTABLE",
        "lifecycle": None,
        "policy": policy(allow("AccountPull", f"arn:aws:iam::{ACCOUNT_ID}:root", PULL),
                         allow("CIPushPull", ROLE + "ci-pusher", PULL + PUSH)),
    },
}
FOREIGN_RULE = {"destinations": [{"region": "eu-west-1", "registryId": ACCOUNT_ID}],
                "repositoryFilters": [{"filter": "other-team", "filterType": "PREFIX_MATCH"}]}


def build_by_hand(aws) -> None:
    roles_known(aws, ROLE + "deployer", ROLE + "ci-pusher")
    for region in ("us-east-1", "us-west-2"):
        ecr = aws.client("ecr", region)
        for name, repo in HAND_BUILT.items():
            full = f"{PREFIX}/{name}"
            ecr.create_repository(repositoryName=full, imageTagMutability=repo["mutability"],
                                  imageScanningConfiguration={"scanOnPush": True},
                                  tags=[{"Key": "Team", "Value": "Platform"}])
            ecr.set_repository_policy(repositoryName=full, policyText=repo["policy"])
            if repo["lifecycle"]:
                ecr.put_lifecycle_policy(repositoryName=full,
                                         lifecyclePolicyText=json.dumps(repo["lifecycle"]))
    ecr = aws.client("ecr", "us-east-1")
    ecr.create_repository(repositoryName=f"{PREFIX}/team/nested")
    ecr.put_replication_configuration(replicationConfiguration={"rules": [
        {"destinations": [{"region": "us-west-2", "registryId": ACCOUNT_ID}],
         "repositoryFilters": [{"filter": PREFIX, "filterType": "PREFIX_MATCH"}]},
        FOREIGN_RULE,
    ]})


def test_hand_built_round_trip(cli, aws):
    build_by_hand(aws)
    text, spec = import_spec(cli)
    by_name = {r["name"]: r for r in spec["repositories"]}
    assert sorted(by_name) == ["api", "jobs", "web"]
    assert spec["destination_regions"] == ["us-west-2"]
    assert spec["iam"] == {"create_roles": False, "production_role_arn": ROLE + "deployer",
                           "ci_role_arn": ROLE + "ci-pusher"}
    assert by_name["api"]["access"] == "custom"
    assert by_name["api"]["lifecycle_policy"]["rules"][0]["rulePriority"] == 10
    assert by_name["web"]["access"] == "restricted"
    assert by_name["web"]["lifecycle"] == [
        {"select": "tagged", "tag_patterns": ["release-*"], "keep_last": 5,
         "description": "keep releases"},
        {"select": "any", "expire_after_days": 7, "description": "drop the rest after a week"}]
    assert by_name["jobs"]["access"] == "open" and "lifecycle" not in by_name["jobs"]
    assert "rule priorities are not 1, 2, 3" in text
    assert "other-team" in text and "keeps it exactly as" in text
    assert f"{PREFIX}/team/nested is not a name the spec can hold" in text

    assert changes_other_than_ownership(plan_doc(cli, "-c", "B.yaml", "--adopt")) == []
    apply_ok(cli, "-c", "B.yaml", "--adopt")
    assert cli("plan", "-c", "B.yaml", "--detailed-exitcode").returncode == 0
    ecr = aws.client("ecr", "us-east-1")
    rules = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert FOREIGN_RULE in rules
    for region in ("us-east-1", "us-west-2"):
        client = aws.client("ecr", region)
        for name, repo in HAND_BUILT.items():
            arn = client.describe_repositories(
                repositoryNames=[f"{PREFIX}/{name}"])["repositories"][0]["repositoryArn"]
            tags = {t["Key"]: t["Value"] for t in client.list_tags_for_resource(
                resourceArn=arn)["tags"]}
            assert tags["ecrrep:project"] == spec["project"] and tags["Team"] == "Platform"
            text_now = client.get_repository_policy(repositoryName=f"{PREFIX}/{name}")
            assert json.loads(text_now["policyText"]) == json.loads(repo["policy"])
    claims = aws.client("ssm", "us-east-1").get_parameters_by_path(
        Path=f"/ecrrep/{spec['project']}", Recursive=True)["Parameters"]
    assert f"/ecrrep/{spec['project']}/prefix/{PREFIX}" in {p["Name"] for p in claims}
    nested = ecr.describe_repositories(repositoryNames=[f"{PREFIX}/team/nested"])
    nested_tags = ecr.list_tags_for_resource(
        resourceArn=nested["repositories"][0]["repositoryArn"])["tags"]
    assert nested_tags == []  # left alone


def test_import_without_replication_says_why_and_writes_nothing(cli, aws):
    aws.client("ecr").create_repository(repositoryName=f"{PREFIX}/api")
    result = cli("import", "--prefix", PREFIX, "--source-region", "us-east-1", "-o", "B.yaml")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"Error: no replication rule in us-east-1 replicates repositories under {PREFIX}/ to "
        "another region of this account; a spec needs at least one destination region")
    assert not (cli.workdir / "B.yaml").exists()
    arn = aws.client("ecr").describe_repositories()["repositories"][0]["repositoryArn"]
    assert aws.client("ecr").list_tags_for_resource(resourceArn=arn)["tags"] == []


def test_import_refuses_bad_arguments_before_reading(cli, aws):
    result = cli("import", "--prefix", "My_Apps", "--source-region", "us-east-1")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == (
        "Error: --prefix: must be lowercase letters and digits, separated by single '.', '_', "
        "'-' or '/' (got 'My_Apps'); nothing was read")
    result = cli("import", "--prefix", PREFIX, "--source-region", "us-east-9")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: --source-region: unknown AWS region 'us-east-9'")


# -- a registry shaped as the Terraform recipe builds it -------------------------------------

RECIPE_TAGS = [{"Key": k, "Value": v} for k, v in {
    "Project": "Container-Registry-Replication", "Environment": "production", "Team": "DevOps",
    "CostCenter": "Engineering", "ManagedBy": "terraform"}.items()]


def recipe_lifecycle(rules: list[tuple[str, dict]]) -> str:
    return json.dumps({"rules": [
        {"rulePriority": i, "description": text, "selection": selection,
         "action": {"type": "expire"}}
        for i, (text, selection) in enumerate(rules, start=1)]})


def build_like_the_recipe(aws) -> None:
    """As the recipe's README describes it: two repositories made by Terraform, its own roles
    in the repository policies, replicas left to ECR's replication (none yet here)."""
    ecr = aws.client("ecr", "us-east-1")
    production_role = ROLE + "container-registry-replication-ecr-production-role"
    ci_role = ROLE + "container-registry-replication-ecr-ci-pipeline-role"
    roles_known(aws, production_role, ci_role)
    for name, mutability, lifecycle in (
        ("production", "IMMUTABLE", [
            ("Keep last 15 production images",
             {"tagStatus": "tagged", "tagPrefixList": ["prod", "release"],
              "countType": "imageCountMoreThan", "countNumber": 15}),
            ("Delete untagged images older than 2 days",
             {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
              "countNumber": 2})]),
        ("testing", "MUTABLE", [
            ("Keep last 8 testing images",
             {"tagStatus": "tagged", "tagPrefixList": ["test"],
              "countType": "imageCountMoreThan", "countNumber": 8}),
            ("Delete all testing images older than 7 days",
             {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days",
              "countNumber": 7})]),
    ):
        full = f"{PREFIX}/{name}"
        ecr.create_repository(repositoryName=full, imageTagMutability=mutability,
                              imageScanningConfiguration={"scanOnPush": True},
                              tags=RECIPE_TAGS)
        ecr.put_lifecycle_policy(repositoryName=full,
                                 lifecyclePolicyText=recipe_lifecycle(lifecycle))
        ecr.set_repository_policy(repositoryName=full, policyText=policy(
            allow("ProdReadOnlyAccess", production_role, PULL),
            allow("CIPipelineAccess", ci_role, PULL + PUSH)))
    ecr.put_replication_configuration(replicationConfiguration={"rules": [{
        "destinations": [{"region": r, "registryId": ACCOUNT_ID} for r in DESTINATIONS],
        "repositoryFilters": [{"filter": PREFIX, "filterType": "PREFIX_MATCH"}]}]})


def test_recipe_registry_imports_and_says_what_differs(cli, aws):
    build_like_the_recipe(aws)
    text, spec = import_spec(cli, "--project", "container-registry-replication")
    production = spec["repositories"][0]
    assert production["lifecycle"][0] == {
        "select": "tagged", "tag_prefixes": ["prod", "release"], "keep_last": 15,
        "description": "Keep last 15 production images"}
    flat = " ".join(line.lstrip("# ") for line in text.splitlines() if line.startswith(
        ("#", "  #")))
    assert ("lifecycle rule 1 selects only images with a tag matching every prefix of prod, "
            "release (ECR ANDs them), so it almost never fires") in flat
    # The recipe's roles and statements are not ecrrep's presets: kept as custom policies,
    # and ecrrep creates no roles.
    assert spec["iam"] == {"create_roles": False}
    assert production["access"] == "custom"
    assert "repository policy written as custom" in flat
    assert spec["environment"] == "production" and spec["tags"]["ManagedBy"] == "terraform"
    # The replicas ECR's replication would make with default settings do not exist yet: the
    # import says apply creates them with the source's settings.
    assert (f"create ecr_repository in us-west-2: {PREFIX}/production, {PREFIX}/testing"
            in flat)
    result = cli("plan", "-c", "B.yaml", "--adopt", "--detailed-exitcode")
    assert result.returncode == 2, result.stderr
    assert "never fires" in result.stderr or "AND, not OR" in result.stderr
