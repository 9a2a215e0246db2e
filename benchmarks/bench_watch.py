"""Watch mode: seconds from saving an edited file to its new report, against a cold `grade EXERCISE`.

    python benchmarks/bench_watch.py                     # exercises 05 and 10, 5 edits each
    python benchmarks/bench_watch.py --exercises 10 --edits 7 --cold 3

For each exercise: a workspace from `grade init`, the reference solution in it, `grade watch EX`
started once (line mode, its stdout read by a thread), then `--edits` saves, each a changed comment
line, timed from the write to the report's "Score:" line. The cold row is `grade EX` in a fresh
process on the same file (median of `--cold` runs). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def watch_edits(exercise_id: str, file_name: str, workspace: Path, edits: int) -> tuple[float, list[float]]:
    """(seconds to the first report, seconds from each save to its report)."""
    target = workspace / "exercises" / file_name
    reference = (ROOT / "solutions" / file_name).read_text(encoding="utf-8")
    target.write_text(reference, encoding="utf-8")
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "watch", exercise_id],
        cwd=workspace,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )

    def read() -> None:
        for line in process.stdout:
            lines.put((time.perf_counter(), line))

    threading.Thread(target=read, daemon=True).start()

    def next_score(timeout: float = 300) -> float:
        deadline = time.perf_counter() + timeout
        while True:
            stamp, line = lines.get(timeout=max(0.1, deadline - time.perf_counter()))
            if line.startswith("Score:"):
                return stamp

    try:
        first = next_score() - started
        times = []
        for edit in range(edits):
            time.sleep(0.5)
            saved = time.perf_counter()
            target.write_text(reference + f"\n# edit {edit}\n", encoding="utf-8")
            times.append(next_score() - saved)
        return first, times
    finally:
        process.stdin.write("q\n")
        process.stdin.flush()
        process.wait(timeout=30)


def cold(exercise_id: str, workspace: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "grader", exercise_id],
            cwd=workspace,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercises", nargs="*", default=["05", "10"])
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--cold", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from grader.registry import find_exercise

    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; median of {args.edits} saves\n")
    print("| exercise | cold `grade EX` s | watch: first report s | watch: save → report s (median) | min | max |")
    print("|---|---|---|---|---|---|")
    for name in args.exercises:
        exercise = find_exercise(name)
        workspace = Path(tempfile.mkdtemp(prefix="kerasdrill-bench-watch-"))
        try:
            subprocess.run(
                [sys.executable, "-m", "grader", "init", str(workspace)], check=True, stdout=subprocess.DEVNULL
            )
            first, times = watch_edits(exercise.id, exercise.file_name, workspace, args.edits)
            cold_s = cold(exercise.id, workspace, args.cold)
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
        print(
            f"| {exercise.id} | {cold_s:.2f} | {first:.2f} | {statistics.median(times):.2f} | "
            f"{min(times):.2f} | {max(times):.2f} |"
        )


if __name__ == "__main__":
    main()
