"""The plan as printed: new monitoring resources and a pending subscription."""

from __future__ import annotations

from ecrrep.engine.diff import diff_resources
from ecrrep.engine.plan import Plan
from ecrrep.render.console import make_console
from ecrrep.render.plan import render_plan
from ecrrep.resources import (
    all_kinds,
)
from ecrrep.resources.subscription import (
    subscription_resources,
)
from tests.support.kind_inputs import (
    ALARMS,
    DASHBOARD,
    FUNCTION,
    OPTIONS,
    SUBSCRIPTION_KIND,
    TARGET,
    make_spec,
    sub,
)


def _rendered(changes) -> str:
    console = make_console(no_color=True)
    with console.capture() as captured:
        render_plan(console, Plan(changes), {k.type: k.title for k in all_kinds()})
    return captured.get()


def test_the_plan_summarises_new_alarms_dashboard_and_function():
    spec = make_spec()
    desired = [*ALARMS.desired(spec, TARGET), *DASHBOARD.desired(spec, TARGET),
               *FUNCTION.desired(spec, TARGET)]
    text = _rendered(diff_resources(desired, [], OPTIONS))
    assert "CloudWatch alarms" in text and "CloudWatch dashboard" in text
    assert "alarm when Sum of AWS/ECR RepositoryPullCount" in text
    assert "> 50 GiB" in text
    assert "widget: Pulls per repository" in text
    assert "python3.12, handler ecrrep.cleanup.function.handler.handler" in text
    assert '"widgets"' not in text  # the body is summarised, not dumped


def test_the_plan_shows_a_pending_subscription_without_counting_a_change():
    spec = make_spec()
    desired = SUBSCRIPTION_KIND.desired(spec, TARGET)
    current = subscription_resources("us-east-1", [sub("devops@company.com",
                                                        "PendingConfirmation")],
                                     "devops@company.com")
    changes = SUBSCRIPTION_KIND.diff(desired, current, OPTIONS)
    text = _rendered(changes)
    assert "pending confirmation" in text
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in text
