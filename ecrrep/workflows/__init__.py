"""What the commands do, as functions the CLI and the demo both call.

Each workflow takes an AwsContext (one per command: `session.aws_session`) and typed values,
and returns data; where it shows progress or asks for confirmation, the I/O is passed in.
A failure already explained in one line is a `WorkflowError`: the CLI prints it as
`Error: ...` and exits 1.
"""

from __future__ import annotations


class WorkflowError(Exception):
    """A failure explained in one line, with nothing more to show (no traceback)."""
