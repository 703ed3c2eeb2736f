"""CPU time to draw an empty-account plan of N repositories (no AWS: the plan is made
in-process from the example spec with N repositories, then rendered to a StringIO console).

    python benchmarks/render_plan.py [N ...]        # default: 1000 5000

Prints, per N: the number of changes, the CPU seconds to render folded (the default) and,
for reference, with every resource listed (--full), and the lines each prints. Targets from
the issue: under 1 s at 1,000 repositories, under 3 s at 5,000 (folded).
"""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecrrep.engine.diff import DiffOptions  # noqa: E402
from ecrrep.engine.planner import make_plan  # noqa: E402
from ecrrep.render.console import make_console  # noqa: E402
from ecrrep.render.plan import render_plan  # noqa: E402
from ecrrep.resources import all_kinds  # noqa: E402
from ecrrep.resources.base import Target  # noqa: E402
from ecrrep.spec.models import Spec  # noqa: E402

EXAMPLE = ROOT / "ecrrep" / "examples" / "config.example.yaml"
ACCOUNT = "123456789012"


def spec_with(repositories: int) -> Spec:
    data = yaml.safe_load(EXAMPLE.read_text())
    template = data["repositories"][0]
    data["repositories"] = [{**template, "name": f"app-{i:05d}"} for i in range(repositories)]
    data["cleanup"]["retention_days"] = {}
    return Spec.model_validate(data)


def rendered(plan, titles, full: bool) -> tuple[float, int]:
    console = make_console(no_color=True)
    console.file = io.StringIO()
    started = time.process_time()
    render_plan(console, plan, titles, full=full)
    seconds = time.process_time() - started
    return seconds, console.file.getvalue().count("\n")


def main(sizes: list[int]) -> None:
    kinds = all_kinds()
    titles = {k.type: k.title for k in kinds}
    for n in sizes:
        spec = spec_with(n)
        plan = make_plan(spec, Target(ACCOUNT), [], DiffOptions(spec.project), kinds)
        folded, folded_lines = rendered(plan, titles, full=False)
        full, full_lines = rendered(plan, titles, full=True)
        print(f"N={n:>5}: {len(plan.changes):>6} changes; folded {folded:5.2f} s CPU, "
              f"{folded_lines} lines; --full {full:5.2f} s CPU, {full_lines} lines")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 5000])
