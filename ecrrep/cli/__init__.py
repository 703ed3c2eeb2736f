"""The `ecrrep` command line: parse, call, render, exit code.

Heavy modules (boto3, moto, rich, the resource kinds) are imported inside the commands so that
`ecrrep --help` and `ecrrep --version` start fast.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from ecrrep.cli.environment import EnvironmentAwareCommand

DEFAULT_CONFIG_FILES = ("ecrrep.yaml", "config.yaml")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


@dataclass
class App:
    """Global options, shared by every command."""

    config: str | None
    profile: str | None
    endpoint_url: str | None
    no_color: bool
    verbose: int
    parallelism: int
    # The signal that stopped an apply or destroy (SIGINT, SIGTERM), for the exit code.
    interrupted_by: int | None = None

    def console(self, stderr: bool = False) -> Any:
        from ecrrep.render.tables import make_console

        return make_console(stderr=stderr, no_color=self.no_color)

    def config_path(self) -> str:
        if self.config:
            return self.config
        for name in DEFAULT_CONFIG_FILES:
            if Path(name).exists():
                return name
        fail(f"no spec file: neither {' nor '.join(DEFAULT_CONFIG_FILES)} is here "
             "(pass -c FILE or set ECRREP_CONFIG)")

    def aws(self) -> Any:
        from ecrrep.aws.connection import credential_variable_problems, endpoint_url_problem
        from ecrrep.aws.context import AwsContext

        for problem in credential_variable_problems():
            fail(f"{problem}; remove it (nothing was sent to AWS)")

        for source, url in (("--endpoint-url", self.endpoint_url),
                            ("AWS_ENDPOINT_URL", os.environ.get("AWS_ENDPOINT_URL"))):
            if url and (problem := endpoint_url_problem(url)):
                fail(f"{source} {url}: {problem}")
            if url:
                break
        return AwsContext(self.profile, self.endpoint_url, self.parallelism)


class CommandError(click.ClickException):
    """A failure already explained in one line; exits 1 without a traceback."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def fail(message: str) -> NoReturn:
    raise CommandError(message)


class EcrrepGroup(click.Group):
    command_class = EnvironmentAwareCommand


@click.group(cls=EcrrepGroup, context_settings={"help_option_names": ["-h", "--help"],
                                                "auto_envvar_prefix": "ECRREP"})
@click.option("-c", "--config", metavar="FILE",
              help="Spec file. Default: ecrrep.yaml, then config.yaml.")
@click.option("--profile", metavar="NAME", help="AWS profile to use (else the standard chain).")
@click.option("--endpoint-url", metavar="URL",
              help="Send every AWS call here, e.g. a local emulator. Else AWS_ENDPOINT_URL.")
@click.option("--no-color", is_flag=True, default=lambda: bool(os.environ.get("NO_COLOR")),
              help="Plain output without colours (also NO_COLOR).")
@click.option("-v", "--verbose", count=True,
              help="Tracebacks on errors, API call counts, images a lifecycle change expires.")
@click.option("--parallelism", type=click.IntRange(1, 64), default=10, show_default=True,
              help="How many AWS calls run at once.")
@click.version_option(package_name="ecrrep", prog_name="ecrrep")
@click.pass_context
def cli(ctx: click.Context, config: str | None, profile: str | None,
        endpoint_url: str | None, no_color: bool, verbose: int, parallelism: int) -> None:
    """Keep an Amazon ECR registry set up for cross-region replication, from one YAML spec.

    \b
    Typical use:
      ecrrep plan                 show how the account differs from the spec
      ecrrep apply                converge it (asks for "yes" first)
      ecrrep plan --detailed-exitcode   0 in sync, 2 changes pending, 1 error
      ecrrep demo                 the whole life cycle against a local emulator

    Credentials come from the standard AWS chain (--profile, AWS_PROFILE, environment).
    Every global option can also be set as ECRREP_<OPTION>, e.g. ECRREP_CONFIG; a command's
    options as ECRREP_<COMMAND>_<OPTION> (listed in each command's --help, and named on stderr
    when used), except --auto-approve, --force-delete-images, --adopt and --adopt-from, which
    are never read from the environment.
    """
    ctx.obj = App(config, profile, endpoint_url, no_color, verbose, parallelism)


