"""The emulator the benchmark runs against: one moto server per region, each in its own
process (one server answering every region would cap the calls per second that ecrrep, with
calls in flight in every region at once, can get answered), and a measure of how many calls per
second they answer together."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
import urllib.request

_SERVER_CODE = """
import sys, threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # runs until the benchmark closes our stdin
server.stop()
"""


class Emulator:
    """A moto server in its own process, so that it has a core (and a GIL) to itself."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER_CODE], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not line.strip().isdigit():
            raise SystemExit("the moto server did not start")
        self.port = int(line)
        self.url = f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=60).read()

    def stop(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Emulators:
    """One `Emulator` per region; IAM and the other global services are signed for us-east-1
    and answered by its server (`LatencyProxy(upstreams=...)` routes by region)."""

    def __init__(self, regions: list[str]) -> None:
        self.by_region: dict[str, Emulator] = {}
        try:
            for region in dict.fromkeys(["us-east-1", *regions]):
                self.by_region[region] = Emulator()
        except BaseException:
            self.stop()
            raise
        self.url = self.by_region["us-east-1"].url

    def urls(self) -> dict[str, str]:
        return {region: e.url for region, e in self.by_region.items()}

    def reset(self) -> None:
        for emulator in self.by_region.values():
            emulator.reset()

    def stop(self) -> None:
        for emulator in self.by_region.values():
            emulator.stop()


def emulator_throughput(emulators: Emulators, threads: int, seconds: float) -> float:
    """Calls per second the emulators answer together for a cheap ECR read (DescribeRegistry),
    sent as raw HTTP from `threads` keep-alive connections to each, so that client cost hardly
    counts."""
    jobs = [(region, e.port) for region, e in emulators.by_region.items()
            for _ in range(threads)]
    done = [0] * len(jobs)
    stop_at = time.perf_counter() + seconds

    def worker(index: int) -> None:
        region, port = jobs[index]
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRegistry",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE0000/20250101/"
                             f"{region}/ecr/aws4_request, SignedHeaders=host, Signature=0",
            "X-Amz-Date": "20250101T000000Z",
        }
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            conn.request("POST", "/", body=b"{}", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"DescribeRegistry answered {response.status}")
            done[index] += 1
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / (time.perf_counter() - started)
