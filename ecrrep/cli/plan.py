"""`ecrrep plan`, `apply` and `destroy`: one plan, rendered, saved or carried out."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ecrrep.cli.app import (
    EXIT_CHANGES,
    App,
    aws_session,
    emit_json,
    fail,
    global_options,
    load_spec_or_exit,
)
from ecrrep.cli.environment import EnvironmentAwareCommand

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext
    from ecrrep.engine.plan import Plan
    from ecrrep.replication.cost import CostEstimate

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
full_option = click.option(
    "--full", is_flag=True,
    help="List every resource of a folded group (alike creations are shown once, with a "
         "count; -v does the same).")
apply_json_option = click.option(
    "--json", "as_json", is_flag=True,
    help="Print the plan and the result as one JSON document (needs --auto-approve).")


@click.command(cls=EnvironmentAwareCommand)
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
@full_option
@global_options
@click.pass_obj
def plan(app: App, as_json: bool, output_format: str, out_file: str | None,
         detailed_exitcode: bool, adopt: bool, adopt_from: str | None,
         force_delete_images: bool, full: bool) -> None:
    """Show how the account differs from the spec. Changes nothing."""
    from ecrrep.workflows.plan import PlanOptions, plan_changes, plan_cost, save_plan

    loaded = load_spec_or_exit(app)
    options = PlanOptions(adopt, force_delete_images, adopt_from)
    with aws_session(app, loaded.spec) as aws:
        the_plan = plan_changes(aws, loaded.spec, options)
        estimate = plan_cost(aws, loaded.spec, the_plan)
    show_plan(app, the_plan, "json" if as_json else output_format, full, estimate)
    if out_file:
        digest = save_plan(out_file, the_plan, loaded, options)
        app.console(stderr=True).print(
            f"Saved the plan to {out_file} ({digest}); apply it with "
            f"`ecrrep apply {out_file}`.", markup=False)
    if detailed_exitcode and the_plan.has_changes:
        sys.exit(EXIT_CHANGES)


def show_plan(app: App, the_plan: Plan, output_format: str, full: bool = False,
              estimate: CostEstimate | None = None) -> None:
    """The plan, and under its summary the cost estimate (`cost_estimate` in JSON) if any."""
    from ecrrep.render.cost import cost_line
    from ecrrep.workflows.terminal import kind_titles

    if output_format == "json":
        document = the_plan.to_json()
        if estimate is not None:
            document["cost_estimate"] = estimate.to_json()
        emit_json(document)
    elif output_format == "markdown":
        from ecrrep.render.markdown import plan_markdown

        cost = cost_line(estimate) if estimate is not None else None
        click.echo(plan_markdown(the_plan, kind_titles(), cost=cost), nl=False)
    else:
        from ecrrep.render.cost import render_cost
        from ecrrep.render.plan import render_plan

        render_plan(app.console(), the_plan, kind_titles(), verbose=app.verbose > 0,
                    full=full)
        render_cost(app.console(), estimate)


@click.command(cls=EnvironmentAwareCommand)
@click.argument("planfile", required=False, type=click.Path(exists=True, dir_okay=False))
@auto_approve_option
@apply_json_option
@adopt_option
@adopt_from_option
@force_option
@full_option
@global_options
@click.pass_obj
def apply(app: App, planfile: str | None, auto_approve: bool, as_json: bool, adopt: bool,
          adopt_from: str | None, force_delete_images: bool, full: bool) -> None:
    """Converge the account to the spec (or carry out a saved PLANFILE).

    With PLANFILE, the spec and options saved in it are planned again against the account;
    apply refuses, before any change, when the account changed since, or when the file's
    changes differ from that fresh plan's (see docs/saved-plans.md).
    """
    from ecrrep.engine.saved_plan import saved_flags
    from ecrrep.workflows.plan import PlanOptions, plan_changes, read_saved_plan, replan_saved

    if not planfile:
        loaded = load_spec_or_exit(app)
        with aws_session(app, loaded.spec) as aws:
            the_plan = plan_changes(aws, loaded.spec,
                                    PlanOptions(adopt, force_delete_images, adopt_from))
            execute_plan(app, aws, the_plan, "apply", auto_approve, as_json, force_delete_images,
                         full)
        return
    if adopt or adopt_from or force_delete_images:
        fail("with PLANFILE, the options saved in the plan apply; --adopt, --adopt-from "
             "and --force-delete-images belong to `ecrrep plan --out`")
    saved = read_saved_plan(planfile)
    app.console(stderr=True).print(
        f"Applying the saved plan {planfile} ({saved.digest}); spec {saved.spec_path}; saved "
        f"options: {' '.join(saved_flags(saved)) or 'none'}.", markup=False)
    loaded = load_spec_or_exit(app, path=saved.spec_path, text=saved.spec_text)
    with aws_session(app, loaded.spec) as aws:
        fresh = replan_saved(aws, saved, loaded.spec)
        execute_plan(app, aws, fresh, "apply", auto_approve, as_json,
                     bool(saved.options.get("force_delete_images")), full)


@click.command(cls=EnvironmentAwareCommand)
@auto_approve_option
@apply_json_option
@force_option
@full_option
@global_options
@click.pass_obj
def destroy(app: App, auto_approve: bool, as_json: bool, force_delete_images: bool,
            full: bool) -> None:
    """Delete everything this spec owns, in every region. Keeps what it does not own."""
    from ecrrep.workflows.plan import PlanOptions, plan_changes

    loaded = load_spec_or_exit(app)
    with aws_session(app, loaded.spec) as aws:
        the_plan = plan_changes(aws, loaded.spec,
                                PlanOptions(force_delete_images=force_delete_images),
                                destroy=True)
        execute_plan(app, aws, the_plan, "destroy", auto_approve, as_json, force_delete_images,
                     full)


def execute_plan(app: App, aws: AwsContext, the_plan: Plan, verb: str, auto_approve: bool,
                 as_json: bool, force_delete_images: bool, full: bool = False) -> None:
    """Show the plan, ask (unless --auto-approve), carry it out, show what became of it."""
    from ecrrep.render.plan import render_plan
    from ecrrep.workflows.apply import converge
    from ecrrep.workflows.terminal import ConsoleApplyProgress, kind_titles, show_outcome

    out = app.console()
    if as_json and not auto_approve:
        fail(f"{verb} --json needs --auto-approve: there is no one to answer the prompt")
    if not as_json:
        render_plan(out, the_plan, kind_titles(), verbose=app.verbose > 0, full=full)
    outcome = converge(aws, the_plan, verb=verb, force_delete_images=force_delete_images,
                       progress=ConsoleApplyProgress(app.console(stderr=True)),
                       confirm=None if auto_approve else confirm)
    if as_json:
        emit_json(outcome.to_json())
    else:
        show_outcome(out, outcome, verb)
    if outcome.refusal:
        fail(outcome.refusal)
    if outcome.exit_code:
        sys.exit(outcome.exit_code)


def confirm(verb: str) -> None:
    if not sys.stdin.isatty():
        fail(f"{verb} needs confirmation, but there is no terminal to ask on; nothing was "
             "changed (pass --auto-approve to go ahead without asking)")
    click.echo(f"\nDo you want to {verb} these changes? Only 'yes' will be accepted.")
    answer = click.prompt("  Enter a value", default="", show_default=False)
    if answer.strip() != "yes":
        fail(f"{verb} cancelled; nothing was changed")