def _onto_app(name: str) -> Any:
    """A callback that stores a command-level copy of a global option on the App."""

    def store(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        app = ctx.find_object(App)
        if app is not None and value:
            setattr(app, name, app.verbose + value if name == "verbose" else value)
        return value

    return store


def global_options(command: Any) -> Any:
    """Accept the most used global options after the command name too (`ecrrep plan -v`)."""
    for decorator in (
        click.option("-v", "--verbose", count=True, expose_value=False,
                     callback=_onto_app("verbose"), help="Same as the global -v."),
        click.option("-c", "--config", metavar="FILE", expose_value=False,
                     callback=_onto_app("config"), help="Same as the global -c."),
        click.option("--no-color", is_flag=True, expose_value=False,
                     callback=_onto_app("no_color"), help="Same as the global --no-color."),
    ):
        command = decorator(command)
    return command


# -- shared steps ----------------------------------------------------------------------------


def load_spec_or_exit(app: App, path: str | None = None, text: str | None = None) -> Any:
    """Load and validate the spec; on errors print every diagnostic and exit 1."""
    from ecrrep.spec.loader import SpecError, load_spec, load_spec_text

    try:
        loaded = load_spec_text(text, path) if text is not None else load_spec(
            path or app.config_path())
    except SpecError as exc:
        err = app.console(stderr=True)
        for diagnostic in exc.diagnostics:
            err.print(str(diagnostic), markup=False, style="red")
        count = len(exc.diagnostics)
        raise CommandError(f"the spec has {count} error{'s' if count != 1 else ''}; "
                           "nothing was sent to AWS") from exc
    err = app.console(stderr=True)
    for warning in loaded.warnings:
        err.print(str(warning), markup=False, style="yellow")
    return loaded


def run_aws(app: App, fn: Any) -> Any:
    """Run fn with an AwsContext; AWS errors become one line, stats go to stderr with -v."""
    from ecrrep.aws import AWS_EXCEPTIONS, AwsError, translate_error
    from ecrrep.aws.scrub import register_secret

    aws = app.aws()
    try:
        return fn(aws)
    except AWS_EXCEPTIONS + (AwsError,) as exc:
        for secret in aws.resolved_secrets():
            register_secret(secret)
        if app.verbose:
            traceback.print_exc()
        raise CommandError(translate_error(exc).line()) from exc
    finally:
        for secret in aws.resolved_secrets():
            register_secret(secret)
        aws.close()
        if app.verbose:
            print_call_stats(app, aws)


def print_call_stats(app: App, aws: Any) -> None:
    stats = aws.stats()
    services = ", ".join(f"{s} {n}" for s, n in stats.by_service().items()) or "none"
    app.console(stderr=True).print(
        f"API calls: {stats.total} ({stats.mutating} mutating; retries {stats.retries}) "
        f"— {services}", markup=False, style="dim")


def kind_titles() -> dict[str, str]:
    from ecrrep.resources import all_kinds

    return {k.type: k.title for k in all_kinds()}


def diff_options(loaded: Any, adopt: bool, force_delete_images: bool,
                 adopt_from: str | None = None) -> Any:
    from dataclasses import fields

    from ecrrep.engine.diff import DiffOptions

    extra: dict[str, Any] = {}
    if adopt_from is not None:
        if "adopt_from" not in {f.name for f in fields(DiffOptions)}:
            fail("--adopt-from is not supported by this version of the planner")
        extra["adopt_from"] = adopt_from
    return DiffOptions(loaded.spec.project, adopt=adopt, force_delete_images=force_delete_images,
                       **extra)


def saved_options(adopt: bool, force_delete_images: bool, adopt_from: str | None) -> dict:
    """The options a saved plan records, to plan it again with the same ones at apply."""
    options: dict[str, Any] = {"adopt": adopt, "force_delete_images": force_delete_images}
    if adopt_from is not None:
        options["adopt_from"] = adopt_from
    return options


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, sort_keys=False, default=str))


# -- plan ------------------------------------------------------------------------------------


# Destructive flags are never read from the environment: a variable left set in a shell or a
# CI job must not turn a reviewed, prompted run into an unprompted, destructive one.
adopt_option = click.option(
    "--adopt", is_flag=True, allow_from_autoenv=False,
    help="Take over same-named resources that lack the ownership tag instead of refusing.")
adopt_from_option = click.option(
    "--adopt-from", metavar="PROJECT", allow_from_autoenv=False,
    help="Take over resources that carry the ownership tag of PROJECT (a transfer between "
         "ecrrep projects).")
