"""A first apply on an account that behaves like AWS: new roles unknown for seconds, a tagging
index that lags, Lambda's 4 KB environment, the dashboard's 500 metrics per widget.

One apply converges, the plan right after it is empty, and the destroy right after it removes
everything it created — with the example spec and with 300 repositories.
"""

from __future__ import annotations

import pytest

from tests.support.e2e_account import REGIONS, inventory, nothing_named

pytestmark = pytest.mark.e2e

# A first apply waits out IAM propagation and creates ~3,000 resources at 300 repositories.
SLOW = 900


def three_hundred_repositories(spec: dict) -> None:
    template = spec["repositories"][1]
    spec["repositories"] = spec["repositories"][:1] + [
        {**template, "name": f"service-{n:03d}"} for n in range(299)]
    spec["cleanup"]["retention_days"] = {"production": 90, "service-000": 7}


def everything_removed(aws) -> None:
    found = inventory(aws)
    assert found["ecr"] == {}
    assert found["rules"] == []
    assert found["roles"] == {}
    assert nothing_named(found["others"]), found["others"]


@pytest.mark.parametrize("edit", [None, three_hundred_repositories],
                         ids=["example", "300-repositories"])
def test_apply_converges_at_once_and_destroy_right_after_removes_everything(
        cli, aws, write_spec, edit):
    write_spec(edit)

    applied = cli("apply", "--auto-approve", timeout=SLOW)
    assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
    again = cli("plan", "--detailed-exitcode", timeout=SLOW)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    repositories = aws.client("ecr", REGIONS[-1]).describe_repositories()["repositories"]
    assert len(repositories) == (2 if edit is None else 300)

    destroyed = cli("destroy", "--auto-approve", timeout=SLOW)
    assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-3000:]
    everything_removed(aws)
    assert "Destroy complete!" in destroyed.stdout
