"""A fault-injecting HTTP proxy between ecrrep and the moto server.

`ecrrep` is pointed at the proxy (AWS_ENDPOINT_URL=proxy.url); the proxy forwards each request
to moto, or answers it itself with the fault a test asked for:

- a delay before forwarding;
- throttling, in the form each protocol uses (JSON `ThrottlingException` with HTTP 400 for ECR,
  EventBridge and Logs; `TooManyRequestsException` with HTTP 429 for Lambda, as Lambda answers;
  XML `Throttling` with HTTP 503 for the query services IAM, SNS and STS; a CBOR body with the
  `x-amzn-query-error: Throttling` header for CloudWatch, which botocore speaks as
  smithy-rpc-v2-cbor);
- HTTP 500 (`InternalFailure`), before forwarding or after (the call took effect, the client
  hears an error);
- a dropped connection, before forwarding or after;
- a hard, non-retryable failure (AccessDenied naming the missing permission) or a dropped
  connection on the k-th mutating call.

Decisions are deterministic: each request's dice come from the seed, the request's service,
region, action and its occurrence number, so the same run meets the same faults whatever
the order the threads send requests in. Every request is recorded (`calls`) and tests can wait
on a condition over the records (`wait_for`) or hold requests with hooks, instead of sleeping.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# SigV4 signing names to botocore service names, where they differ.
_SERVICE_BY_SIGNING_NAME = {"monitoring": "cloudwatch"}
# Operations that only read. Everything else changes the account: a test that counts
# mutating calls must not depend on ecrrep's own definition of one.
_READ_PREFIXES = ("Describe", "Get", "List", "BatchGet", "BatchCheck", "Check", "Search",
                  "Lookup", "Test", "Validate", "Simulate")
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade", "content-length"}


@dataclass
class Call:
    """One HTTP request the proxy received, and what it did with it."""

    index: int
    service: str
    region: str
    action: str
    mutating: bool
    access_key: str
    body: bytes
    protocol: str = "json"  # json | query | rest-json | cbor: how to answer it
    path: str = "/"
    outcome: str = "pending"  # forwarded | throttled | error-500 | dropped | failed | ...-after
    status: int = 0
    answered: bool = False

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Hook:
    """Test choreography: `before` runs (and may block) before a matching request is
    forwarded, `after` once it has been answered."""

    match: Callable[[Call], bool]
    before: Callable[[Call], None] | None = None
    after: Callable[[Call], None] | None = None


@dataclass
class _Rule:
    fault: str  # delay | throttle | error-500 | drop
    share: float
    match: Callable[[Call], bool]
    seconds: float = 0.0
    after: bool = False  # forward first, then answer with the fault
    once: bool = False  # only the first attempt of a request, not botocore's retries of it


@dataclass
class _HardFailure:
    k: int
    how: str  # access-denied | drop
    match: Callable[[Call], bool]
    seen: int = 0
    failed: set[str] = field(default_factory=set)


def _any(_: Call) -> bool:
    return True


def identity(call: Call) -> str:
    """The same for a request and botocore's retries of it (sent again as it was)."""
    digest = hashlib.sha256(call.body).hexdigest()
    return f"{call.service}|{call.region}|{call.action}|{call.path}|{digest}"


