"""validate-replication as JUnit XML: the elements and attributes CI systems read (Jenkins'
junit-10.xsd, GitLab's and GitHub's test reporters), one test case per repository × region."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from ecrrep.render.junit import validation_junit
from ecrrep.replication.model import ImageGap, RegionResult, Report, SettingDrift

# What junit-10.xsd allows on each element (the attributes we write are a subset).
ALLOWED = {
    "testsuites": {"name", "tests", "failures", "errors", "time", "disabled"},
    "testsuite": {"name", "tests", "failures", "errors", "skipped", "time", "timestamp",
                  "hostname", "id", "package", "disabled"},
    "testcase": {"name", "classname", "time", "assertions", "status"},
    "failure": {"message", "type"},
    "system-out": set(),
}
REQUIRED = {"testsuite": {"name", "tests"}, "testcase": {"name", "classname"}}
CHILDREN = {"testsuites": {"testsuite"}, "testsuite": {"testcase"},
            "testcase": {"failure", "system-out"}, "failure": set(), "system-out": set()}

DIGEST = "sha256:" + "3" * 64


def a_report() -> Report:
    return Report(datetime(2026, 12, 6, 9, 30, tzinfo=UTC), [
        RegionResult("apps/a", "us-west-2", "ok", 2,
                     in_flight=(ImageGap(DIGEST, ("v2",)),)),
        RegionResult("apps/a", "eu-west-1", "gaps", 2,
                     missing=(ImageGap(DIGEST, ("v2",), "ACCESS_DENIED"),)),
        RegionResult("apps/b", "us-west-2", "drift", 0,
                     drift=(SettingDrift("tag_mutability", "IMMUTABLE", "MUTABLE"),)),
        RegionResult("apps/b", "eu-west-1", "missing-repository", 0),
    ])


def check_schema(element: ET.Element) -> None:
    assert set(element.attrib) <= ALLOWED[element.tag], element.tag
    assert REQUIRED.get(element.tag, set()) <= set(element.attrib), element.tag
    for child in element:
        assert child.tag in CHILDREN[element.tag], (element.tag, child.tag)
        check_schema(child)


def test_junit_is_valid_with_one_case_per_repository_and_region():
    text = validation_junit(a_report())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "testsuites"
    check_schema(root)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "3", "0")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["apps/a", "apps/b"]
    assert [(s.get("tests"), s.get("failures")) for s in suites] == [("2", "1"), ("2", "2")]
    assert suites[0].get("timestamp") == "2026-12-06T09:30:00"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert sorted(cases) == [("apps/a", "eu-west-1"), ("apps/a", "us-west-2"),
                             ("apps/b", "eu-west-1"), ("apps/b", "us-west-2")]
    assert cases[("apps/a", "us-west-2")].find("failure") is None
    assert "in flight: " + DIGEST in cases[("apps/a", "us-west-2")].find("system-out").text
    gap = cases[("apps/a", "eu-west-1")].find("failure")
    assert (gap.get("type"), gap.get("message")) == ("gaps", "1 of 2 images missing")
    assert gap.text == f"missing {DIGEST} (v2): replication failed with ACCESS_DENIED"
    drift = cases[("apps/b", "us-west-2")].find("failure")
    assert drift.get("message") == "settings differ: tag_mutability"
    absent = cases[("apps/b", "eu-west-1")].find("failure")
    assert absent.get("message") == "apps/b does not exist in eu-west-1"


def test_an_empty_report_is_still_a_document():
    root = ET.fromstring(validation_junit(Report(datetime(2026, 1, 1, tzinfo=UTC), []))
                         .split("\n", 1)[1])
    assert (root.tag, root.get("tests"), list(root)) == ("testsuites", "0", [])
