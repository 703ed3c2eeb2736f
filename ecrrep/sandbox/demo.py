"""`ecrrep demo`: the whole life cycle against a fresh emulator that replicates as ECR does."""

from __future__ import annotations

import json
import sys
import time
from contextlib import AbstractContextManager
from dataclasses import replace
from importlib.resources import files
from typing import Any

from rich.console import Console

from ecrrep.aws.context import AwsContext, CallStats
from ecrrep.engine.plan import Plan
from ecrrep.render.plan import render_plan
from ecrrep.render.validation import render_validation
from ecrrep.replication.check import Report
from ecrrep.sandbox.images import PushedImage
from ecrrep.sandbox.server import emulator, emulator_environment
from ecrrep.sandbox.settings import SandboxSettings
from ecrrep.spec.loader import load_spec_text
from ecrrep.spec.models import Spec
from ecrrep.workflows import WorkflowError
from ecrrep.workflows.apply import converge
from ecrrep.workflows.plan import PlanOptions, plan_changes
from ecrrep.workflows.session import AwsSettings, aws_session, call_stats_line
from ecrrep.workflows.terminal import ConsoleApplyProgress, kind_titles, show_outcome
from ecrrep.workflows.validate import validate_replication


def example_spec_text() -> str:
    return files("ecrrep").joinpath("examples/config.example.yaml").read_text()


# Sample images the demo pushes: repository name (under the prefix) → tags, one image each.
DEMO_IMAGES = {
    "production": [["prod-1.0.0"], ["prod-1.1.0", "prod-latest"]],
    "testing": [["test-101"], ["test-102"]],
}
# The image whose replication the demo makes fail, in the `testing` repository.
FAILING_IMAGE = ("testing", ["test-103"])
DEMO_STEPS = 8
# Replicas appear half a second after a push, so waiting for them is visible yet quick. AWS's
# limits and delays are on, as on an account, with a new role unknown for one second (the
# apply shows that it waits for it) and a tagging index one second behind.
DEMO_SETTINGS = SandboxSettings(aws_like=True, replication_delay_seconds=0.5,
                                iam_propagation_seconds=1, tagging_lag_seconds=1, seed=1)
# validate-replication --wait: long enough for the delay above and one check after it.
WAIT_SECONDS = 1.5
# How long the demo watches the alert topic for the failure's event.
ALERT_TIMEOUT_SECONDS = 10.0


def run_demo(out: Console, err: Console, settings: AwsSettings, verbose: int = 0) -> None:
    """The whole life cycle against a fresh emulator, printing what each step shows: plan,
    apply, plan again, push images to the source region, wait for the emulator's replication,
    make one replication fail and watch its alert arrive, validate, destroy. `settings` gives
    the parallelism (the emulator replaces profile and endpoint); with `verbose`, each step's
    API call counts go to `err`."""
    with emulator(sandbox_settings=DEMO_SETTINGS) as url, emulator_environment(url):
        loaded = load_spec_text(example_spec_text(), "config.example.yaml")
        for warning in loaded.warnings:
            err.print(str(warning), markup=False, style="yellow")
        demo = _Demo(out, err, replace(settings, endpoint_url=url, profile=None), verbose)
        _step(out, f"Emulator running at {url}; spec: config.example.yaml, the Terraform "
                   "recipe's example")
        demo.life_cycle(loaded.spec)
        _step(out, "Demo complete: created, replicated, alerted, verified and destroyed; "
                   "nothing is left.")


