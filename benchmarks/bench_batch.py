"""`grade batch` on generated classes: wall time, learners per minute, peak memory of the process tree.

    python benchmarks/bench_batch.py --exercise exercise-05 --learners 40 --workers 1 2

A class of ``--learners`` learners is written to a temp folder: 40% the reference solution, 20%
partly wrong (one function returns a string), 10% broken (a syntax error), 10% slow (its
import takes 2 s), 10% hostile (reads a neighbour's file, loops at import for a while, prints
terminal escapes), 10% empty folders. Each run is a fresh `grade batch` process; the peak memory is
the largest sum over it and all its descendants, sampled every 0.2 s (``--sample-every``), of the
proportional set size (PSS: shared pages split among their sharers), with the resident size (RSS)
beside it. Sampling costs CPU (smaps_rollup walks a TensorFlow process's page tables in ~25 ms), so
the wall and CPU times come from runs that are not sampled, and the memory from one more run that is.
As root each run gets a cpuacct cgroup of its own (``bench_cpu.py``): the CPU is every process's the
batch started, fork servers' children included, and the processes sampled are the cgroup's (none is
missed if it was re-parented); otherwise CPU is not measured and the tree is found by parent pid.

    python benchmarks/bench_batch.py --exercise exercise-10 --learners 40 --workers 2 --before /work/before

``--before``: an earlier checkout's runs alternate with ours on the same class (wall, CPU, then one
sampled run each for the memory). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_cpu import _cgroup, _usage_s  # noqa: E402  (this folder is on sys.path when run as a script)

from grader.content import solutions_dir  # noqa: E402
from grader.registry import find_exercise  # noqa: E402

KINDS = ["correct"] * 4 + ["wrong"] * 2 + ["broken", "slow", "hostile", "empty"]


def _first_function(source: str) -> str:
    line = next(line for line in source.splitlines() if line.startswith("def "))
    return line


def learner_source(kind: str, reference: str, neighbour: Path) -> str | None:
    head = _first_function(reference)
    if kind == "correct":
        return reference
    if kind == "wrong":  # the first function answers wrongly (not a number at all)
        return reference.replace(head, head + "\n    return 'wrong'\n", 1)
    if kind == "broken":
        return reference.replace(head, head.replace("(", "((", 1), 1)
    if kind == "slow":  # heavy top-level code, as course notebooks have
        return "import time\ntime.sleep(2)\n" + reference
    if kind == "hostile":
        return (
            f"try:\n    open({str(neighbour)!r}).read()\nexcept OSError:\n    pass\n"
            "import time\n_end = time.time() + 1\nwhile time.time() < _end:\n    pass\n"
            "print('\\x1b[2J\\x1b[32mALL PASSED\\x1b[0m')\n" + reference
        )
    return None  # empty folder


def make_class(folder: Path, exercise_name: str, learners: int) -> None:
    exercise = find_exercise(exercise_name)
    reference = (solutions_dir() / exercise.file_name).read_text(encoding="utf-8")
    for index in range(learners):
        kind = KINDS[index % len(KINDS)]
        learner = folder / f"learner{index:03d}-{kind}"
        learner.mkdir(parents=True)
        source = learner_source(kind, reference, folder / "learner000-correct" / exercise.file_name)
        if source is not None:
            (learner / exercise.file_name).write_text(source, encoding="utf-8")


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        if current not in found:
            found.append(current)
            stack.extend(children.get(current, []))
    return found


def _cgroup_processes(group: Path) -> list[int]:
    try:
        return [int(line) for line in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _tree_memory_kb(pid: int, group: Path | None = None) -> tuple[int, int]:
    """(RSS, PSS) summed over the tree (the cgroup's processes, if there is one). RSS counts a page once
    per process that maps it, so forked workers, which share most of their fork server's pages, are
    counted many times over; PSS splits each shared page among its sharers and so sums to the memory
    the tree really holds."""
    rss = pss = 0
    for process in _cgroup_processes(group) if group is not None else _tree(pid):
        try:
            with open(f"/proc/{process}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss


SAMPLE_EVERY_S = 0.2  # smaps_rollup walks page tables (~25 ms for a TensorFlow process): sampling costs CPU


def run_batch(
    class_dir: Path, out: Path, workers: int, exercise: str, sample_memory: bool = False, root: Path = ROOT
) -> tuple[float, float, float, int, float]:
    """One fresh `grade batch`: (wall s, peak PSS MB, peak RSS MB, exit code, CPU s); memory 0 unless
    sampled, CPU NaN without a cpuacct cgroup."""
    command = [sys.executable, "-m", "grader", "batch", str(class_dir), "--out", str(out)]
    command += ["--workers", str(workers), "--exercise", exercise]
    group = _cgroup()

    def enter() -> None:
        if group is not None:
            (group / "cgroup.procs").write_text(str(os.getpid()))

    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=enter
    )
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not done.is_set():
            rss, pss = _tree_memory_kb(process.pid, group)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            time.sleep(SAMPLE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - started
    done.set()
    if sample_memory:
        sampler.join()
    cpu = float("nan")
    if group is not None:
        deadline = time.monotonic() + 30
        while _cgroup_processes(group) and time.monotonic() < deadline:
            time.sleep(0.05)  # fork servers and their children end just after `grade batch` does
        cpu = _usage_s(group)
        try:
            group.rmdir()
        except OSError:
            pass
    if code not in (0, 1):
        raise SystemExit(f"grade batch exited {code}{_faults(out)}")
    return elapsed, peak_pss / 1024, peak_rss / 1024, code, cpu


def _faults(out: Path) -> str:
    """The grader faults a failed run recorded, learner by learner (results.json in ``out``)."""
    import json

    try:
        learners = json.loads((out / "results.json").read_text(encoding="utf-8"))["learners"]
    except (OSError, ValueError, KeyError):
        return ": no results.json"
    faults = []
    for learner in learners:
        errors = [learner.get("error", "")] + [e.get("error", "") for e in learner.get("exercises", [])]
        faults += [f"\n{learner['learner']}: {error[-1500:]}" for error in errors if error]
    return "".join(faults)


def _load() -> str:
    """The machine's load averages (1, 5, 15 min): the machine may be shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    global SAMPLE_EVERY_S
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", action="append", default=None)
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="runs per row; the table shows their median")
    parser.add_argument("--before", type=Path, help="a checkout of an earlier commit: its runs alternate with ours")
    parser.add_argument("--sample-every", type=float, default=SAMPLE_EVERY_S, help="memory sampling period, s")
    args = parser.parse_args()
    SAMPLE_EVERY_S = args.sample_every
    print(f"{os.cpu_count()} cores, load average at start {_load()}")
    if args.before:
        return compare(args)
    rows = []
    for exercise in args.exercise or ["exercise-05"]:
        with tempfile.TemporaryDirectory(prefix="kerasdrill-bench-class-") as temp:
            class_dir = Path(temp) / "class"
            make_class(class_dir, exercise, args.learners)
            for workers in args.workers:
                runs = [
                    run_batch(class_dir, Path(temp) / f"out-{workers}-{n}", workers, exercise)
                    for n in range(args.repeat)
                ]
                times = sorted(run[0] for run in runs)
                elapsed, cpu = statistics.median(times), _median([run[4] for run in runs])
                _, pss, rss, _, _ = run_batch(class_dir, Path(temp) / f"out-{workers}-m", workers, exercise, True)
                rows.append((exercise, workers, elapsed, times, cpu, pss, rss))
    print(f"{args.learners} learners per class ({', '.join(sorted(set(KINDS)))}), a fresh `grade batch` per run,")
    print(f"wall and CPU: median of {args.repeat} runs; memory: one more run, sampled every {SAMPLE_EVERY_S} s")
    print(f"load average at end {_load()}\n")
    print("| exercise | workers | wall s | CPU s | learners/min | CPU s per learner | peak MB, PSS (RSS) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    n = args.learners
    for exercise, workers, elapsed, times, cpu, pss, rss in rows:
        spread = f" ({times[0]:.1f}–{times[-1]:.1f})" if len(times) > 1 else ""
        print(
            f"| {exercise} | {workers} | {elapsed:.1f}{spread} | {cpu:.1f} | {60 * n / elapsed:.0f} | "
            f"{cpu / n:.2f} | {pss:,.0f} ({rss:,.0f}) |"
        )


def compare(args: argparse.Namespace) -> None:
    """An earlier checkout's `grade batch` against ours, run by turns on the same class: wall and CPU
    (medians of ``--repeat`` rounds), then one sampled run each for the peak memory."""
    n = args.learners
    rows = []
    for exercise in args.exercise or ["exercise-05"]:
        with tempfile.TemporaryDirectory(prefix="kerasdrill-bench-class-") as temp:
            class_dir = Path(temp) / "class"
            make_class(class_dir, exercise, args.learners)
            sides = (("before", args.before.resolve()), ("after", ROOT))
            for workers in args.workers:
                runs: dict[str, list[tuple]] = {"before": [], "after": []}
                for round_ in range(args.repeat):
                    for name, root in sides:
                        out = Path(temp) / f"out-{name}-{workers}-{round_}"
                        runs[name].append(run_batch(class_dir, out, workers, exercise, root=root))
                        print(f"  {name} round {round_ + 1}: {runs[name][-1][0]:.1f} s, load {_load()}", flush=True)
                for name, root in sides:
                    _, pss, rss, _, _ = run_batch(
                        class_dir, Path(temp) / f"out-{name}-m", workers, exercise, True, root
                    )
                    wall = _median([r[0] for r in runs[name]])
                    cpu = _median([r[4] for r in runs[name]])
                    rows.append((exercise, workers, name, wall, cpu, pss, rss))
                    print(f"  {name} sampled: peak PSS {pss:,.0f} MB, load {_load()}", flush=True)
    print(f"\n{n} learners, medians of {args.repeat} interleaved rounds; memory: one more run each, sampled")
    print(f"every {SAMPLE_EVERY_S} s; load average at end {_load()}\n")
    print("| exercise | workers | run | wall s | CPU s | wall s / learner | CPU s / learner | peak MB, PSS (RSS) |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for exercise, workers, name, wall, cpu, pss, rss in rows:
        print(
            f"| {exercise} | {workers} | {name} | {wall:.1f} | {cpu:.1f} | {wall / n:.2f} | {cpu / n:.2f} | "
            f"{pss:,.0f} ({rss:,.0f}) |"
        )


if __name__ == "__main__":
    main()
