"""Cold against warm `grade EXERCISE` (the warm grading server), paired and interleaved.

    python benchmarks/bench_warm.py                       # exercise-05 and exercise-10, 7 rounds
    python benchmarks/bench_warm.py --exercises 05 --repeat 15

Each round runs `grade EXERCISE --solutions` once with the server turned off (``KERASDRILL_WARM_SERVER=0``:
what a first run, CI or root get) and once through a server started before the first round (``=1``),
each a fresh `grade` process; the runtime folder is a private temp folder, and the server is stopped at
the end. Prints medians of wall time as a Markdown table with the warm/cold ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "grader", *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if completed.returncode not in (0, 1):
        raise SystemExit(f"grade {' '.join(args)} exited {completed.returncode}: {completed.stderr[-2000:]!r}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercises", nargs="*", default=["exercise-05", "exercise-10"])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kd-warm-") as temp:
        env = {k: v for k, v in os.environ.items() if k not in ("CI", "XDG_RUNTIME_DIR")}
        env["TMPDIR"] = temp
        warm_env = dict(env, KERASDRILL_WARM_SERVER="1")
        cold_env = dict(env, KERASDRILL_WARM_SERVER="0")
        try:
            run([args.exercises[-1], "--solutions"], warm_env)  # starts the server, waits for its Keras
            for name in args.exercises:
                run([name, "--solutions"], warm_env)  # the spare's and the exercise's first imports
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(args.repeat):
                for name in args.exercises:
                    for side, side_env in (("cold", cold_env), ("warm", warm_env)):
                        times.setdefault((name, side), []).append(run([name, "--solutions"], side_env))
        finally:
            run(["--stop-server"], warm_env)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load {load:.1f}, medians of {args.repeat} interleaved rounds\n")
    print("| command | cold s | warm s | warm / cold |\n|---|---:|---:|---:|")
    for name in args.exercises:
        cold, warm = (statistics.median(times[(name, side)]) for side in ("cold", "warm"))
        print(f"| `grade {name} --solutions` | {cold:.3f} | {warm:.3f} | {100 * warm / cold:.0f}% |")


if __name__ == "__main__":
    main()