class FaultProxy:
    """`with FaultProxy(upstream) as proxy:` serves on 127.0.0.1 at `proxy.url`."""

    def __init__(self, upstream: str, seed: int = 5):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname or "127.0.0.1", parsed.port or 80)
        self.seed = seed
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.calls: list[Call] = []
        self._rules: list[_Rule] = []
        self._hooks: list[Hook] = []
        self._hard: _HardFailure | None = None
        self._occurrences: Counter = Counter()
        self._attempts: Counter = Counter()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        # A short poll: stopping waits for it, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True, name="fault-proxy")

    # -- life cycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    def reset(self) -> None:
        """No faults, no hooks, no records."""
        with self._lock:
            self.calls.clear()
            self._rules.clear()
            self._hooks.clear()
            self._hard = None
            self._occurrences.clear()
            self._attempts.clear()

    # -- what to do ------------------------------------------------------------------------

    def delay(self, seconds: float, match: Callable[[Call], bool] = _any) -> None:
        self._add(_Rule("delay", 1.0, match, seconds=seconds))

    def throttle(self, share: float, match: Callable[[Call], bool] = _any,
                 once: bool = False) -> None:
        """A throttling answer in the request's protocol, instead of forwarding it."""
        self._add(_Rule("throttle", share, match, once=once))

    def server_error(self, share: float, match: Callable[[Call], bool] = _any,
                     after: bool = False, once: bool = False) -> None:
        """HTTP 500 instead of forwarding, or (`after`) once the call took effect."""
        self._add(_Rule("error-500", share, match, after=after, once=once))

    def drop(self, share: float, match: Callable[[Call], bool] = _any,
             after: bool = False, once: bool = False) -> None:
        """Reset the connection instead of forwarding, or (`after`) once the call took
        effect."""
        self._add(_Rule("drop", share, match, after=after, once=once))

    def fail_mutating(self, k: int, how: str = "access-denied",
                      match: Callable[[Call], bool] = _any) -> None:
        """Fail the k-th mutating request (counting from 1) that `match` accepts: with a
        non-retryable AccessDenied, or (`how="drop"`) by dropping the connection of that
        request and of every retry of it."""
        if how not in ("access-denied", "drop"):
            raise ValueError(how)
        with self._lock:
            self._hard = _HardFailure(k, how, match)

    def hook(self, match: Callable[[Call], bool], before: Callable[[Call], None] | None = None,
             after: Callable[[Call], None] | None = None) -> None:
        with self._lock:
            self._hooks.append(Hook(match, before, after))

    def _add(self, rule: _Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    # -- what happened ---------------------------------------------------------------------

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def count(self, predicate: Callable[[Call], bool] = _any) -> int:
        with self._lock:
            return sum(1 for c in self.calls if predicate(c))

    def outcomes(self) -> Counter:
        with self._lock:
            return Counter(c.outcome for c in self.calls)

    def mutating_forwarded(self) -> list[Call]:
        """Mutating requests that reached the server, in arrival order."""
        with self._lock:
            return [c for c in self.calls if c.mutating and c.outcome.startswith("forwarded")]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 60) -> bool:
        """Block until predicate(calls) holds (checked on every change); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self.calls), timeout)

    # -- the request path ------------------------------------------------------------------

    def _register(self, call: Call) -> tuple[list[_Rule], list[Hook], bool]:
        with self._lock:
            call.index = len(self.calls)
            self.calls.append(call)
            key = (call.service, call.region, call.action)
            self._occurrences[key] += 1
            occurrence = self._occurrences[key]
            self._attempts[identity(call)] += 1
            first = self._attempts[identity(call)] == 1
            rules = [r for r in self._rules if r.match(call) and (first or not r.once)
                     and self._roll(call, occurrence, r) < r.share]
            hooks = [h for h in self._hooks if h.match(call)]
            hard = False
            if self._hard and call.mutating and self._hard.match(call):
                identity_ = identity(call)
                if identity_ in self._hard.failed:
                    hard = self._hard.how == "drop"  # a retry of the call that must fail
                else:
                    self._hard.seen += 1
                    if self._hard.seen == self._hard.k:
                        hard = True
                        self._hard.failed.add(identity_)
            self._changed.notify_all()
            return rules, hooks, hard

    def _roll(self, call: Call, occurrence: int, rule: _Rule) -> float:
        text = f"{self.seed}|{rule.fault}|{call.service}|{call.region}|{call.action}|{occurrence}"
        digest = hashlib.sha256(text.encode()).digest()
        return struct.unpack(">Q", digest[:8])[0] / 2**64

    def _settle(self, call: Call, outcome: str, status: int = 0) -> None:
        with self._lock:
            call.outcome = outcome
            call.status = status
            call.answered = True
            self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away (a killed ecrrep) is no error of the proxy's.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
    # delayed ACK add 40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return None

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        call = identify(self.command, self.path, dict(self.headers.items()), body)
        rules, hooks, hard = proxy._register(call)
        for hook in hooks:
            if hook.before:
                hook.before(call)
        self._answer(proxy, call, rules, hard, body)
        for hook in hooks:
            if hook.after:
                hook.after(call)

    def _answer(self, proxy: FaultProxy, call: Call, rules: list[_Rule], hard: bool,
                body: bytes) -> None:
        for rule in rules:
            if rule.fault == "delay":
                time.sleep(rule.seconds)
        if hard:
            if proxy._hard and proxy._hard.how == "drop":
                self._drop(proxy, call, "failed-dropped")
            else:
                self._reply(proxy, call, "failed", *access_denied(call))
            return
        before = [r for r in rules if r.fault != "delay" and not r.after]
        after = [r for r in rules if r.fault != "delay" and r.after]
        if before:
            self._fault(proxy, call, before[0].fault, "")
            return
        try:
            status, headers, payload = self._forward(body)
        except OSError:
            self._drop(proxy, call, "upstream-unreachable")
            return
        if after:
            self._fault(proxy, call, after[0].fault, "-after")
        else:
            self._reply(proxy, call, "forwarded", status, headers, payload)

    def _fault(self, proxy: FaultProxy, call: Call, fault: str, suffix: str) -> None:
        if fault == "drop":
            self._drop(proxy, call, "dropped" + suffix)
        elif fault == "throttle":
            self._reply(proxy, call, "throttled" + suffix, *throttling(call))
        else:
            self._reply(proxy, call, "error-500" + suffix, *internal_error(call))

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        host, port = self.server.proxy.upstream
        connection = http.client.HTTPConnection(host, port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, kept, payload
        finally:
            connection.close()

    def _reply(self, proxy: FaultProxy, call: Call, outcome: str, status: int,
               headers: list[tuple[str, str]], payload: bytes) -> None:
        # Recorded before the client can see it: a test that reads the records once its
        # call returned finds them complete.
        proxy._settle(call, outcome, status)
        self._send(status, headers, payload)

    def _send(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _drop(self, proxy: FaultProxy, call: Call, outcome: str) -> None:
        # Reset the connection without an answer, as a failing load balancer would.
        proxy._settle(call, outcome)
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# -- recognising requests ---------------------------------------------------------------------

_CREDENTIAL = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")


def identify(method: str, path: str, headers: dict[str, str], body: bytes) -> Call:
    """Service, region, operation and access key of a signed AWS request."""
    lower = {k.lower(): v for k, v in headers.items()}
    match = _CREDENTIAL.search(lower.get("authorization", ""))
    access_key, region, signing = match.groups() if match else ("", "", "")
    service = _SERVICE_BY_SIGNING_NAME.get(signing, signing)
    action = _action(method, path, lower, body, service)
    return Call(0, service, region, action, _is_mutating(action), access_key, body,
                _protocol(lower), path)


def _protocol(headers: dict[str, str]) -> str:
    content_type = headers.get("content-type", "")
    if "x-amz-json" in content_type:
        return "json"
    if "cbor" in content_type or "smithy-protocol" in headers:
        return "cbor"
    if "x-www-form-urlencoded" in content_type:
        return "query"
    return "rest-json"


def _action(method: str, path: str, headers: dict[str, str], body: bytes, service: str) -> str:
    target = headers.get("x-amz-target")
    if target:  # JSON protocol: Service_Version.Operation
        return target.rsplit(".", 1)[-1]
    if "/operation/" in path:  # smithy-rpc-v2-cbor: /service/<Service>/operation/<Operation>
        return path.rsplit("/operation/", 1)[-1].split("?", 1)[0]
    if "x-www-form-urlencoded" in headers.get("content-type", ""):  # query protocol
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        if form.get("Action"):
            return form["Action"][0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    if query.get("Action"):
        return query["Action"][0]
    return _rest_operation(service, method, path)


def _is_mutating(action: str) -> bool:
    if " " in action:  # an unrecognised REST request: judge by its method
        return not action.startswith(("GET ", "HEAD "))
    return not action.startswith(_READ_PREFIXES)


_REST_ROUTES: dict[str, list[tuple[str, re.Pattern[str], str]]] = {}
_ROUTES_LOCK = threading.Lock()


def _rest_operation(service: str, method: str, path: str) -> str:
    """The operation of a REST request (Lambda), matched against botocore's own model."""
    with _ROUTES_LOCK:
        if service not in _REST_ROUTES:
            _REST_ROUTES[service] = _routes(service)
        routes = _REST_ROUTES[service]
    bare = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
    # The most specific route first: fewer placeholders, longer literal text.
    for route_method, pattern, name in routes:
        if route_method == method and pattern.fullmatch(bare):
            return name
    return f"{method} {bare}"


