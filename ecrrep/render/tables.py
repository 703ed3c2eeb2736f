"""The names the commands import to print to a terminal; each lives in a module of its own:
the console (`console`), plans (`plan`), validate-replication (`validation`, `wait`) and
cleanup (`cleanup`)."""

from ecrrep.render.cleanup import render_cleanup
from ecrrep.render.console import make_console
from ecrrep.render.plan import render_plan
from ecrrep.render.validation import render_validation
from ecrrep.render.wait import replication_wait_progress

__all__ = ["make_console", "render_cleanup", "render_plan", "render_validation",
           "replication_wait_progress"]
