"""The self-test suite's wall time: whole runs, and what pytest-xdist's start-up costs a small run.

    python benchmarks/bench_suite.py suite                      # README's command: python3 -m pytest
    python benchmarks/bench_suite.py suite -- -m "not slow"     # any pytest arguments after --
    python benchmarks/bench_suite.py suite -- -n 0              # the same suite in one process
    python benchmarks/bench_suite.py startup --runs 5           # one small file: -n 0 against -n 2, paired

``suite`` runs pytest once from the checkout and prints its wall time, pytest's summary line and the
machine's load average sampled every 5 s while it ran (the machine may be shared: a number without its
load says little). ``startup`` times a quick file (``tests/test_sanitize.py`` unless ``--file``) in one
process and with two xdist workers, alternating the two, and prints the medians: what a developer pays
for workers on a small run (a lone file runs in one process by default: see tests/conftest.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pytest(args: list[str], *, quiet: bool = True) -> tuple[float, int, str, str]:
    """(wall seconds, exit code, pytest's last line, its whole output) of ``python -m pytest ARGS`` in the checkout."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}".rstrip(os.pathsep)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *(["-q"] if quiet else []), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return wall, done.returncode, lines[-1] if lines else done.stderr[-500:], done.stdout + done.stderr


def suite(args: list[str]) -> None:
    loads: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(5):
            loads.append(os.getloadavg()[0])

    before = os.getloadavg()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        wall, code, summary, output = _pytest(["-rfE", *args])
    finally:
        stop.set()
        sampler.join()
    print(f"python3 -m pytest {' '.join(args)}".rstrip())
    print(f"  wall {wall:.0f} s ({int(wall // 60)} min {wall % 60:.0f} s), exit {code}: {summary}")
    print(f"  CPUs {os.cpu_count()}; load average before {before[0]:.2f}, while running (1-min, every 5 s):")
    if loads:
        print(f"  median {statistics.median(loads):.2f}, min {min(loads):.2f}, max {max(loads):.2f}")
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            print(f"  {line}")


def startup(test_file: str, runs: int) -> None:
    plain, workers = [], []
    for _ in range(runs):
        plain.append(_pytest([test_file, "-n", "0"])[0])
        workers.append(_pytest([test_file, "-n", "2"])[0])
    print(f"{test_file}, {runs} paired runs (load average now {os.getloadavg()[0]:.2f}):")
    print(f"  one process (-n 0): median {statistics.median(plain):.2f} s  {[round(t, 2) for t in plain]}")
    print(f"  two workers (-n 2): median {statistics.median(workers):.2f} s  {[round(t, 2) for t in workers]}")
    print(f"  start-up of the workers: {statistics.median(workers) - statistics.median(plain):+.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    whole = sub.add_parser("suite", help="one timed run of pytest (arguments after --)")
    whole.add_argument("pytest_args", nargs="*")
    small = sub.add_parser("startup", help="a small file in one process against two xdist workers")
    small.add_argument("--file", default="tests/test_sanitize.py")
    small.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if options.command == "suite":
        suite(options.pytest_args)
    else:
        startup(options.file, options.runs)


if __name__ == "__main__":
    main()