def _routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    import botocore.session

    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0]
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", uri):
            if part.startswith("{"):
                pattern += ".+" if part.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(part)
        literal = len(re.sub(r"\{[^}]+\}", "", uri))
        routes.append((http.get("method", "GET"), re.compile(pattern + "/?"), name, literal))
    routes.sort(key=lambda r: -r[3])
    return [(m, p, n) for m, p, n, _ in routes]


# -- answers in each protocol -----------------------------------------------------------------

_QUERY_SERVICES = {"iam", "sns", "sts"}
_QUERY_NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}


def throttling(call: Call) -> tuple[int, list[tuple[str, str]], bytes]:
    return _error(call, "Rate exceeded", query=(503, "Throttling"),
                  rest=(429, "TooManyRequestsException"), json=(400, "ThrottlingException"))


def internal_error(call: Call) -> tuple[int, list[tuple[str, str]], bytes]:
    return _error(call, "We encountered an internal error. Please try again.",
                  query=(500, "InternalFailure"), rest=(500, "ServiceException"),
                  json=(500, "InternalFailure"), sender="Receiver")


def access_denied(call: Call) -> tuple[int, list[tuple[str, str]], bytes]:
    """What AWS says when the caller lacks the permission for the call."""
    permission = f"{call.service}:{call.action}"
    message = (f"User: arn:aws:iam::123456789012:user/fault-proxy is not authorized to perform: "
               f"{permission} because no identity-based policy allows the {permission} action")
    return _error(call, message, query=(403, "AccessDenied"),
                  rest=(403, "AccessDeniedException"), json=(400, "AccessDeniedException"))


