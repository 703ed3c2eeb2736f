"""What CI jobs read: `plan --format markdown`, `validate-replication --format junit|markdown`,
and shell completion of `ecrrep output` names."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from tests.support.e2e_steps import apply_ok

PRODUCTION = "my-company-apps/production"


def test_markdown_plan_and_junit_report_of_a_drifted_replica(cli, aws, write_spec):
    write_spec()
    apply_ok(cli)
    aws.client("ecr", "us-west-2").put_image_tag_mutability(
        repositoryName=PRODUCTION, imageTagMutability="MUTABLE")

    markdown = cli("plan", "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert "**Plan: 0 to add, 1 to change, 0 to destroy.**" in markdown.stdout
    assert f"| ~ | `ecr_repository.us-west-2.{PRODUCTION}` | update |" in markdown.stdout
    assert "```diff\n- tag_mutability: MUTABLE\n+ tag_mutability: IMMUTABLE\n```" in \
        markdown.stdout
    as_json = [json.loads(cli(*args).stdout)["summary"]
               for args in (("plan", "--json"), ("plan", "--format", "json"))]
    assert as_json == [{"add": 0, "change": 1, "destroy": 0}] * 2

    junit = cli("validate-replication", "--format", "junit")
    assert junit.returncode == 2, junit.stderr
    root = ET.fromstring(junit.stdout.split("\n", 1)[1])
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert len(cases) == 2 * 2  # two repositories × two destination regions
    failure = cases[(PRODUCTION, "us-west-2")].find("failure")
    assert (failure.get("type"), failure.get("message")) == (
        "drift", "settings differ: tag_mutability")
    assert cases[(PRODUCTION, "eu-west-1")].find("failure") is None

    report = cli("validate-replication", "--format", "markdown")
    assert report.returncode == 2
    assert "1 check(s) failed" in report.stdout and "3 check(s) passed" in report.stdout


def test_output_names_complete_from_the_spec(cli, write_spec):
    write_spec()
    result = cli(env={"_ECRREP_COMPLETE": "bash_complete", "COMP_WORDS": "ecrrep output prod",
                      "COMP_CWORD": "2"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["plain,production_repository_name",
                                     "plain,production_repository_uri"]
    # No spec: no suggestions, and no error either.
    (cli.workdir / "ecrrep.yaml").unlink()
    quiet = cli(env={"_ECRREP_COMPLETE": "bash_complete", "COMP_WORDS": "ecrrep output ",
                     "COMP_CWORD": "2"})
    assert (quiet.returncode, quiet.stdout.strip(), quiet.stderr) == (0, "", "")
