"""validate-replication as JUnit XML, so CI systems show each repository × destination region as
a test case: one <testsuite> per repository, one <testcase> per destination region, a <failure>
when the replica has gaps, drifted settings or does not exist.

The shape is the one Jenkins, GitLab and GitHub test reporters read (Jenkins' junit-10.xsd,
also GitLab's: https://docs.gitlab.com/ci/testing/unit_test_reports/): <testsuites> holding
<testsuite name tests failures errors skipped time timestamp>, holding <testcase classname name
time>, with <failure message type> and <system-out>.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

FAILING = {"gaps", "drift", "missing-repository"}


def validation_junit(report: Any) -> str:
    """The report (replication_check.Report) as a JUnit XML document."""
    checked_at = report.to_json()["checked_at"]
    results = report.results
    root = ET.Element("testsuites", {
        "name": "ecrrep validate-replication",
        "tests": str(len(results)),
        "failures": str(sum(r.status in FAILING for r in results)),
        "errors": "0",
        "time": "0",
    })
    for repository in dict.fromkeys(r.repository for r in results):
        rows = [r for r in results if r.repository == repository]
        suite = ET.SubElement(root, "testsuite", {
            "name": repository,
            "tests": str(len(rows)),
            "failures": str(sum(r.status in FAILING for r in rows)),
            "errors": "0",
            "skipped": "0",
            "time": "0",
            "timestamp": checked_at.removesuffix("Z"),
        })
        for row in rows:
            _testcase(suite, row)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _testcase(suite: ET.Element, row: Any) -> None:
    case = ET.SubElement(suite, "testcase", {
        "classname": row.repository, "name": row.region, "time": "0"})
    if row.status in FAILING:
        failure = ET.SubElement(case, "failure", {"message": _message(row),
                                                  "type": row.status})
        failure.text = "\n".join(_details(row))
    out = [f"{row.present} of {row.source_images} source images present"]
    out += [f"in flight: {g.digest} ({', '.join(g.tags) or 'untagged'})" for g in row.in_flight]
    ET.SubElement(case, "system-out").text = "\n".join(out)


def _message(row: Any) -> str:
    if row.status == "missing-repository":
        return f"{row.repository} does not exist in {row.region}"
    parts = []
    if row.missing:
        parts.append(f"{len(row.missing)} of {row.source_images} images missing")
    if row.drift:
        parts.append("settings differ: " + ", ".join(d.field for d in row.drift))
    return "; ".join(parts) or row.status


def _details(row: Any) -> list[str]:
    lines = [f"missing {g.digest} ({', '.join(g.tags) or 'untagged'})"
             + (f": replication failed with {g.failure_code}" if g.failure_code else "")
             for g in row.missing]
    lines += [f"{d.field}: source {json.dumps(d.source, sort_keys=True)}; replica "
              f"{json.dumps(d.replica, sort_keys=True)}" for d in row.drift]
    return lines
