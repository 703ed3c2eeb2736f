"""`ecrrep demo`: the whole life cycle against a fresh emulator."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from ecrrep.sandbox.server import emulator, emulator_environment


def example_spec_text() -> str:
    return files("ecrrep").joinpath("examples/config.example.yaml").read_text()


# Sample images the demo pushes: repository name (under the prefix) → tags, one image each.
DEMO_IMAGES = {
    "production": [["prod-1.0.0"], ["prod-1.1.0", "prod-latest"]],
    "testing": [["test-101"], ["test-102"]],
}
DEMO_STEPS = 9


def run_demo(app: Any) -> None:
    """The whole life cycle against a fresh emulator, printing what each step shows: plan,
    apply, plan again, push images, replicate them, validate, break a replica, validate,
    destroy."""
    import logging
    from dataclasses import replace

    from ecrrep import cli

    out = app.console()
    with emulator() as url, emulator_environment(url):
        demo_app = replace(app, endpoint_url=url, profile=None)
        loaded = cli.load_spec_or_exit(demo_app, path="config.example.yaml",
                                       text=example_spec_text())
        spec = loaded.spec
        _step(out, f"Emulator running at {url}; spec: config.example.yaml, the Terraform "
                   "recipe's example")
        from ecrrep.engine import plan_for
        from ecrrep.render import render_plan, render_validation
        from ecrrep.replication_check import DEFAULT_GRACE_MINUTES

        # validate-replication probes an API the emulator lacks; its HTTP 500 is expected and
        # handled, so the server's traceback for it is noise here.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)

        def make_plan(destroy: bool = False, force: bool = False) -> Any:
            options = cli.diff_options(loaded, False, force)
            return cli.run_aws(demo_app, lambda aws: plan_for(aws, spec, options, destroy))

        def validate(grace_minutes: float) -> Any:
            report = cli.run_aws(demo_app, lambda aws: cli.validate_and_publish(
                demo_app, aws, spec, grace_minutes))
            render_validation(out, report)
            return report

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

        _step(out, _numbered(4, f"push sample images to {spec.source_region}   (what CI does)"))
        pushed = cli.run_aws(demo_app, lambda aws: _push_samples(aws, spec))
        for image in pushed:
            out.print(f"  pushed {image.repository}:{','.join(image.tags)}  {image.digest}",
                      markup=False)
        _step(out, _numbered(5, "copy them to " + ", ".join(spec.destination_regions)
                             + "   (what ECR replication does; the emulator does not)"))
        copied = cli.run_aws(demo_app, lambda aws: _replicate(aws, spec))
        out.print(f"  copied {copied} images", markup=False)
        _step(out, _numbered(6, "ecrrep validate-replication"))
        if not validate(DEFAULT_GRACE_MINUTES).healthy:
            cli.fail("replication should be healthy after copying every image")

        victim = pushed[0]
        region = spec.destination_regions[-1]
        _step(out, _numbered(7, f"delete {victim.repository}:{victim.tags[0]} from {region}"))
        cli.run_aws(demo_app, lambda aws: aws.client("ecr", region).batch_delete_image(
            repositoryName=victim.repository, imageIds=[{"imageDigest": victim.digest}]))
        out.print(f"  deleted {victim.digest} from {region}", markup=False)
        _step(out, _numbered(8, "ecrrep validate-replication --grace 0   (exit code 2: a gap; "
                             "without --grace 0 an image pushed seconds ago is in flight)"))
        if validate(0).healthy:
            cli.fail("validate-replication missed the deleted replica image")

        _step(out, _numbered(9, "ecrrep destroy --auto-approve --force-delete-images"))
        doomed = make_plan(destroy=True, force=True)
        out.print(doomed.summary_line(), markup=False)
        cli.execute_plan(demo_app, doomed, True, False, True, verb="destroy", show_plan=False)
        if make_plan(destroy=True).has_changes:
            cli.fail("destroy left resources behind")
        _step(out, "Demo complete: created, verified and destroyed; nothing is left.")


def _numbered(n: int, text: str) -> str:
    return f"{n}/{DEMO_STEPS}  {text}"


def _push_samples(aws: Any, spec: Any) -> list[Any]:
    from ecrrep.images import push_sample_image
    from ecrrep.naming import repository_name

    ecr = aws.client("ecr", spec.source_region)
    return [
        push_sample_image(ecr, repository_name(spec.repository_prefix, name),
                          f"{name}:{tags[0]}", tags)
        for name, images in DEMO_IMAGES.items()
        for tags in images
    ]


def _replicate(aws: Any, spec: Any) -> int:
    from ecrrep.images import copy_images
    from ecrrep.naming import repository_name

    source = aws.client("ecr", spec.source_region)
    copied = 0
    for region in spec.destination_regions:
        for name in DEMO_IMAGES:
            repository = repository_name(spec.repository_prefix, name)
            copied += len(copy_images(source, aws.client("ecr", region), repository))
    return copied


def _step(out: Any, text: str) -> None:
    from rich.rule import Rule

    out.print()
    out.print(Rule(text, align="left", style="cyan"))


