"""Benchmark ecrrep against a moto server behind a latency proxy, and write RESULTS.md.

    python benchmarks/run.py        # N = 10, 100, 1000 (+ 10, 100 with monitoring); ~8 min
    python benchmarks/run.py --sizes 10,100 --full-sizes '' --latency-ms 40 --parallelism 10 \
        --out /tmp/results.md

For each size N it writes a spec with N repositories over 3 regions (source + 2 destinations,
shaped like the example spec) and runs the installed `ecrrep`, each phase in a fresh process:
`plan` on an empty account (and the same as `--json`, to tell drawing from reading), `apply`
(create), `plan` with nothing to change, `apply` with nothing to change, `destroy`. Every call
goes through a proxy (benchmarks/latency_proxy.py) that adds a fixed latency and counts calls
by action. Per phase it reports wall time, API calls (total and mutating), peak RSS and CPU
time of the ecrrep process, and the floor: the larger of calls x latency / parallelism and
calls / the emulator's own throughput (measured in the same run), so each result reads as a
ratio to what is possible. The scaling runs ("core") turn monitoring, notifications and cleanup
off; `--full-sizes` runs the example's full shape too.

Needs only what `pip install -e .[dev]` installs (moto[server] is a dependency of ecrrep).
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from latency_proxy import LatencyProxy, is_mutating

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SPEC = ROOT / "ecrrep" / "examples" / "config.example.yaml"
DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0000",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-never-printed",
    "AWS_DEFAULT_REGION": "us-east-1",
}
PHASE_TIMEOUT_S = 3600
THROUGHPUT_SECONDS = 3.0
STARTUP_RUNS = 7

# Targets from the performance issue.
TARGET_CALLS_PER_REPO_REGION = 3.5
TARGET_RATIO = 1.5
TARGET_RSS_MB = 250
TARGET_STARTUP_S = 0.3


@dataclass(frozen=True)
class Phase:
    name: str
    args: tuple[str, ...]
    expected_exit: int
    expect_no_changes: bool = False


PHASES = (
    Phase("plan (empty account)", ("plan", "--detailed-exitcode"), 2),
    # The same plan as JSON: the difference is the time spent drawing the plan's tables.
    Phase("plan --json (empty)", ("plan", "--json", "--detailed-exitcode"), 2),
    Phase("apply (create)", ("apply", "--auto-approve"), 0),
    Phase("plan (no changes)", ("plan", "--detailed-exitcode"), 0),
    Phase("apply (no changes)", ("apply", "--auto-approve"), 0, expect_no_changes=True),
    Phase("destroy", ("destroy", "--auto-approve"), 0),
)


@dataclass
class PhaseResult:
    size: int
    variant: str
    phase: str
    wall_s: float
    calls: int
    mutating: int
    by_service: dict[str, int]
    rss_mb: float
    cpu_s: float
    emulator_ms: float
    exit_code: int
    ok: bool
    ecrrep_calls: int | None
    ecrrep_mutating: int | None
    note: str = ""
    summary: str = ""
    floors: dict[str, float] = field(default_factory=dict)

    @property
    def floor_s(self) -> float:
        return max(self.floors.values()) if self.floors else 0.0

    @property
    def ratio(self) -> float:
        return self.wall_s / self.floor_s if self.floor_s else float("nan")


# -- the emulator --------------------------------------------------------------------------


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


def emulator_throughput(emulator: Emulator, threads: int, seconds: float) -> float:
    """Calls per second the emulator answers for a cheap ECR read (DescribeRegistry), sent as
    raw HTTP from `threads` keep-alive connections, so that client cost hardly counts."""
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRegistry",
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFAKEFAKEFAKE0000/20250101/"
                         "us-east-1/ecr/aws4_request, SignedHeaders=host, Signature=0",
        "X-Amz-Date": "20250101T000000Z",
    }
    done = [0] * threads
    stop_at = time.perf_counter() + seconds

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=30)
        while time.perf_counter() < stop_at:
            conn.request("POST", "/", body=b"{}", headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"DescribeRegistry answered {response.status}")
            done[index] += 1
        conn.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(done) / (time.perf_counter() - started)


# -- specs ---------------------------------------------------------------------------------


def example_shape() -> dict[str, Any]:
    if EXAMPLE_SPEC.exists():
        return yaml.safe_load(EXAMPLE_SPEC.read_text())
    # The example's shape, for a tree where it is missing.
    return {
        "version": 1, "project": "container-registry-replication",
        "environment": "production", "source_region": "us-east-1",
        "destination_regions": ["us-west-2", "eu-west-1"],
        "repository_prefix": "my-company-apps",
        "tags": {"Team": "DevOps", "CostCenter": "Engineering"},
        "repositories": [
            {"name": "production", "tag_mutability": "IMMUTABLE", "access": "restricted",
             "lifecycle": [{"select": "tagged", "tag_prefixes": ["prod"], "keep_last": 15},
                           {"select": "untagged", "expire_after_days": 2}]},
            {"name": "testing", "tag_mutability": "MUTABLE", "access": "open",
             "lifecycle": [{"select": "tagged", "tag_prefixes": ["test"], "keep_last": 8},
                           {"select": "any", "expire_after_days": 7}]},
        ],
        "iam": {"create_roles": True},
        "monitoring": {"enabled": False}, "notifications": {"enabled": False},
        "cleanup": {"enabled": False},
    }


def benchmark_spec(size: int, full: bool) -> dict[str, Any]:
    """The example spec with `size` repositories, taking the example's repositories in turn.

    Unless `full`, monitoring, notifications and cleanup are off: the scaling runs measure
    the per-repository work (repositories, policies, replication, roles)."""
    spec = example_shape()
    templates = spec["repositories"]
    spec["repositories"] = []
    for i in range(size):
        repo = copy.deepcopy(templates[i % len(templates)])
        repo["name"] = f"{repo['name']}-{i:04d}"
        spec["repositories"].append(repo)
    cleanup = spec.setdefault("cleanup", {})
    cleanup["retention_days"] = {}
    if not full:
        spec["monitoring"] = {"enabled": False}
        spec["notifications"] = {"enabled": False}
        cleanup["enabled"] = False
    return spec


def region_count(spec: dict[str, Any]) -> int:
    return 1 + len(spec["destination_regions"])


# -- running ecrrep ------------------------------------------------------------------------


def ecrrep_command() -> list[str]:
    found = shutil.which("ecrrep")
    return [found] if found else [sys.executable, "-m", "ecrrep"]


def ecrrep_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ECRREP_"))}
    env.update(FAKE_CREDENTIALS)
    env.update({"AWS_ENDPOINT_URL": endpoint, "NO_COLOR": "1", "COLUMNS": "160"})
    return env


# Runs one command and reports its own resource usage. It is a small process of its own
# because Linux starts a child's peak RSS at its parent's RSS at fork time: forked straight
# from the benchmark (which holds the proxy and every phase's output), ecrrep would inherit
# the benchmark's peak instead of showing its own.
_LAUNCHER_CODE = """
import json, os, subprocess, sys, time
job = json.loads(sys.argv[1])
with open(job["stdout"], "w") as out, open(job["stderr"], "w") as err:
    started = time.perf_counter()
    child = subprocess.Popen(job["cmd"], stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "wall": wall,
                  "rss_kb": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}))
