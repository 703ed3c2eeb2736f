"""GetFunction's `Code.Location`: a URL from which the function's deployment package downloads.

AWS pages: GetFunction, https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html
("Returns information about the function or function version, with a link to download the
deployment package that's valid for 10 minutes"), and FunctionCodeLocation,
https://docs.aws.amazon.com/lambda/latest/api/API_FunctionCodeLocation.html (`Location`: "A
presigned URL that you can use to download the deployment package"; `RepositoryType` "S3" for a
.zip package, "ECR" with `ImageUri` for an image).

moto answers a Location on Lambda's S3 task bucket, which no client can reach. On the sandbox's
server the Location is a URL on that server itself (the address the caller used, from the
request's Host header), serving the zip's bytes as they were when GetFunction answered, for 10
minutes of the sandbox's clock; afterwards it answers 403 as an expired presigned URL does.
This is an API moto lacks rather than a limit, so it does not depend on aws-like: every
request to the sandbox's server gets it, and other moto servers in the process keep moto's.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any
from urllib.parse import unquote

from ecrrep.sandbox import settings
from ecrrep.sandbox.patching import wrap_method
from ecrrep.sandbox.request_scope import request_base_url, serve_path, serving_sandbox

PATH_PREFIX = "/_sandbox/lambda-code/"
VALID_SECONDS = 600
EXPIRED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
           b"<Message>Request has expired</Message></Error>")
NOT_FOUND = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
             b"<Message>The specified key does not exist.</Message></Error>")

_lock = threading.Lock()
# token → (zip bytes, expiry on the sandbox's clock). Entries reference moto's own bytes.
_issued: dict[str, tuple[bytes, float]] = {}


def install() -> None:
    from moto.awslambda.responses import LambdaResponse

    from ecrrep.sandbox.behaviours import on_reset

    wrap_method(LambdaResponse, "get_function", _locate_code)
    serve_path(PATH_PREFIX, _serve_code)
    on_reset(forget_locations)


def forget_locations() -> None:
    with _lock:
        _issued.clear()


def issue_location(code: bytes) -> str:
    """A URL on the sandbox's server that serves `code` for VALID_SECONDS."""
    now = settings.now()
    token = secrets.token_urlsafe(24)
    with _lock:
        for old in [t for t, (_, expiry) in _issued.items() if expiry <= now]:
            del _issued[old]
        _issued[token] = (code, now + VALID_SECONDS)
    return f"{request_base_url()}{PATH_PREFIX}{token}"


def _locate_code(original: Any, response: Any) -> Any:
    answer = original(response)
    if not serving_sandbox() or not isinstance(answer, str):
        return answer
    body = json.loads(answer)
    if (body.get("Code") or {}).get("RepositoryType") != "S3":
        return answer  # an image function: its ImageUri is the code's location
    name = unquote(response.path.rsplit("/", 1)[-1])
    function = response.backend.get_function(name, response._get_param("Qualifier", None))
    code = getattr(function, "code_bytes", None)
    if not code:
        return answer
    body["Code"]["Location"] = issue_location(code)
    return json.dumps(body)


def _serve_code(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    token = environ.get("PATH_INFO", "")[len(PATH_PREFIX):]
    with _lock:
        found = _issued.get(token)
    if found is None:
        return "404 Not Found", [("Content-Type", "application/xml")], NOT_FOUND
    code, expiry = found
    if settings.now() >= expiry:
        return "403 Forbidden", [("Content-Type", "application/xml")], EXPIRED
    return "200 OK", [("Content-Type", "application/zip"),
                      ("Content-Length", str(len(code)))], code
