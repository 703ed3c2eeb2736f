"""Benchmark ecrrep against moto servers (one per region) behind a latency proxy; write RESULTS.md.

    python benchmarks/run.py        # N = 10 .. 5000 at 40 ms (+ 10, 100 with monitoring,
                                    # + 1000 at 100 ms); most of an hour
    python benchmarks/run.py --sizes 10,100 --full-sizes '' --far-sizes '' --out /tmp/r.md
    python benchmarks/run.py --sizes 1000 --latency-ms 100   # a laptop far from its regions

`--latency-ms` sets the latency of the main runs (default 40 ms, a machine near its regions);
`--far-sizes` re-runs those sizes' core spec at `--far-latency-ms` (default 100 ms: a laptop far
from the destination regions), where waiting, not ecrrep's own work, dominates.

For each size N it writes a spec with N repositories over 3 regions (source + 2 destinations,
shaped like the example spec) and runs the installed `ecrrep`, each phase in a fresh process:
`plan` on an empty account (and the same as `--json`, to tell drawing from reading), `apply`
(create), `plan` with nothing to change, `apply` with nothing to change, `destroy`. Every call
goes through a proxy (benchmarks/latency_proxy.py) that adds a fixed latency and counts calls
by action. Per phase it reports wall time, API calls (total and mutating), peak RSS and CPU
time of the ecrrep process, and the floor: the larger of calls x latency / (parallelism x
regions) (`--parallelism` is per region; IAM's global endpoint counts as one more region when
the phase calls it) and calls / the emulator's own throughput (measured in the same run), so
each result reads as a ratio to what is possible. The scaling runs ("core") turn monitoring,
notifications and cleanup off; `--full-sizes` runs the example's full shape too.

Needs only what `pip install -e .[dev]` installs (moto[server] is a dependency of ecrrep).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from emulator import Emulators, emulator_throughput
from latency_proxy import LatencyProxy, is_mutating
from report import STARTUP_RUNS, PhaseResult, add_floors, machine, render, targets

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

# Services with one global endpoint: their calls have a parallelism bound of their own.
GLOBAL_SERVICES = frozenset({"iam"})


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


def spec_text(spec: dict[str, Any]) -> str:
    """The spec as YAML, one line per repository: 5,000 repositories in block style would
    pass the 1 MiB a spec file may have."""
    head = {k: v for k, v in spec.items() if k != "repositories"}
    lines = [yaml.safe_dump(head, sort_keys=False), "repositories:\n"]
    lines += [f"- {yaml.safe_dump(r, sort_keys=False, default_flow_style=True, width=10**6)}"
              for r in spec["repositories"]]
    return "".join(lines)


def run_size(size: int, full: bool, emulator: Emulators, proxy: LatencyProxy, parallelism: int,
             workdir: Path, label: str = "") -> list[PhaseResult]:
    emulator.reset()
    spec = benchmark_spec(size, full)
    variant = ("full example" if full else "core") + label
    spec_path = workdir / f"spec-{size}-{variant.replace(' ', '-').replace(',', '')}.yaml"
    spec_path.write_text(spec_text(spec))
    env = ecrrep_env(proxy.url)
    results = []
    for index, phase in enumerate(PHASES):
        proxy.reset_counts()
        # As a user runs it: no -v, which would list every resource of a folded plan (the
        # calls are counted at the proxy, not taken from ecrrep's own -v count).
        cmd = [*ecrrep_command(), "--parallelism", str(parallelism), "-c", str(spec_path),
               *phase.args]
        log = spec_path.with_name(f"{spec_path.stem}-{index}")
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
                             reported_mutating, note, latency_ms=proxy.latency_s * 1000,
                             lanes=region_count(spec) + bool(GLOBAL_SERVICES & by_service.keys()))
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


# -- main ----------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    sizes = [int(s) for s in text.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 10,100")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark ecrrep against moto servers behind a latency proxy.")
    parser.add_argument("--sizes", type=parse_sizes, default=[10, 100, 1000, 5000],
                        help="repository counts, comma-separated (default 10,100,1000,5000)")
    parser.add_argument("--full-sizes", type=lambda s: parse_sizes(s) if s else [],
                        default=[10, 100],
                        help="sizes also run with the example's monitoring, notifications and "
                        "cleanup on (default 10,100; '' for none)")
    parser.add_argument("--latency-ms", type=float, default=40.0,
                        help="latency added to every call (default 40)")
    parser.add_argument("--far-sizes", type=lambda s: parse_sizes(s) if s else [],
                        default=[1000],
                        help="sizes whose core spec runs again at --far-latency-ms (default "
                        "1000; '' for none)")
    parser.add_argument("--far-latency-ms", type=float, default=100.0,
                        help="the latency of a laptop far from its regions (default 100)")
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
    example = example_shape()
    emulator = Emulators([example["source_region"], *example["destination_regions"]])
    proxy = LatencyProxy(emulator.url, settings["latency_s"], upstreams=emulator.urls()).start()
    results: list[PhaseResult] = []
    try:
        print(f"moto servers {emulator.urls()}, proxy {proxy.url} (+{args.latency_ms:g} ms)",
              flush=True)
        throughput = {"start": emulator_throughput(emulator, args.parallelism,
                                                   THROUGHPUT_SECONDS)}
        print(f"emulator throughput: {throughput['start']:.0f} calls/s", flush=True)
        startup = {"help": startup_seconds(["--help"]),
                   "version": startup_seconds(["--version"])}
        print(f"start-up: --help {startup['help']:.3f} s, --version {startup['version']:.3f} s",
              flush=True)
        main_s, far_s = settings["latency_s"], args.far_latency_ms / 1000
        runs = ([(n, False, main_s) for n in args.sizes]
                + [(n, True, main_s) for n in args.full_sizes]
                + [(n, False, far_s) for n in args.far_sizes])
        for size, full, latency_s in runs:
            proxy.latency_s = latency_s
            label = "" if latency_s == main_s else f", {latency_s * 1000:g} ms"
            size_results = run_size(size, full, emulator, proxy, args.parallelism, workdir,
                                    label)
            add_floors(size_results, args.parallelism, throughput["start"])
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
