"""Before/after cold-start timings of `grade`, interleaved so that machine noise hits both alike.

    git worktree add /tmp/before <commit>
    python benchmarks/bench_before_after.py /tmp/before --repeat 5

Each round runs every command once from the other checkout, then once from this one, each in a
fresh process; prints the medians as a Markdown table for the commit message.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "exercise-05 --solutions": ["exercise-05", "--solutions"],
    "exercise-05 stub": ["exercise-05", "--submission", "exercises/exercise_05_cnn_shapes.py"],
    "exercise-10 --solutions": ["exercise-10", "--solutions"],
    "exercise-10 stub": ["exercise-10", "--submission", "exercises/exercise_10_cnn_model.py"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a checkout of the earlier commit")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": ROOT}
    times: dict[tuple[str, str], list[float]] = {(c, s): [] for c in COMMANDS for s in sides}
    for _ in range(args.repeat):
        for name, command in COMMANDS.items():
            for side, folder in sides.items():
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "grader", *command], cwd=folder, capture_output=True)
                times[(name, side)].append(time.perf_counter() - started)
    print(f"median of {args.repeat} fresh processes, interleaved\n")
    print("| command | before s | after s | change |\n|---|---:|---:|---:|")
    for name in COMMANDS:
        before, after = (statistics.median(times[(name, side)]) for side in sides)
        print(f"| `grade {name}` | {before:.2f} | {after:.2f} | {100 * (after - before) / before:+.0f}% |")


if __name__ == "__main__":
    main()
