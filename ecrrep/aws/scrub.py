"""Secrets never leave the process: one scrubbing function, applied where output leaves it.

`main()` wraps sys.stdout and sys.stderr in `ScrubbingStream`, so everything written there —
click's messages, rich consoles (which look up sys.stdout/sys.stderr when they write),
tracebacks, log handlers — passes through `scrub`. Files ecrrep writes (a saved plan) call
`scrub` themselves.

What is scrubbed: the credential values known to this process (the secret access key and the
session token from the environment, and those the credential chain resolved), in every form
they may be printed in (as given, without surrounding whitespace such as a trailing carriage
return, and escaped as repr() shows them); the password of any URL
(`scheme://user:PASSWORD@`); and the value of any `NAME=value` whose NAME says it is a secret
(`AWS_SECRET_ACCESS_KEY=…`, `DB_PASSWORD=…`), as a .env file holds them.
Values shorter than MIN_SECRET_LENGTH are not scrubbed as words: no real AWS secret is that
short, and scrubbing e.g. the sandbox's `testing` would mangle ordinary output that happens to
contain the word.
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any, TextIO

MASK = "****"
MIN_SECRET_LENGTH = 12
CREDENTIAL_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

# scheme://user:password@  — the password is everything up to the '@' that ends the userinfo.
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'\"]*:)[^/\s@'\"]+@")

# NAME=value where NAME says it holds a secret, as in a .env file given by mistake as the spec
# (`-c .env`, whose diagnostic quotes the file's text): the value is masked whoever it belongs to.
_ASSIGNED_SECRET = re.compile(
    r"(?P<head>\b[A-Z][A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY)[A-Z0-9_]*=)"
    r"[^\s'\"]+")

_lock = threading.Lock()
_secrets: set[str] = set()


def _forms(value: str) -> set[str]:
    """The ways a value may appear in output: as given, stripped, and escaped as repr() or
    JSON print it (a trailing '\\r' becomes the two characters backslash and r)."""
    stripped = value.strip()
    escaped = stripped.encode("unicode_escape").decode("ascii", "replace")
    raw_escaped = value.encode("unicode_escape").decode("ascii", "replace")
    return {f for f in (value, stripped, escaped, raw_escaped) if len(f) >= MIN_SECRET_LENGTH}


def register_secret(value: str | None) -> None:
    """Never print this value again (in any of its forms)."""
    if not value:
        return
    with _lock:
        _secrets.update(_forms(value))


def register_environment_secrets(environ: Any = None) -> None:
    environ = os.environ if environ is None else environ
    for name in CREDENTIAL_VARIABLES:
        register_secret(environ.get(name))


def scrub(text: str) -> str:
    """The text with every known secret and every URL password replaced by MASK."""
    if not text:
        return text
    with _lock:
        # Longest first, so a secret containing another is masked whole.
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _ASSIGNED_SECRET.sub(lambda m: m.group("head") + MASK, text)
    return _URL_PASSWORD.sub(lambda m: m.group("head") + MASK + "@", text)


class ScrubbingStream:
    """A text stream that scrubs what is written and passes everything else through."""

    def __init__(self, stream: TextIO):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(scrub(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        # No `buffer`: writers that look for the binary stream under a text one (click does,
        # for an encoding it distrusts) would write around the scrubbing.
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._stream, name)


def install(streams_owner: Any) -> None:
    """Wrap the owner's stdout and stderr (the `sys` module) once."""
    for name in ("stdout", "stderr"):
        stream = getattr(streams_owner, name)
        if stream is not None and not isinstance(stream, ScrubbingStream):
            setattr(streams_owner, name, ScrubbingStream(stream))
