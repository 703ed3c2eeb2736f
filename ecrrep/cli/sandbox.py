"""`ecrrep demo` and `ecrrep sandbox`: the embedded AWS emulator."""

from __future__ import annotations

import click

from ecrrep.cli.app import App
from ecrrep.cli.environment import EnvironmentAwareCommand


@click.command(cls=EnvironmentAwareCommand)
@click.pass_obj
def demo(app: App) -> None:
    """Run the whole life cycle against an embedded AWS emulator: plan, apply, plan again,
    push images, validate-replication, destroy. No AWS account needed."""
    from ecrrep.sandbox.demo import run_demo
    from ecrrep.workflows.session import AwsSettings

    run_demo(app.console(), app.console(stderr=True),
             AwsSettings(app.profile, app.endpoint_url, app.parallelism), verbose=app.verbose)


@click.command(cls=EnvironmentAwareCommand)
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--aws-like/--no-aws-like", default=True, show_default=True,
              help="AWS's limits and delays (IAM propagation, tagging index lag, size limits).")
@click.option("--replication-delay", type=click.FloatRange(min=0), default=2.0,
              show_default=True, metavar="SECONDS",
              help="How long after a push its replicas appear.")
@click.option("--failure-rate", type=click.FloatRange(0, 100), default=0.0, show_default=True,
              metavar="PERCENT", help="Share of replications that fail.")
@click.option("--iam-propagation", type=click.FloatRange(min=0), default=8.0,
              show_default=True, metavar="SECONDS",
              help="How long a new IAM role stays unknown to ECR and Lambda (with --aws-like).")
@click.option("--tagging-lag", type=click.FloatRange(min=0), default=5.0, show_default=True,
              metavar="SECONDS",
              help="How far tag:GetResources lags behind tagging (with --aws-like).")
def sandbox(port: int, aws_like: bool, replication_delay: float, failure_rate: float,
            iam_propagation: float, tagging_lag: float) -> None:
    """Serve the AWS emulator on 127.0.0.1 until Ctrl-C, and print how to use it.

    The emulator replicates pushed images as ECR does and, unless --no-aws-like, behaves like
    AWS where moto is kinder (see the README's sandbox section).
    """
    from ecrrep.sandbox.server import serve_sandbox
    from ecrrep.sandbox.settings import SandboxSettings

    serve_sandbox(port, SandboxSettings(
        aws_like=aws_like, replication_delay_seconds=replication_delay,
        replication_failure_rate=failure_rate / 100, iam_propagation_seconds=iam_propagation,
        tagging_lag_seconds=tagging_lag))
