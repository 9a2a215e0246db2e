"""CPU of a whole `grade` process tree against `python -c "import tensorflow"`, paired and interleaved.

    python benchmarks/bench_cpu.py                              # exercise-10 --solutions, 7 rounds
    python benchmarks/bench_cpu.py --before /tmp/before --repeat 9
    python benchmarks/bench_cpu.py --command "exercise-02 --solutions"
    python benchmarks/bench_cpu.py --per-process                # also: which process spent it (as root)

The CPU a command costs is everything its processes used, grandchildren included. ``getrusage(
RUSAGE_CHILDREN)`` misses those a fork server forks (they are reaped by the kernel, not waited for),
so as root each run gets a cpuacct cgroup of its own (cgroup v1 or v2) and its usage is read once every
process in it has ended; otherwise RUSAGE_CHILDREN is used and the table says so. Each round runs the
TensorFlow import, then the command (from ``--before``, then from this checkout), each a fresh process;
prints medians (wall, CPU, CPU / import) as a Markdown table. With ``--per-process``, the cgroup's
processes are also sampled every 10 ms while a grade runs (``/proc/PID/stat``: a process's CPU is read
until it ends, so the last <10 ms of each is missed) and their medians shown by role.
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import shlex
import statistics
import subprocess
import sys
import threading
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


def _roles(table: dict[int, tuple[int, bool, bool, float]], top: int) -> dict[str, float]:
    """CPU s by role, from ``{pid: (parent, runs the fork server's command line, in a PID namespace of its
    own, CPU s)}``: ``grade``, the fork server it started, the learner's workers, and the rest, all forked
    from the fork server (the grading child of :mod:`grader.warm`, trainers, launchers, private servers;
    they are told apart by neither parent, which a forked child loses, nor command line)."""
    roles: dict[str, float] = collections.defaultdict(float)
    for pid, (parent, server, namespaced, cpu) in table.items():
        if pid == top:
            role = "grade"
        elif namespaced:
            role = "workers (learner code)"
        elif parent == top and server:
            role = "fork server (import keras)"
        elif server:
            role = "forked from the fork server: grading child, trainers, launchers"
        else:
            role = "other"
        roles[role] += cpu
    return roles


class _Sampler(threading.Thread):
    """Every process of ``group`` and its latest CPU (``/proc/PID/stat``), sampled until :meth:`stop`."""

    def __init__(self, group: Path) -> None:
        super().__init__(daemon=True)
        self.group, self.seen, self.done = group, {}, threading.Event()
        self.ticks = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self.done.is_set():
            for pid in (self.group / "cgroup.procs").read_text().split():
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                    server = b"forkserver import serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                namespaced = any(line.startswith("NSpid:") and len(line.split()) > 2 for line in status.splitlines())
                cpu = (int(fields[11]) + int(fields[12])) / self.ticks
                self.seen[int(pid)] = (int(fields[1]), server, namespaced, cpu)
            time.sleep(0.01)

    def stop(self) -> None:
        self.done.set()
        self.join()


def measure(command: list[str], cwd: Path, roles: list[dict[str, float]] | None = None) -> tuple[float, float, bool]:
    """(wall s, CPU s of every process the command started, whether the CPU is the cgroup's); with
    ``roles`` (and a cgroup), the CPU by role (:func:`_roles`) is appended to it."""
    group = _cgroup()
    sampler = _Sampler(group) if group is not None and roles is not None else None
    if sampler is not None:
        sampler.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()

    def enter() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=enter)
    process.wait()
    wall = time.perf_counter() - started
    if group is None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), False
    deadline = time.monotonic() + 30
    while (group / "cgroup.procs").read_text().strip() and time.monotonic() < deadline:
        time.sleep(0.05)  # fork servers and their children end just after `grade` does
    cpu = _usage_s(group)
    if sampler is not None:
        sampler.stop()
        roles.append(_roles(sampler.seen, process.pid))
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
    parser.add_argument("--per-process", action="store_true", help="also the CPU by process role (as root)")
    args = parser.parse_args()
    sides = {"before": args.before.resolve()} if args.before else {}
    sides["after"] = ROOT
    grade = [sys.executable, "-m", "grader", *shlex.split(args.command)]
    runs: dict[str, list[tuple[float, float]]] = {"import tensorflow": [], **{side: [] for side in sides}}
    roles: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    exact = True
    for _ in range(args.repeat):
        wall, cpu, exact_here = measure([sys.executable, "-c", "import tensorflow"], ROOT)
        runs["import tensorflow"].append((wall, cpu))
        for side, folder in sides.items():
            wall, cpu, exact_here = measure(grade, folder, roles[side] if args.per_process else None)
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
    for side, runs_by_role in roles.items():
        if runs_by_role:
            names = sorted({name for run in runs_by_role for name in run})
            print(f"\n`grade {args.command}` ({side}), median CPU s by process role, sampled every 10 ms:\n")
            print("| role | CPU s |\n|---|---:|")
            for name in names:
                print(f"| {name} | {statistics.median(run.get(name, 0.0) for run in runs_by_role):.2f} |")


if __name__ == "__main__":
    main()