force_option = click.option(
    "--force-delete-images", is_flag=True, allow_from_autoenv=False,
    help="Allow deleting repositories that still hold images.")
auto_approve_option = click.option(
    "--auto-approve", is_flag=True, allow_from_autoenv=False,
    help="Do not ask for confirmation.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON document.")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "markdown"]),
              default="table", show_default=True,
              help="markdown: for a pull-request comment (--json is --format json).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False, writable=True),
              help="Save the plan, for `ecrrep apply FILE`.")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 0 when nothing changes, 2 when something would.")
@adopt_option
@adopt_from_option
@force_option
@global_options
@click.pass_obj
def plan(app: App, as_json: bool, output_format: str, out_file: str | None,
         detailed_exitcode: bool, adopt: bool, adopt_from: str | None,
         force_delete_images: bool) -> None:
    """Show how the account differs from the spec. Changes nothing."""
    from ecrrep.engine.planner import plan_for
    from ecrrep.render.tables import render_plan

    loaded = load_spec_or_exit(app)
    options = diff_options(loaded, adopt, force_delete_images, adopt_from)
    the_plan = run_aws(app, lambda aws: plan_for(aws, loaded.spec, options))
    if as_json or output_format == "json":
        emit_json(the_plan.to_json())
    elif output_format == "markdown":
        from ecrrep.render.markdown import plan_markdown

        click.echo(plan_markdown(the_plan, kind_titles()), nl=False)
    else:
        render_plan(app.console(), the_plan, kind_titles(), verbose=app.verbose > 0)
    if out_file:
        save_plan(app, out_file, the_plan, loaded,
                  saved_options(adopt, force_delete_images, adopt_from))
    if detailed_exitcode and the_plan.has_changes:
        sys.exit(EXIT_CHANGES)


# -- apply / destroy -------------------------------------------------------------------------


def save_plan(app: App, out_file: str, the_plan: Any, loaded: Any,
              options: dict[str, Any]) -> None:
    """Write the plan file (scrubbed like any output) and print its digest for reviewers."""
    from ecrrep.aws.scrub import scrub
    from ecrrep.engine.plan import planfile_document
    from ecrrep.engine.saved_plan import file_digest, saved_plan_bytes

    doc = planfile_document(the_plan, loaded.text, loaded.path, options)
    data = scrub(saved_plan_bytes(doc).decode()).encode()
    Path(out_file).write_bytes(data)
    app.console(stderr=True).print(
        f"Saved the plan to {out_file} ({file_digest(data)}); apply it with "
        f"`ecrrep apply {out_file}`.", markup=False)


@cli.command()
@click.argument("planfile", required=False, type=click.Path(exists=True, dir_okay=False))
@auto_approve_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the plan and the result as one JSON document (needs --auto-approve).")
@adopt_option
@adopt_from_option
@force_option
@global_options
@click.pass_obj
def apply(app: App, planfile: str | None, auto_approve: bool, as_json: bool, adopt: bool,
          adopt_from: str | None, force_delete_images: bool) -> None:
    """Converge the account to the spec (or carry out a saved PLANFILE).

    With PLANFILE, the spec and options saved in it are planned again against the account;
    apply refuses, before any change, when the account changed since, or when the file's
    changes differ from that fresh plan's (see docs/saved-plans.md).
    """
    from ecrrep.engine.planner import plan_for

    if planfile:
        if adopt or adopt_from or force_delete_images:
            fail("with PLANFILE, the options saved in the plan apply; --adopt, --adopt-from "
                 "and --force-delete-images belong to `ecrrep plan --out`")
        loaded, options, the_plan = load_planfile(app, planfile)
        force_delete_images = options.force_delete_images
    else:
        loaded = load_spec_or_exit(app)
        options = diff_options(loaded, adopt, force_delete_images, adopt_from)
        the_plan = run_aws(app, lambda aws: plan_for(aws, loaded.spec, options))
    execute_plan(app, the_plan, auto_approve, as_json, force_delete_images, verb="apply")


@cli.command()
@auto_approve_option
@click.option("--json", "as_json", is_flag=True,
              help="Print the plan and the result as one JSON document (needs --auto-approve).")
