"""CPU of a whole `grade` process tree against `python -c "import tensorflow"`, paired and interleaved.

    python benchmarks/bench_cpu.py                              # exercise-10 --solutions, 7 rounds
    python benchmarks/bench_cpu.py --before /tmp/before --repeat 9
    python benchmarks/bench_cpu.py --command "exercise-02 --solutions"

The CPU a command costs is everything its processes used, grandchildren included. ``getrusage(
RUSAGE_CHILDREN)`` misses those a fork server forks (they are reaped by the kernel, not waited for),
so as root each run gets a cpuacct cgroup of its own (cgroup v1 or v2) and its usage is read once every
process in it has ended; otherwise RUSAGE_CHILDREN is used and the table says so. Each round runs the
TensorFlow import, then the command (from ``--before``, then from this checkout), each a fresh process;
prints medians (wall, CPU, CPU / import) as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
V1 = Path("/sys/fs/cgroup/cpuacct")
V2 = Path("/sys/fs/cgroup")


def _cgroup() -> Path | None:
    if os.geteuid() != 0:
        return None
    name = f"kerasdrill-bench-{uuid.uuid4().hex[:8]}"
    for parent in (V1, V2):
        if (parent / "cgroup.procs").exists() and (
            (parent / "cpuacct.usage").exists() or (parent / "cpu.stat").exists()
        ):
            path = parent / name
            try:
                path.mkdir()
                return path
            except OSError:
                continue
    return None


def _usage_s(group: Path) -> float:
    if (group / "cpuacct.usage").exists():
        return int((group / "cpuacct.usage").read_text()) / 1e9
    for line in (group / "cpu.stat").read_text().splitlines():
        if line.startswith("usage_usec"):
            return int(line.split()[1]) / 1e6
    return float("nan")


def measure(command: list[str], cwd: Path) -> tuple[float, float, bool]:
    """(wall s, CPU s of every process the command started, whether the CPU is the cgroup's)."""
    group = _cgroup()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()

    def enter() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=enter)
    wall = time.perf_counter() - started
    if group is None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), False
    deadline = time.monotonic() + 30
    while (group / "cgroup.procs").read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)  # fork servers and their children end just after `grade` does
    cpu = _usage_s(group)
    try:
        group.rmdir()
    except OSError:
        pass
    return wall, cpu, True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", default="exercise-10 --solutions", help="arguments of `grade`")
    parser.add_argument("--before", type=Path, help="a checkout of the earlier commit (run from there)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sides = {"before": args.before.resolve()} if args.before else {}
    sides["after"] = ROOT
    grade = [sys.executable, "-m", "grader", *shlex.split(args.command)]
    runs: dict[str, list[tuple[float, float]]] = {"import tensorflow": [], **{side: [] for side in sides}}
    exact = True
    for _ in range(args.repeat):
        wall, cpu, exact_here = measure([sys.executable, "-c", "import tensorflow"], ROOT)
        runs["import tensorflow"].append((wall, cpu))
        for side, folder in sides.items():
            wall, cpu, exact_here = measure(grade, folder)
            runs[side].append((wall, cpu))
            exact = exact and exact_here
    floor = statistics.median(cpu for _, cpu in runs["import tensorflow"])
    source = "cpuacct cgroup per run" if exact else "RUSAGE_CHILDREN: processes forked by a fork server not counted"
    print(f"{os.cpu_count()} cores, medians of {args.repeat} interleaved rounds; CPU from {source}\n")
    print("| run | wall s | CPU s | CPU / import tensorflow |\n|---|---:|---:|---:|")
    for name, values in runs.items():
        label = name if name == "import tensorflow" else f"`grade {args.command}` ({name})"
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {cpu / floor:.2f}x |")


if __name__ == "__main__":
    main()
