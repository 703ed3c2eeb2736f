"""An HTTP proxy on 127.0.0.1 that delays every AWS call by a fixed latency and counts calls.

It sits between ecrrep (pointed at it with AWS_ENDPOINT_URL) and a moto server, to model a
remote AWS region: real AWS answers in tens of milliseconds, the emulator in a few. Every
request is counted by service and action as it passes, so call counts do not depend on what
ecrrep says about itself (retried attempts count once each, as AWS would bill them).

With `upstreams` (a region → URL map) each request goes to its own region's emulator, chosen
by the region of its signature's credential scope (IAM and other global services sign for
us-east-1): one moto server per region, so that one emulator process is not the bottleneck
when ecrrep has calls in flight in every region at once.

Standard library only; `python benchmarks/latency_proxy.py UPSTREAM_URL [--latency-ms 40]`
runs it on its own and prints its URL.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The same split as ecrrep's own counter (ecrrep.aws.context.is_mutating), repeated here so that the
# proxy stays independent of the code it measures.
MUTATING_PREFIXES = (
    "Create", "Put", "Delete", "Update", "Tag", "Untag", "Set", "Attach", "Detach",
    "Add", "Remove", "Subscribe", "Unsubscribe", "BatchDelete", "Publish",
    "Start", "Stop", "Enable", "Disable", "Invoke", "Replace",
)
# Services whose signature names them otherwise than boto3 does.
SIGNING_NAMES = {"monitoring": "cloudwatch"}
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate", "content-length"}
_SCOPE = re.compile(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/aws4_request")
_RPC_V2_OPERATION = re.compile(r"/service/[^/]+/operation/([A-Za-z0-9]+)")


def is_mutating(service: str, action: str) -> bool:
    if action.startswith(("GET ", "HEAD ")):
        return False
    if " " in action:  # a REST call named by method and path: anything but GET/HEAD writes
        return True
    return action.startswith(MUTATING_PREFIXES)


def classify(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(service, action) of one AWS request, from its signature scope and protocol."""
    scope = _SCOPE.search(headers.get("authorization", ""))
    service = scope.group(2) if scope else "unknown"
    service = SIGNING_NAMES.get(service, service)
    target = headers.get("x-amz-target")
    if target:  # JSON protocol: "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"
        return service, target.rsplit(".", 1)[-1]
    operation = _RPC_V2_OPERATION.search(path)
    if operation:  # smithy RPC v2 (CloudWatch in recent botocore)
        return service, operation.group(1)
    query = urllib.parse.urlsplit(path).query
    for source in (query, body.decode("utf-8", "replace") if body else ""):
        action = urllib.parse.parse_qs(source).get("Action")
        if action:  # query protocol (IAM, STS, SNS)
            return service, action[0]
    # REST protocols (Lambda, EventBridge Scheduler...): method and the path's first segments.
    segments = urllib.parse.urlsplit(path).path.strip("/").split("/")
    return service, f"{method} /{'/'.join(segments[:2])}"


class LatencyProxy:
    """A threaded forwarding proxy: `url` to give clients, `counts()` by (service, action)."""

    def __init__(self, upstream: str, latency_s: float, host: str = "127.0.0.1", port: int = 0,
                 upstreams: dict[str, str] | None = None):
        self.upstream = _host_port(upstream)
        self.upstreams = {region: _host_port(url) for region, url in (upstreams or {}).items()}
        self.latency_s = latency_s
        self._counts: Counter = Counter()
        self._upstream_s = 0.0
        self._upstream_n = 0
        self._lock = threading.Lock()
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

            def setup(self) -> None:
                super().setup()
                # Answers go out as headers then body: without this, Nagle's algorithm and
                # the client's delayed ACK add ~40 ms to every call.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if not self.path.startswith("/moto-api"):
                    proxy._count(classify(self.command, self.path, headers, body))
                    time.sleep(proxy.latency_s)
                started = time.perf_counter()
                status, reason, answer_headers, answer = proxy._send_upstream(
                    proxy._upstream_for(headers), self.command, self.path,
                    self.headers.items(), body)
                proxy._time_upstream(time.perf_counter() - started)
                self.send_response(status, reason)
                for key, value in answer_headers:
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LatencyProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _count(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._counts[key] += 1

    def _time_upstream(self, seconds: float) -> None:
        with self._lock:
            self._upstream_s += seconds
            self._upstream_n += 1

    def upstream_mean_s(self) -> float:
        """Mean time the emulator took to answer, since the last reset (latency excluded)."""
        with self._lock:
            return self._upstream_s / self._upstream_n if self._upstream_n else 0.0

    def counts(self) -> Counter:
        with self._lock:
            return Counter(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts.clear()
            self._upstream_s = 0.0
            self._upstream_n = 0

    def _upstream_for(self, headers: dict[str, str]) -> tuple[str, int]:
        """The emulator of the request's region (the only one, without `upstreams`)."""
        scope = _SCOPE.search(headers.get("authorization", ""))
        if scope and scope.group(1) in self.upstreams:
            return self.upstreams[scope.group(1)]
        return self.upstream

    def _send_upstream(self, upstream: tuple[str, int], method: str, path: str, headers: object,
                       body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """One request to the emulator on this thread's keep-alive connection to it (reopened
        once if the emulator closed it)."""
        if not hasattr(self._local, "conns"):
            self._local.conns = {}
        for attempt in range(2):
            conn = self._local.conns.get(upstream)
            if conn is None:
                conn = http.client.HTTPConnection(*upstream, timeout=120)
                conn.connect()
                conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._local.conns[upstream] = conn
            try:
                conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
                for key, value in headers:  # type: ignore[attr-defined]
                    if key.lower() not in _HOP_BY_HOP:
                        conn.putheader(key, value)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                response = conn.getresponse()
                answer = response.read()
                return response.status, response.reason, response.getheaders(), answer
            except (http.client.HTTPException, ConnectionError, OSError):
                conn.close()
                self._local.conns.pop(upstream, None)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def _host_port(url: str) -> tuple[str, int]:
    split = urllib.parse.urlsplit(url)
    return split.hostname or "127.0.0.1", split.port or 80


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", help="the emulator's URL, e.g. http://127.0.0.1:5000")
    parser.add_argument("--latency-ms", type=float, default=40.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    proxy = LatencyProxy(args.upstream, args.latency_ms / 1000, port=args.port).start()
    print(f"export AWS_ENDPOINT_URL={proxy.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        totals = proxy.counts()
        for (service, action), n in sorted(totals.items()):
            print(f"{n:8d}  {service} {action}")
        proxy.stop()


if __name__ == "__main__":
    main()