@force_option
@global_options
@click.pass_obj
def destroy(app: App, auto_approve: bool, as_json: bool, force_delete_images: bool) -> None:
    """Delete everything this spec owns, in every region. Keeps what it does not own."""
    from ecrrep.engine.planner import plan_for

    loaded = load_spec_or_exit(app)
    options = diff_options(loaded, False, force_delete_images)
    the_plan = run_aws(app, lambda aws: plan_for(aws, loaded.spec, options, destroy=True))
    execute_plan(app, the_plan, auto_approve, as_json, force_delete_images, verb="destroy")


# -- validate-replication --------------------------------------------------------------------


@cli.command("validate-replication")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@click.option("--format", "output_format", default="table", show_default=True,
              type=click.Choice(["table", "json", "markdown", "junit"]),
              help="markdown: for a pull-request comment; junit: a test report for CI.")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=0, metavar="SECONDS",
              help="Check again until every image has arrived everywhere, for at most SECONDS.")
@click.option("--grace", "grace_minutes", type=click.FloatRange(min=0), default=30,
              show_default=True, metavar="MINUTES",
              help="Missing images pushed more recently than this count as in flight.")
@click.option("--publish-metrics", is_flag=True,
              help="Publish ReplicationFailureRate and ReplicationLatencySeconds (p95) per "
                   "destination region (namespace ECRRep).")
@global_options
@click.pass_obj
def validate_replication(app: App, as_json: bool, output_format: str, wait_seconds: float,
                         grace_minutes: float, publish_metrics: bool) -> None:
    """Check that every destination region holds the source's images and settings.

    Exit 0 when healthy (images still in flight alone are healthy), 2 on gaps or settings
    drift, 1 on errors.
    """
    from ecrrep.render.tables import render_validation

    loaded = load_spec_or_exit(app)
    report = run_aws(app, lambda aws: validate_and_publish(
        app, aws, loaded.spec, grace_minutes, wait_seconds, publish_metrics))
    if as_json or output_format == "json":
        emit_json(report.to_json())
    elif output_format in ("markdown", "junit"):
        from ecrrep.render.junit import validation_junit
        from ecrrep.render.markdown import validation_markdown

        render = validation_markdown if output_format == "markdown" else validation_junit
        click.echo(render(report), nl=False)
    else:
        from ecrrep.render.lag import replication_bars

        app.console().print(replication_bars(report))
        render_validation(app.console(), report)
    if not report.healthy:
        sys.exit(EXIT_CHANGES)


def validate_and_publish(app: App, aws: Any, spec: Any, grace_minutes: float,
                         wait_seconds: float = 0, publish_metrics: bool = False) -> Any:
    """Check replication (polling with a progress display for --wait); publish the failure
    rates when asked. Notes go to stderr."""
    from ecrrep.render.tables import replication_wait_progress
    from ecrrep.replication.check import (
        CheckError,
        ReplicationStatusReader,
        check_replication,
        publish_failure_rates,
        wait_for_replication,
    )

    err = app.console(stderr=True)
    reader = ReplicationStatusReader(aws, lambda note: err.print(note, markup=False,
                                                                 style="yellow"))

    def check() -> Any:
        try:
            return check_replication(aws, spec, grace_minutes, reader)
        except CheckError as exc:
            fail(str(exc))

    if wait_seconds > 0:
        with replication_wait_progress(err, wait_seconds) as display:
            report = wait_for_replication(check, wait_seconds, display.on_report,
                                          sleep=display.sleep)
    else:
        report = check()
    if publish_metrics:
        rates = publish_failure_rates(aws, spec, report)
        shown = ", ".join(f"{region} {rate:.1f}%" for region, rate in rates.items())
        err.print(f"Published ReplicationFailureRate and ReplicationLatencySeconds to "
                  f"CloudWatch ({spec.source_region}, "
                  f"namespace ECRRep): {shown}", markup=False)
    return report


def load_planfile(app: App, planfile: str) -> tuple[Any, Any, Any]:
    """The fresh plan of a saved plan's spec and options, once the saved changes are shown to
    be exactly its changes on an unchanged account (ecrrep.engine.saved_plan); else exit 1."""
    from ecrrep.engine.planner import plan_for
    from ecrrep.engine.saved_plan import SavedPlanError, load_saved_plan, verify_saved_plan

    try:
        saved = load_saved_plan(planfile)
    except SavedPlanError as exc:
        fail(str(exc))
    opts = saved.options
    shown = [flag for flag, on in (("--adopt", opts.get("adopt")),
                                   ("--force-delete-images", opts.get("force_delete_images")))
             if on] + ([f"--adopt-from {opts['adopt_from']}"] if opts.get("adopt_from") else [])
    app.console(stderr=True).print(
        f"Applying the saved plan {planfile} ({saved.digest}); spec {saved.spec_path}; saved "
        f"options: {' '.join(shown) or 'none'}.", markup=False)
    loaded = load_spec_or_exit(app, path=saved.spec_path, text=saved.spec_text)
    options = diff_options(loaded, bool(opts.get("adopt")), bool(opts.get("force_delete_images")),
                           opts.get("adopt_from"))
    fresh = run_aws(app, lambda aws: plan_for(aws, loaded.spec, options))
    try:
        verify_saved_plan(saved, fresh)
    except SavedPlanError as exc:
        fail(str(exc))
    return loaded, options, fresh


