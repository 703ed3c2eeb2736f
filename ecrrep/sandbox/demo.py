"""`ecrrep demo`: the whole life cycle against a fresh emulator that replicates as ECR does."""

from __future__ import annotations

import json
import time
from importlib.resources import files
from typing import Any

from ecrrep.sandbox.server import emulator, emulator_environment
from ecrrep.sandbox.settings import SandboxSettings


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


def run_demo(app: Any) -> None:
    """The whole life cycle against a fresh emulator, printing what each step shows: plan,
    apply, plan again, push images to the source region, wait for the emulator's replication,
    make one replication fail and watch its alert arrive, validate, destroy."""
    from dataclasses import replace

    from ecrrep import cli

    out = app.console()
    with emulator(sandbox_settings=DEMO_SETTINGS) as url, emulator_environment(url):
        demo_app = replace(app, endpoint_url=url, profile=None)
        loaded = cli.load_spec_or_exit(demo_app, path="config.example.yaml",
                                       text=example_spec_text())
        _step(out, f"Emulator running at {url}; spec: config.example.yaml, the Terraform "
                   "recipe's example")
        _life_cycle(out, demo_app, loaded)
        _step(out, "Demo complete: created, replicated, alerted, verified and destroyed; "
                   "nothing is left.")


def _life_cycle(out: Any, demo_app: Any, loaded: Any) -> None:
    from ecrrep import cli
    from ecrrep.engine.planner import plan_for
    from ecrrep.render.tables import render_plan

    spec = loaded.spec

    def make_plan(destroy: bool = False, force: bool = False) -> Any:
        options = cli.diff_options(loaded, False, force)
        return cli.run_aws(demo_app, lambda aws: plan_for(aws, spec, options, destroy))

    _step(out, _numbered(1, "ecrrep plan"))
    first = make_plan()
    render_plan(out, first, cli.kind_titles())
    _step(out, _numbered(2, "ecrrep apply --auto-approve"))
    cli.execute_plan(demo_app, first, True, False, False, verb="apply", show_plan=False)
    _step(out, _numbered(3, "ecrrep plan   (a second run has nothing to do)"))
    second = make_plan()
    render_plan(out, second, cli.kind_titles())
    if second.has_changes:
        cli.fail("the second plan still has changes: apply did not converge")

    _replicate_and_alert(out, demo_app, spec)

    _step(out, _numbered(8, "ecrrep destroy --auto-approve --force-delete-images"))
    doomed = make_plan(destroy=True, force=True)
    out.print(doomed.summary_line(), markup=False)
    cli.execute_plan(demo_app, doomed, True, False, True, verb="destroy", show_plan=False)
    if make_plan(destroy=True).has_changes:
        cli.fail("destroy left resources behind")


def _replicate_and_alert(out: Any, demo_app: Any, spec: Any) -> None:
    """Steps 4 to 7: push, wait for the emulator's replication, a failure and its alert."""
    from ecrrep import cli
    from ecrrep.render.tables import render_validation

    def validate(grace_minutes: float, wait_seconds: float = 0) -> Any:
        report = cli.run_aws(demo_app, lambda aws: cli.validate_and_publish(
            demo_app, aws, spec, grace_minutes, wait_seconds=wait_seconds))
        render_validation(out, report)
        return report

    _step(out, _numbered(4, f"push sample images to {spec.source_region} only   (what CI "
                            "does)"))
    for image in cli.run_aws(demo_app, lambda aws: _push_samples(aws, spec)):
        out.print(f"  pushed {image.repository}:{','.join(image.tags)}  {image.digest}",
                  markup=False)
    _step(out, _numbered(5, f"ecrrep validate-replication --wait {WAIT_SECONDS:g}   (the "
                            "emulator replicates to " + ", ".join(spec.destination_regions)
                         + f" {DEMO_SETTINGS.replication_delay_seconds:g} s after a push)"))
    if not validate(0, WAIT_SECONDS).settled:
        cli.fail("the emulator's replication should have settled")

    _step(out, _numbered(6, "push one more image whose replication fails; its ECR "
                            "Replication Action event travels to the alert topic"))
    alert = cli.run_aws(demo_app, lambda aws: _failed_replication_alert(aws, spec))
    if alert is None:
        cli.fail("the failed replication's event never reached the alert topic")
    _show_alert(out, alert)
    _step(out, _numbered(7, "ecrrep validate-replication --grace 0   (exit code 2: ECR's "
                            "replication status names the failure)"))
    if validate(0).healthy:
        cli.fail("validate-replication missed the failed replication")


def _numbered(n: int, text: str) -> str:
    return f"{n}/{DEMO_STEPS}  {text}"


def _push_samples(aws: Any, spec: Any) -> list[Any]:
    from ecrrep.sandbox.images import push_sample_image
    from ecrrep.spec.naming import repository_name

    ecr = aws.client("ecr", spec.source_region)
    return [
        push_sample_image(ecr, repository_name(spec.repository_prefix, name),
                          f"{name}:{tags[0]}", tags)
        for name, images in DEMO_IMAGES.items()
        for tags in images
    ]


def _failed_replication_alert(aws: Any, spec: Any) -> dict[str, Any] | None:
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


def _show_alert(out: Any, event: dict[str, Any]) -> None:
    detail = event.get("detail", {})
    out.print(f"  alert topic received: {event.get('detail-type')} from {event.get('source')}"
              f", result {detail.get('result')}", markup=False)
    out.print(f"  {detail.get('repository-name')}:{detail.get('image-tag')} from "
              f"{detail.get('source-region')} to {event.get('region')}", markup=False)
    out.print(f"  image {detail.get('image-digest')}", markup=False)


def _step(out: Any, text: str) -> None:
    from rich.rule import Rule

    out.print()
    out.print(Rule(text, align="left", style="cyan"))