class _Demo:
    """The demo's steps, each in an AWS session of its own, as a separate command would."""

    def __init__(self, out: Console, err: Console, settings: AwsSettings, verbose: int):
        self.out, self.err, self.settings, self.verbose = out, err, settings, verbose

    def session(self) -> AbstractContextManager[AwsContext]:
        def print_stats(stats: CallStats) -> None:
            self.err.print(call_stats_line(stats), markup=False, style="dim")

        return aws_session(self.settings, on_stats=print_stats if self.verbose else None,
                           show_traceback=self.verbose > 0)

    def plan(self, spec: Spec, destroy: bool = False, force: bool = False) -> Plan:
        with self.session() as aws:
            return plan_changes(aws, spec, PlanOptions(force_delete_images=force), destroy)

    def carry_out(self, plan: Plan, verb: str, force: bool) -> None:
        """`apply --auto-approve` (or destroy) of a plan already shown."""
        with self.session() as aws:
            outcome = converge(aws, plan, verb=verb, force_delete_images=force,
                               progress=ConsoleApplyProgress(self.err))
        show_outcome(self.out, outcome, verb)
        if outcome.refusal:
            raise WorkflowError(outcome.refusal)
        if outcome.exit_code:
            sys.exit(outcome.exit_code)

    def validate(self, spec: Spec, grace_minutes: float, wait_seconds: float = 0) -> Report:
        with self.session() as aws:
            report = validate_replication(aws, spec, grace_minutes, self.err,
                                          wait_seconds=wait_seconds)
        render_validation(self.out, report)
        return report

    def life_cycle(self, spec: Spec) -> None:
        out = self.out
        _step(out, _numbered(1, "ecrrep plan"))
        first = self.plan(spec)
        render_plan(out, first, kind_titles())
        _step(out, _numbered(2, "ecrrep apply --auto-approve"))
        self.carry_out(first, "apply", force=False)
        _step(out, _numbered(3, "ecrrep plan   (a second run has nothing to do)"))
        second = self.plan(spec)
        render_plan(out, second, kind_titles())
        if second.has_changes:
            raise WorkflowError("the second plan still has changes: apply did not converge")

        self.replicate_and_alert(spec)

        _step(out, _numbered(8, "ecrrep destroy --auto-approve --force-delete-images"))
        doomed = self.plan(spec, destroy=True, force=True)
        out.print(doomed.summary_line(), markup=False)
        self.carry_out(doomed, "destroy", force=True)
        if self.plan(spec, destroy=True).has_changes:
            raise WorkflowError("destroy left resources behind")

    def replicate_and_alert(self, spec: Spec) -> None:
        """Steps 4 to 7: push, wait for the emulator's replication, a failure and its alert."""
        out = self.out
        _step(out, _numbered(4, f"push sample images to {spec.source_region} only   (what CI "
                                "does)"))
        with self.session() as aws:
            pushed = _push_samples(aws, spec)
        for image in pushed:
            out.print(f"  pushed {image.repository}:{','.join(image.tags)}  {image.digest}",
                      markup=False)
        _step(out, _numbered(5, f"ecrrep validate-replication --wait {WAIT_SECONDS:g}   (the "
                                "emulator replicates to " + ", ".join(spec.destination_regions)
                             + f" {DEMO_SETTINGS.replication_delay_seconds:g} s after a push)"))
        if not self.validate(spec, 0, WAIT_SECONDS).settled:
            raise WorkflowError("the emulator's replication should have settled")

        _step(out, _numbered(6, "push one more image whose replication fails; its ECR "
                                "Replication Action event travels to the alert topic"))
        with self.session() as aws:
            alert = _failed_replication_alert(aws, spec)
        if alert is None:
            raise WorkflowError("the failed replication's event never reached the alert topic")
        _show_alert(out, alert)
        _step(out, _numbered(7, "ecrrep validate-replication --grace 0   (exit code 2: ECR's "
                                "replication status names the failure)"))
        if self.validate(spec, 0).healthy:
            raise WorkflowError("validate-replication missed the failed replication")


def _numbered(n: int, text: str) -> str:
    return f"{n}/{DEMO_STEPS}  {text}"


def _push_samples(aws: AwsContext, spec: Spec) -> list[PushedImage]:
    from ecrrep.sandbox.images import push_sample_image
    from ecrrep.spec.naming import repository_name

    ecr = aws.client("ecr", spec.source_region)
    return [
        push_sample_image(ecr, repository_name(spec.repository_prefix, name),
                          f"{name}:{tags[0]}", tags)
        for name, images in DEMO_IMAGES.items()
        for tags in images
    ]


def _failed_replication_alert(aws: AwsContext, spec: Spec) -> dict[str, Any] | None:
    """Watch the alert topic through a queue of our own, push an image whose replications
    fail, and return the first alert the topic delivers (None if none comes in time). The
    queue goes again afterwards: it is not part of the spec."""
    from ecrrep.sandbox import settings
    from ecrrep.sandbox.images import push_sample_image
    from ecrrep.spec import naming

    region = spec.source_region
    sns, sqs = aws.client("sns", region), aws.client("sqs", region)
    topic = naming.topic_arn(region, aws.account_id(region), spec.project)
    queue = sqs.create_queue(QueueName=f"{spec.project}-demo-watch")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                                 Attributes={"RawMessageDelivery": "true"})
    try:
        name, tags = FAILING_IMAGE
        settings.configure(replication_failure_rate=1.0)
        try:
            push_sample_image(aws.client("ecr", region),
                              naming.repository_name(spec.repository_prefix, name),
                              f"{name}:{tags[0]}", tags)
        finally:
            settings.configure(replication_failure_rate=0.0)
        return _first_message(sqs, queue, ALERT_TIMEOUT_SECONDS)
    finally:
        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        sqs.delete_queue(QueueUrl=queue)


def _first_message(sqs: Any, queue: str, timeout: float) -> dict[str, Any] | None:
    # Short polls: each request lets the emulator perform the replications that are due.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages")
        if messages:
            return json.loads(messages[0]["Body"])
        time.sleep(0.2)
    return None


def _show_alert(out: Console, event: dict[str, Any]) -> None:
    detail = event.get("detail", {})
    out.print(f"  alert topic received: {event.get('detail-type')} from {event.get('source')}"
              f", result {detail.get('result')}", markup=False)
    out.print(f"  {detail.get('repository-name')}:{detail.get('image-tag')} from "
              f"{detail.get('source-region')} to {event.get('region')}", markup=False)
    out.print(f"  image {detail.get('image-digest')}", markup=False)


def _step(out: Console, text: str) -> None:
    from rich.rule import Rule

    out.print()
    out.print(Rule(text, align="left", style="cyan"))