def execute_plan(app: App, the_plan: Any, auto_approve: bool, as_json: bool,
                 force_delete_images: bool, verb: str, show_plan: bool = True) -> None:
    from ecrrep.render.tables import render_plan

    out = app.console()
    if as_json and not auto_approve:
        fail(f"{verb} --json needs --auto-approve: there is no one to answer the prompt")
    if show_plan and not as_json:
        render_plan(out, the_plan, kind_titles(), verbose=app.verbose > 0)
    if the_plan.blocked:
        if as_json:
            emit_json({"plan": the_plan.to_json(), "applied": False})
        fail(f"{verb} refused: {len(the_plan.blocked)} change(s) cannot be applied (listed "
             "above); nothing was changed")
    if not the_plan.has_changes:
        if as_json:
            emit_json({"plan": the_plan.to_json(), "applied": True, "done": [], "failed": [],
                       "not_done": []})
        else:
            out.print("\nNothing to destroy: nothing this spec owns exists." if verb == "destroy"
                      else "\nNo changes. The account matches the spec.", markup=False)
        return
    if not auto_approve:
        confirm(verb)
    report = run_aws(app, lambda aws: run_changes(app, aws, the_plan, force_delete_images))
    if as_json:
        emit_json({
            "plan": the_plan.to_json(),
            "applied": report.ok,
            "done": [c.address for c in report.done],
            "failed": [{"address": c.address, "error": e.line()} for c, e in report.failed],
            "not_done": [c.address for c in report.not_done],
        })
    else:
        render_report(out, report, verb)
    if not report.ok:
        # Interrupted: 128 + the signal's number, as a shell reports a process it stopped.
        sys.exit(128 + app.interrupted_by if app.interrupted_by else EXIT_ERROR)