def _error(call: Call, message: str, query: tuple[int, str], rest: tuple[int, str],
           json: tuple[int, str], sender: str = "Sender") -> tuple[int, list[tuple[str, str]],
                                                                  bytes]:
    """The error in the protocol the request used. CloudWatch speaks JSON (or CBOR) with the
    codes of its former query protocol in the x-amzn-query-error header."""
    if call.protocol == "query":
        return _query_error(call, *query, message, kind=sender)
    if call.protocol == "rest-json":
        return _rest_json_error(*rest, message)
    status, code = json
    extra = [("x-amzn-query-error", f"{query[1]};{sender}")] if call.service == "cloudwatch" else []
    if call.protocol == "cbor":
        return _cbor_error(status, code, message, extra)
    return _json_error(status, code, message, extra)


def _request_id() -> str:
    return str(uuid.uuid4())


def _json_error(status: int, code: str, message: str,
                extra: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [("Content-Type", "application/x-amz-json-1.1"),
                    ("x-amzn-RequestId", _request_id()), *extra], body


def _rest_json_error(status: int, code: str,
                     message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps({"Type": "User", "message": message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                    ("x-amzn-RequestId", _request_id())], body


def _query_error(call: Call, status: int, code: str, message: str,
                 kind: str = "Sender") -> tuple[int, list[tuple[str, str]], bytes]:
    namespace = _QUERY_NAMESPACES.get(call.service, "")
    body = (f'<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{_request_id()}</RequestId>"
            "</ErrorResponse>").encode()
    return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", _request_id())], body


def _cbor_error(status: int, code: str, message: str,
                extra: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str]], bytes]:
    body = cbor_map({"__type": code, "message": message})
    return status, [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
                    ("x-amzn-RequestId", _request_id()), *extra], body


def cbor_map(values: dict[str, str]) -> bytes:
    """A CBOR map of text strings (all an error body needs)."""
    return _cbor_head(5, len(values)) + b"".join(
        _cbor_text(k) + _cbor_text(v) for k, v in values.items())


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    return _cbor_head(3, len(data)) + data


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    if length < 256:
        return bytes([major << 5 | 24, length])
    return bytes([major << 5 | 25]) + struct.pack(">H", length)


# -- helpers for tests ------------------------------------------------------------------------


def lose_first_answers(proxy: FaultProxy) -> None:
    """Every mutating call takes effect, and the first answer to it is lost: half of them
    (by a hash of the request) get a 500, the others a reset connection."""
    def half(parity: int) -> Callable[[Call], bool]:
        return lambda call: call.mutating and int(identity(call)[-1], 16) % 2 == parity

    proxy.server_error(1.0, match=half(0), after=True, once=True)
    proxy.drop(1.0, match=half(1), after=True, once=True)


def via(proxy: FaultProxy, **extra: str) -> dict[str, str]:
    """The environment that sends ecrrep's calls through the proxy."""
    return {"AWS_ENDPOINT_URL": proxy.url, **extra}
