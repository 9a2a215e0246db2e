"""Cold-start timings of `grade`, each run in a fresh process (median of N).

    python benchmarks/bench_grade.py                    # exercises 04 and 05, 5 runs each
    python benchmarks/bench_grade.py --exercises 01 03 04 05 06 07 10 --all --repeat 3

Each row runs `grade EXERCISE --solutions` (every check does its full work) and
`grade EXERCISE --submission <stub>` (what a learner sees first). `--all` adds
`grade all --solutions`. Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_command(command: list[str], repeat: int) -> tuple[float, float, float, int]:
    """(median, min, max) seconds over ``repeat`` fresh processes, and the last exit code."""
    times = []
    code = 0
    for _ in range(repeat):
        started = time.perf_counter()
        code = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times), code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercises", nargs="*", default=["04", "05"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--all", action="store_true", help="also time `grade all --solutions`")
    parser.add_argument("--all-repeat", type=int, default=0, help="runs of `grade all` (default: --repeat)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from grader.content import stubs_dir
    from grader.registry import find_exercise

    grade = [sys.executable, "-m", "grader"]
    rows = []
    for name in args.exercises:
        exercise = find_exercise(name)
        stub = str(stubs_dir() / exercise.file_name)
        for label, extra in (("--solutions", ["--solutions"]), ("stub", ["--submission", stub])):
            median, low, high, code = time_command([*grade, exercise.id, *extra], args.repeat)
            rows.append((f"grade {exercise.id} {label}", median, low, high, code))
    if args.all:
        median, low, high, code = time_command([*grade, "all", "--solutions"], args.all_repeat or args.repeat)
        rows.append(("grade all --solutions", median, low, high, code))

    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, median of {args.repeat} fresh processes\n")
    print("| command | median s | min s | max s | exit |")
    print("|---|---:|---:|---:|---:|")
    for label, median, low, high, code in rows:
        print(f"| `{label}` | {median:.2f} | {low:.2f} | {high:.2f} | {code} |")


if __name__ == "__main__":
    main()