def confirm(verb: str) -> None:
    if not sys.stdin.isatty():
        fail(f"{verb} needs confirmation, but there is no terminal to ask on; nothing was "
             "changed (pass --auto-approve to go ahead without asking)")
    click.echo(f"\nDo you want to {verb} these changes? Only 'yes' will be accepted.")
    answer = click.prompt("  Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        fail(f"{verb} cancelled; nothing was changed")


def run_changes(app: App, aws: Any, the_plan: Any, force_delete_images: bool) -> Any:
    """Apply with a progress display on stderr; Ctrl-C or SIGTERM stops new changes starting."""
    import signal
    import threading

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from ecrrep.engine.planner import apply_plan
    from ecrrep.resources.base import ApplyOptions

    err = app.console(stderr=True)
    stop = threading.Event()
    verbs = {"create": "created", "update": "updated", "delete": "destroyed"}

    def request_stop(signum: int, _frame: Any) -> None:
        if not stop.is_set():
            stop.set()
            app.interrupted_by = signum
            err.print(f"\nReceived {signal.Signals(signum).name}: finishing the changes in "
                      "flight, starting no new ones.", markup=False, style="yellow")

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=err, transient=True) as progress:
            task = progress.add_task("Applying", total=len(the_plan.actionable))

            def on_event(event: Any) -> None:
                change = event.change
                if event.status == "started":
                    progress.update(task, description=f"{change.action} {change.address}")
                    return
                progress.advance(task)
                if event.status == "done":
                    progress.console.print(f"✓ {change.address}: {verbs[change.action]}",
                                           markup=False, style="green")
                else:
                    progress.console.print(f"✗ {change.address}: {event.error.line()}",
                                           markup=False, style="red")

            return apply_plan(aws, the_plan, ApplyOptions(force_delete_images), on_event, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def render_report(out: Any, report: Any, verb: str) -> None:
    from ecrrep.engine.plan import Plan

    done = Plan(report.done).summary()
    if report.ok:
        title = "Apply complete!" if verb == "apply" else "Destroy complete!"
        out.print(f"\n{title} Resources: {done['add']} added, {done['change']} changed, "
                  f"{done['destroy']} destroyed.", markup=False, style="bold green")
        return
    out.print(f"\n{verb.capitalize()} stopped. Done: {done['add']} added, {done['change']} "
              f"changed, {done['destroy']} destroyed.", markup=False, style="bold red")
    for change, error in report.failed:
        out.print(f"  failed:   {change.address}: {error.line()}", markup=False, style="red")
    for change in report.not_done:
        out.print(f"  not done: {change.action} {change.address}", markup=False, style="yellow")
    out.print(f"Run `ecrrep {verb}` again to converge from here.", markup=False)


# -- schema, demo, sandbox -------------------------------------------------------------------


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the spec, for editors."""
    from ecrrep.spec.loader import json_schema

    emit_json(json_schema())


@cli.command()
@click.pass_obj
def demo(app: App) -> None:
    """Run the whole life cycle against an embedded AWS emulator: plan, apply, plan again,
    push images, validate-replication, destroy. No AWS account needed."""
    from ecrrep.sandbox.demo import run_demo

    run_demo(app)


@cli.command()
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


# -- cleanup ---------------------------------------------------------------------------------


@cli.command()
@click.option("--dry-run", is_flag=True,
              help="List what would be deleted; delete nothing (also the spec's cleanup.dry_run).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document.")
@global_options
@click.pass_obj
def cleanup(app: App, dry_run: bool, as_json: bool) -> None:
    """Run the cleanup function's own code here, against the account.

    Deletes, in the source region, the images older than their repository's retention
    (cleanup.retention_days, default 30) unless a tag starts with a protected prefix; never a
    repository's newest image. Publishes the function's metrics (namespace ECRRep) too.
    Exit 1 when an image could not be deleted.
    """
    import logging

    from ecrrep.cleanup.function.config import CleanupConfig
    from ecrrep.cleanup.function.handler import run_cleanup
    from ecrrep.render.tables import render_cleanup

    loaded = load_spec_or_exit(app)
    config = CleanupConfig.from_spec(loaded.spec, dry_run=True if dry_run else None)
    if app.verbose:
        # The function's one line per image, as it logs them in Lambda, on stderr.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger = logging.getLogger("ecrrep.cleanup")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # The function's own code decides what it may touch: the same check runs in Lambda.
    result = run_aws(app, lambda aws: run_cleanup(config, aws.client))
    for skipped in result["skipped"]:
        app.console(stderr=True).print(skipped["message"], markup=False, style="yellow")
    if as_json:
        emit_json(result)
    else:
        render_cleanup(app.console(), result)
    if result["failed"]:
        sys.exit(EXIT_ERROR)


# -- permissions -----------------------------------------------------------------------------


def _account_id(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not (len(value) == 12 and value.isdigit()):
        raise click.BadParameter("an AWS account id is 12 digits")
    return value


@cli.command()
@click.option("--command", "commands", multiple=True, metavar="COMMAND",
              # ecrrep.aws.permissions.COMMANDS, written out so `--help` imports nothing heavy
              # (tests/unit/test_permissions.py keeps the two the same).
              type=click.Choice(["plan", "apply", "destroy", "validate-replication", "cleanup",
                                 "import", "output"]),
              help="Only what COMMAND needs (repeatable). Default: every command.")
@click.option("--json", "as_json", is_flag=True, help="Print the IAM policy document as JSON.")
@click.option("--account-id", metavar="ID", callback=_account_id,
              help="Put this account id in the ARNs. Default: * (any account).")
@global_options
@click.pass_obj
def permissions(app: App, commands: tuple[str, ...], as_json: bool,
                account_id: str | None) -> None:
    """Print the least-privilege IAM policy for the identity running ecrrep on this spec.

    Resources are scoped to the spec's repositories, roles, topic, alarms, dashboard, function
    and rules wherever AWS allows it; "*" only for actions that have no resource type.
    """
    from ecrrep.aws.permissions import COMMANDS, policy_document, policy_listing

    loaded = load_spec_or_exit(app)
    document = policy_document(loaded.spec, list(commands or COMMANDS), account_id or "*")
    if as_json:
        emit_json(document)
    else:
        click.echo(policy_listing(document))


# -- output ----------------------------------------------------------------------------------


@cli.command()
@click.argument("name", required=False, shell_complete=lambda ctx, param, incomplete:
                complete_output_names(ctx, incomplete))
@click.option("--json", "as_json", is_flag=True,
              help="Print one flat JSON object {name: value} (or NAME's value as JSON).")
@global_options
@click.pass_obj
def output(app: App, name: str | None, as_json: bool) -> None:
    """Print the values the Terraform recipe's `terraform output` gave, read from the account.

    With NAME, print that value alone, as `terraform output -raw NAME` does (structured values
    as JSON), for scripts: PROD_REPO=$(ecrrep output production_repository_uri).
    """
    from ecrrep.engine.outputs import format_value, output_names, raw_value, read_outputs

    loaded = load_spec_or_exit(app)
    known = output_names(loaded.spec)
    if name is not None and name not in known:
        fail(f"no output named {name!r}; the outputs are: {', '.join(known)}")
    values = run_aws(app, lambda aws: read_outputs(aws, loaded.spec))
    if name is None:
        if as_json:
            emit_json(values)
            return
        out = app.console()
        for key, value in values.items():
            out.print(f"{key} = {format_value(value)}", markup=False, highlight=False)
        missing = [k for k in known if k not in values]
        if missing:
            app.console(stderr=True).print(
                f"No value yet (not created, or not owned by this project): "
                f"{', '.join(missing)}", markup=False, style="yellow")
        return
    if name not in values:
        fail(f"output {name!r} has no value: what it names does not exist in the account, or "
             "is not owned by this project (run `ecrrep apply`)")
    if as_json:
        emit_json(values[name])
    else:
        click.echo(raw_value(values[name]), nl=False)


def complete_output_names(ctx: click.Context, incomplete: str) -> list[str]:
    """Output names of the spec (`-c`, ECRREP_CONFIG or the default file) for shell completion:
    `<repo>_repository_uri` and the rest. Silent on any problem: completion must not fail."""
    from ecrrep.cli.completion import output_name_candidates

    root = ctx.find_root()
    return output_name_candidates(root.params.get("config") or os.environ.get("ECRREP_CONFIG"),
                                  DEFAULT_CONFIG_FILES, incomplete)


# -- import ----------------------------------------------------------------------------------


@cli.command("import")
@click.option("--prefix", required=True, metavar="PREFIX",
              help="The repositories to import: those named PREFIX/<name>.")
@click.option("--source-region", required=True, metavar="REGION",
              help="Where images are pushed; the replication rules are read there.")
@click.option("--project", metavar="NAME",
              help="The spec's project. Default: the repositories' ecrrep:project tag, else "
                   "made from the prefix.")
@click.option("-o", "--output", "output_file", type=click.Path(dir_okay=False, writable=True),
              help="Write the spec to FILE instead of standard output.")
@click.pass_obj
def import_command(app: App, prefix: str, source_region: str, project: str | None,
                   output_file: str | None) -> None:
    """Read an existing registry and write a spec for it.

    Repositories with their settings, lifecycle policies as rules where they can be (else as
    lifecycle_policy), repository policies as restricted / open when they are exactly those
    presets (else custom), the replication rule's destinations, and ecrrep's roles, topic,
    alarms and function when they exist under the project's names. What the spec cannot
    express is said in comments. Check the result with `ecrrep plan -c FILE --adopt`.
    """
    from ecrrep.importer import ImportError_, import_registry, spec_yaml

    def read(aws: Any) -> Any:
        try:
            return import_registry(aws, prefix, source_region, project)
        except ImportError_ as exc:
            fail(str(exc))

    imported = run_aws(app, read)
    command = f"ecrrep import --prefix {prefix} --source-region {source_region}"
    text = spec_yaml(imported.spec, imported.notes, command)
    if output_file:
        Path(output_file).write_text(text)
        app.console(stderr=True).print(
            f"Wrote {output_file}: {len(imported.spec['repositories'])} repositories, "
            f"{len(imported.notes)} note(s). Check it with `ecrrep plan -c {output_file} "
            "--adopt`.", markup=False)
    else:
        click.echo(text, nl=False)


def main() -> None:
    from ecrrep.aws import scrub

    # Before anything is printed: every byte written to stdout and stderr is scrubbed.
    scrub.register_environment_secrets()
    scrub.install(sys)
    cli(prog_name="ecrrep")


if __name__ == "__main__":
    main()
