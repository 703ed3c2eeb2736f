"""How the sandbox's behaviours attach to moto: wrap one method, once, and ask at call time
whether AWS's stricter behaviour is on.

Every wrapper runs the original method when aws-like is off, so a behaviour installed in a
process whose settings say `aws_like=False` changes nothing; nor does it change anything for
a request the sandbox's server is not answering (see `request_scope`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ecrrep.sandbox import settings

_MARKS = "__sandbox_behaviours__"


def aws_like() -> bool:
    """True while AWS's limits and delays are on (read per call: settings change at run
    time) and the request being answered came to the sandbox's server."""
    from ecrrep.sandbox.request_scope import serving_sandbox

    return settings.current().aws_like and serving_sandbox()


def wrap_method(owner: type, name: str, behaviour: Callable[..., Any]) -> None:
    """Replace `owner.name` with a call to `behaviour(original, self, *args, **kwargs)`.

    Idempotent: wrapping the same method with the same behaviour twice wraps it once."""
    original = getattr(owner, name)
    mark = f"{behaviour.__module__}.{behaviour.__qualname__}"
    marks: frozenset[str] = getattr(original, _MARKS, frozenset())
    if mark in marks:
        return

    @functools.wraps(original)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        return behaviour(original, self, *args, **kwargs)

    setattr(wrapped, _MARKS, marks | {mark})
    setattr(owner, name, wrapped)


def add_method(owner: type, name: str, method: Callable[..., Any]) -> None:
    """Give `owner` a method moto lacks (a response handler for an action it does not
    implement); leaves one moto already has alone."""
    if name not in vars(owner):
        setattr(owner, name, method)


def service_error(code: str, message: str, **members: Any) -> Exception:
    """An AWS error moto has no class for, serialised with the calling service's error shape
    for `code`; `members` are the shape's other fields (ECR's `kmsError`, ...)."""
    from moto.core.exceptions import ServiceException

    # Defined here, not in moto: moto looks up the error shape of a moto.<service> exception
    # in that service's model, and of any other in the model of the service being called.
    error = type(code, (ServiceException,), {"code": code})(message)
    for name, value in members.items():
        setattr(error, name, value)
    return error