"""


def run_measured(cmd: list[str], env: dict[str, str], cwd: Path,
                 log_prefix: Path) -> tuple[int, float, float, float, str, str]:
    """Run cmd in a fresh process: exit code, wall seconds, peak RSS in MB, CPU seconds,
    stdout, stderr. The figures are the ecrrep process's own (os.wait4 in the launcher)."""
    out_path, err_path = log_prefix.with_suffix(".out"), log_prefix.with_suffix(".err")
    job = {"cmd": cmd, "stdout": str(out_path), "stderr": str(err_path)}
    launcher = subprocess.Popen([sys.executable, "-c", _LAUNCHER_CODE, json.dumps(job)],
                                env=env, cwd=cwd, stdout=subprocess.PIPE, text=True,
                                start_new_session=True)
    try:
        answer, _ = launcher.communicate(timeout=PHASE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(launcher.pid, signal.SIGKILL)  # the launcher's own group: it and ecrrep
        launcher.communicate()
        raise SystemExit(f"{' '.join(cmd)} ran longer than {PHASE_TIMEOUT_S} s") from None
    result = json.loads(answer)
    return (result["exit"], result["wall"], result["rss_kb"] / 1024, result["cpu"],
            out_path.read_text(errors="replace"), err_path.read_text(errors="replace"))


_STATS_LINE = re.compile(r"API calls: (\d+) \((\d+) mutating")


def ecrrep_reported(stderr: str) -> tuple[int | None, int | None]:
    """ecrrep's own -v count (summed over the lines it printed: plan, then apply)."""
    found = _STATS_LINE.findall(stderr)
    if not found:
        return None, None
    return sum(int(a) for a, _ in found), sum(int(b) for _, b in found)


def run_size(size: int, full: bool, emulator: Emulator, proxy: LatencyProxy, parallelism: int,
             workdir: Path) -> list[PhaseResult]:
    emulator.reset()
    spec = benchmark_spec(size, full)
    variant = "full example" if full else "core"
    spec_path = workdir / f"spec-{size}-{variant.replace(' ', '-')}.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    env = ecrrep_env(proxy.url)
    results = []
    for index, phase in enumerate(PHASES):
        proxy.reset_counts()
        cmd = [*ecrrep_command(), "-v", "--parallelism", str(parallelism), "-c", str(spec_path),
               *phase.args]
        log = workdir / f"{size}-{variant.replace(' ', '-')}-{index}"
        code, wall, rss, cpu, stdout, stderr = run_measured(cmd, env, workdir, log)
        counts = proxy.counts()
        log.with_suffix(".calls").write_text("".join(
            f"{n:7d} {service} {action}\n" for (service, action), n in counts.most_common()))
        by_service: dict[str, int] = {}
        for (service, _), n in counts.items():
            by_service[service] = by_service.get(service, 0) + n
        mutating = sum(n for (service, action), n in counts.items()
                       if is_mutating(service, action))
        ok = code == phase.expected_exit
        note = ""
        if not ok:
            last = (stderr.strip().splitlines() or ["(no output)"])[-1]
            note = f"exit {code}, expected {phase.expected_exit}: {last[:200]}"
        elif phase.expect_no_changes and "No changes" not in stdout:
            ok, note = False, "expected `No changes`"
        reported_calls, reported_mutating = ecrrep_reported(stderr)
        result = PhaseResult(size, variant, phase.name, wall, sum(counts.values()), mutating,
                             dict(sorted(by_service.items())), rss, cpu,
                             proxy.upstream_mean_s() * 1000, code, ok, reported_calls,
                             reported_mutating, note)
        result.summary = next((line.strip().rstrip(".") for line in reversed(
            stdout.splitlines()) if line.startswith("Plan: ")), "")
        results.append(result)
        print(f"  N={size:<5} {variant:<12} {phase.name:<22} {wall:7.2f} s  "
              f"{result.calls:6d} calls ({mutating} mutating)  {rss:6.1f} MB"
              f"{'' if ok else '  FAILED: ' + note}", flush=True)
    return results


def startup_seconds(args: list[str]) -> float:
    """Median wall time of `ecrrep ARGS` over a few runs (the first one warms the disk cache)."""
    times = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECRREP_")}
    for _ in range(STARTUP_RUNS):
        started = time.perf_counter()
        subprocess.run([*ecrrep_command(), *args], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


# -- report --------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    load = os.getloadavg()
    return {
        "Load average at the start": f"{load[0]:.2f} (1 min), {load[1]:.2f} (5 min)",
        "CPUs": str(os.cpu_count()),
        "CPU model": cpu_model(),
        "Python": platform.python_version(),
        "OS": f"{platform.system()} {platform.release()}",
        "ecrrep": package_version("ecrrep"),
        "boto3": package_version("boto3"),
        "moto": package_version("moto"),
    }


def add_floors(results: list[PhaseResult], latency_s: float, parallelism: int,
               throughput: float) -> None:
    for r in results:
        r.floors = {"latency": r.calls * latency_s / parallelism,
                    "emulator": r.calls / throughput}


def noop_slope(results: list[PhaseResult], regions: int,
               variant: str = "core") -> tuple[float, float, dict[str, float]] | None:
    """(calls per repository per region, constant calls per region, the slope by service) of
    the no-op plan, fitted through the two largest sizes of the variant."""
    noop = sorted((r for r in results if r.variant == variant and r.phase == "plan (no changes)"
                   and r.ok), key=lambda r: r.size)
    if len(noop) < 2:
        return None
    a, b = noop[-2], noop[-1]
    per = (b.size - a.size) * regions
    slope = (b.calls - a.calls) / per
    constant = (a.calls - slope * a.size * regions) / regions
    by_service = {s: (b.by_service.get(s, 0) - a.by_service.get(s, 0)) / per
                  for s in sorted(set(a.by_service) | set(b.by_service))}
    return slope, constant, {s: v for s, v in by_service.items() if v}


def render(results: list[PhaseResult], settings: dict[str, Any], throughput: dict[str, float],
           startup: dict[str, float], command: str) -> str:
    lines = [
        "# ecrrep benchmark results",
        "",
        f"Generated by `{command}` on {settings['date']} (do not edit by hand; run it again).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in settings["machine"].items()],
        "",
        "## Set-up",
        "",
        f"- A moto server in its own process, behind a proxy on 127.0.0.1 that adds "
        f"{settings['latency_ms']:g} ms to every call and counts calls by action "
        "(benchmarks/latency_proxy.py); ecrrep reaches it through `AWS_ENDPOINT_URL`.",
        f"- `--parallelism {settings['parallelism']}`; {settings['regions']} regions "
        "(source + 2 destinations); every phase is a fresh `ecrrep` process.",
        "- Spec: the example spec's shape with N repositories (the example's two repositories "
        "taken in turn, renamed). The **core** rows turn monitoring, notifications and "
        "cleanup off, so that they measure the per-repository work: repositories, lifecycle "
        "and repository policies in every region, the replication rule, IAM roles. "
        "**full example** rows keep those parts as the example spec has them.",
        "- Calls are counted at the proxy (every attempt, retries included); mutating = "
        "Create/Put/Delete/Update/Tag/... actions. Peak RSS and CPU time (user + system) are "
        "the ecrrep process's own (`os.wait4`). Emulator ms/call is the mean time the moto "
        "server took to answer, measured at the proxy (latency excluded).",
        "- Floor = max(calls x latency / parallelism, calls / emulator throughput); "
        "ratio = wall / floor. Wall time includes the process start-up (Python, botocore, "
        "pydantic imports).",
        "",
        "## Emulator and start-up",
        "",
        f"- Emulator throughput (DescribeRegistry, raw HTTP, {settings['parallelism']} "
        f"connections): {throughput['start']:.0f} calls/s at the start of the run, "
        f"{throughput['end']:.0f} calls/s at the end. Floors use the first figure.",
        f"- At {settings['latency_ms']:g} ms and parallelism {settings['parallelism']} the "
        f"latency alone allows {settings['parallelism'] / settings['latency_s']:.0f} calls/s: "
        + ("**the emulator is the bottleneck**, so the floor is the emulator's."
           if throughput["start"] < settings["parallelism"] / settings["latency_s"]
           else "latency, not the emulator, sets the floor."),
        f"- `ecrrep --help`: {startup['help']:.3f} s; `ecrrep --version`: "
        f"{startup['version']:.3f} s (median of {STARTUP_RUNS - 1} runs; target < "
        f"{TARGET_STARTUP_S} s).",
        "",
        "## Results",
        "",
        "| N | spec | phase | wall s | API calls | mutating | calls/repo/region | "
        "peak RSS MB | ecrrep CPU s | emulator ms/call | latency floor s | emulator floor s "
        "| ratio | status |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        per = r.calls / (r.size * settings["regions"])
        status = "ok" if r.ok else f"FAILED ({r.note})"
        if r.ok and r.ecrrep_calls is not None and r.ecrrep_calls != r.calls:
            status += f" (ecrrep -v said {r.ecrrep_calls})"
        lines.append(
            f"| {r.size} | {r.variant} | {r.phase} | {r.wall_s:.2f} | {r.calls} | {r.mutating} "
            f"| {per:.2f} | {r.rss_mb:.0f} | {r.cpu_s:.2f} | {r.emulator_ms:.1f} "
            f"| {r.floors['latency']:.2f} | "
            f"{r.floors['emulator']:.2f} | {r.ratio:.2f} | {status} |"
        )
    lines += ["", "Calls by service:", ""]
    for r in results:
        services = ", ".join(f"{s} {n}" for s, n in r.by_service.items()) or "none"
        lines.append(f"- N={r.size} {r.variant}, {r.phase}: {services}")
    lines += ["", "## Reading the results", ""]
    lines += observations(results, settings)
    lines += ["", "## Targets", ""]
    lines += targets(results, settings, startup)
    return "\n".join(lines) + "\n"


def observations(results: list[PhaseResult], settings: dict[str, Any]) -> list[str]:
    """What the figures say, computed from them: fixed costs, drawing, time per call."""
    out = []
    cpus = os.cpu_count() or 1
    loads = [float(v.split()[0]) for k, v in settings["machine"].items()
             if k.startswith("Load average")]
    if any(load > cpus for load in loads):
        out.append(f"- The machine was busy with other work during the run (load average above "
                   f"its {cpus} CPUs; see Machine): the emulator, the proxy and ecrrep shared "
                   "the CPUs with it, so the times here are pessimistic.")
    out.append("- A phase with few calls (a plan of an empty account) has a floor of a few "
               "hundredths of a second: its time is the process start-up, the spec and the "
               "output (and, in the first phase, the emulator setting up its backends after a "
               "reset), so its ratio says nothing about the reads.")
    by = {(r.size, r.variant, r.phase): r for r in results}
    for (size, variant, phase), r in by.items():
        if phase != "plan (no changes)" or not r.ok:
            continue
        drawn = by.get((size, variant, "plan (empty account)"))
        as_json = by.get((size, variant, "plan --json (empty)"))
        parts = [f"N={size} {variant}"]
        if drawn and as_json:
            parts.append(f"drawing the empty account's plan ({drawn.summary or 'its changes'}) "
                         f"takes {max(0.0, drawn.wall_s - as_json.wall_s):.2f} s (plan minus "
                         "plan --json)")
            fixed = as_json.wall_s
            reading = max(0.0, r.wall_s - fixed)
            parts.append(f"a run's fixed cost (start-up, spec, a few calls: plan --json of the "
                         f"empty account) is {fixed:.2f} s; without it the no-op plan's "
                         f"{r.calls} calls take {reading:.2f} s, "
                         f"{reading / r.floor_s:.2f}x the floor")
            per_call = reading * settings["parallelism"] / r.calls * 1000 if r.calls else 0
            parts.append(f"so a call holds a worker {per_call:.0f} ms on average, for "
                         f"{settings['latency_ms']:g} ms of latency + {r.emulator_ms:.1f} ms "
                         "in the emulator (the rest: ecrrep's and the proxy's own work, and "
                         "waiting for a CPU)")
        out.append("- " + "; ".join(parts) + ".")
    return out


def targets(results: list[PhaseResult], settings: dict[str, Any],
            startup: dict[str, float]) -> list[str]:
    out = []

    def verdict(passed: bool) -> str:
        return "met" if passed else "**missed**"

    for variant in ("core", "full example"):
        fit = noop_slope(results, settings["regions"], variant)
        if fit:
            slope, constant, by_service = fit
            services = ", ".join(f"{s} {v:.2f}" for s, v in by_service.items())
            out.append(f"- No-op plan calls, {variant} spec: {slope:.2f} per repository per "
                       f"region ({services}) + {constant:.1f} per region (target ≤ "
                       f"{TARGET_CALLS_PER_REPO_REGION} per repository per region): "
                       f"{verdict(slope <= TARGET_CALLS_PER_REPO_REGION)}.")
    for r in results:
        if r.variant == "core" and r.phase == "plan (no changes)" and r.size in (100, 1000):
            text = (f"- No-op plan at N={r.size}: {r.wall_s:.2f} s, {r.ratio:.2f}x the floor "
                    f"of {r.floor_s:.2f} s (target ≤ {TARGET_RATIO}x)")
            passed = r.ok and r.ratio <= TARGET_RATIO
            if r.size == 1000:
                text += f", peak RSS {r.rss_mb:.0f} MB (target < {TARGET_RSS_MB} MB)"
                passed = passed and r.rss_mb < TARGET_RSS_MB
            out.append(f"{text}: {verdict(passed)}.")
    noop_applies = [r for r in results if r.phase == "apply (no changes)"]
    if noop_applies:
        worst = max(r.mutating for r in noop_applies)
        out.append(f"- No-op apply mutating calls: at most {worst} "
                   f"(target 0): {verdict(worst == 0)}.")
    out.append(f"- `ecrrep --help` {startup['help']:.3f} s (target < {TARGET_STARTUP_S} s): "
               f"{verdict(startup['help'] < TARGET_STARTUP_S)}.")
    failed = [r for r in results if not r.ok]
    if failed:
        out.append(f"- {len(failed)} phase(s) did not end as expected; see the status column.")
    return out


# -- main ----------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = [int(s) for s in text.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 10,100")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark ecrrep against a moto server behind a latency proxy.")
    parser.add_argument("--sizes", type=parse_sizes, default=[10, 100, 1000],
                        help="repository counts, comma-separated (default 10,100,1000)")
    parser.add_argument("--full-sizes", type=lambda s: parse_sizes(s) if s else [],
                        default=[10, 100],
                        help="sizes also run with the example's monitoring, notifications and "
                        "cleanup on (default 10,100; '' for none)")
    parser.add_argument("--latency-ms", type=float, default=40.0,
                        help="latency added to every call (default 40)")
    parser.add_argument("--parallelism", type=int, default=10,
                        help="ecrrep --parallelism (default 10)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="where to write the results (default benchmarks/RESULTS.md)")
    parser.add_argument("--keep-logs", action="store_true",
                        help="keep each phase's output and calls by action, and print where")
    args = parser.parse_args(argv)

    command = " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])])
    settings: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "latency_ms": args.latency_ms,
        "latency_s": args.latency_ms / 1000,
        "parallelism": args.parallelism,
        "regions": region_count(example_shape()),
    }
    workdir = Path(tempfile.mkdtemp(prefix="ecrrep-bench-"))
    emulator = Emulator()
    proxy = LatencyProxy(emulator.url, settings["latency_s"]).start()
    results: list[PhaseResult] = []
    try:
        print(f"moto server {emulator.url}, proxy {proxy.url} (+{args.latency_ms:g} ms)",
              flush=True)
        throughput = {"start": emulator_throughput(emulator, args.parallelism,
                                                   THROUGHPUT_SECONDS)}
        print(f"emulator throughput: {throughput['start']:.0f} calls/s", flush=True)
        startup = {"help": startup_seconds(["--help"]),
                   "version": startup_seconds(["--version"])}
        print(f"start-up: --help {startup['help']:.3f} s, --version {startup['version']:.3f} s",
              flush=True)
        runs = [(n, False) for n in args.sizes] + [(n, True) for n in args.full_sizes]
        for size, full in runs:
            size_results = run_size(size, full, emulator, proxy, args.parallelism, workdir)
            add_floors(size_results, settings["latency_s"], args.parallelism,
                       throughput["start"])
            for r in size_results:
                print(f"    {r.phase:<22} floor {r.floor_s:6.2f} s (latency "
                      f"{r.floors['latency']:.2f}, emulator {r.floors['emulator']:.2f})  "
                      f"ratio {r.ratio:.2f}", flush=True)
            results.extend(size_results)
        emulator.reset()
        throughput["end"] = emulator_throughput(emulator, args.parallelism, THROUGHPUT_SECONDS)
        load = os.getloadavg()
        settings["machine"]["Load average at the end"] = (
            f"{load[0]:.2f} (1 min), {load[1]:.2f} (5 min)")
        settings["machine"] = dict(sorted(settings["machine"].items(),
                                          key=lambda kv: not kv[0].startswith("Load")))
    finally:
        proxy.stop()
        emulator.stop()
        if args.keep_logs:
            print(f"logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report = render(results, settings, throughput, startup, command)
    args.out.write_text(report)
    print(f"\nwrote {args.out}")
    print("\n".join(targets(results, settings, startup)))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
