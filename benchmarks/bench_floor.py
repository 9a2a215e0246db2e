"""`grade exercise-05` cold beside its floor: the same checks run by pytest in one bare process.

    python benchmarks/bench_floor.py                     # the reference solution, 15 rounds
    python benchmarks/bench_floor.py --target stub -n 9  # the stub (every check "not attempted")
    python benchmarks/bench_floor.py --exercise 04
    git worktree add --detach /tmp/before main && python benchmarks/bench_floor.py --before /tmp/before

Each round runs, in fresh processes and alternating which goes first (so machine noise hits both alike):

(a) **grade**: ``python -m grader exercise-05 --solutions`` (``--submission <stub>`` with ``--target stub``),
    output to a pipe, from this checkout (its folder is the current directory, so ``-m grader`` is this
    checkout's grader);
(b) **floor**: ``python -c <FLOOR>``, the cheapest honest harness for the same checks, defined as:

    * one fresh ``python`` process (same interpreter, same folder, same environment);
    * the learner's module (the reference solution, or the stub) compiled and run **in that process**
      (from source, as the worker imports its fresh copy): no worker, no sandbox, no session folder, no
      pipe, no value codec;
    * ``pytest.main`` **in-process** on the exercise's own ``checks.py`` (every check, the same file the
      grader runs), with the grader's pytest isolation flags (``-c /dev/null --noconftest``, no cache, no
      terminal reporter, no plugin autoload);
    * a plugin of a few lines giving the checks what they use: ``learner`` (attribute access and
      ``learner.call(name, ...)`` call the module's function; an exception becomes the
      ``LearnerRaised`` / ``NotAttempted`` the checks expect, as the worker would report it), ``rng``
      and ``seed`` seeded per check exactly as the grader seeds them (``check_seed(0, exercise, test name)``),
      and the ``check`` marker;
    * it counts passed checks and points and exits non-zero unless every check gave the grader's verdict
      (all passed for the solution, none for the stub): a floor that skipped work would not count.

    What the floor leaves out is exactly the grader's own cost: the CLI, locating and reading the file,
    the sandboxed worker (its start, import of the learner's file, one pipe round trip per call), the
    catalogue and the report.

Both run as installed: one unmeasured warm-up round first, with ``PYTHONDONTWRITEBYTECODE`` unset,
so every module has its ``.pyc`` (pip writes them at install; without them each run compiles the
grader's modules again, ~0.1 s). The learner's file is compiled every time on both sides.

With ``--before DIR`` each round also runs (a) from that checkout (``cwd=DIR``): before/after, paired.

Prints wall and CPU medians (CPU: user + system of the process and every child it waited for,
``RUSAGE_CHILDREN``) and grade / floor ratios. The issue's target (#31): wall ratio at most 1.2.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR = r"""
import functools, os, sys, types, zlib
import numpy as np
import pytest
from grader.outcomes import LearnerRaised, NotAttempted

exercise_id, module_name, module_path, checks_path, expect_pass = sys.argv[1:6]
module = types.ModuleType(module_name)  # compiled from source every time, as the worker's fresh copy is
module.__file__ = module_path
sys.modules[module_name] = module
with open(module_path, encoding="utf-8") as handle:
    exec(compile(handle.read(), module_path, "exec"), module.__dict__)


def seed_for(name):  # the grader's check_seed(0, exercise, test name)
    return zlib.crc32(f"0:{exercise_id}:{name}".encode()) & 0x7FFFFFFF


class InProcessLearner:
    def call(self, name, *args, **kwargs):
        try:
            return getattr(module, name)(*args, **kwargs)
        except NotImplementedError:
            raise NotAttempted(function=name) from None
        except Exception as exc:
            raise LearnerRaised(error_type=type(exc).__name__, error=str(exc)) from None

    def __getattr__(self, name):
        return functools.partial(self.call, name)


class Floor:
    passed = failed = points = 0

    @pytest.fixture
    def learner(self):
        return InProcessLearner()

    @pytest.fixture
    def rng(self, request):
        return np.random.default_rng(seed_for(request.node.name))

    @pytest.fixture
    def seed(self, request):
        return seed_for(request.node.name)

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "check(points, timeout=None): a graded check")
        config.option.tbstyle = "native"  # as the grader's plugin does: no syntax-tree walk per failure

    def pytest_runtest_makereport(self, item, call):
        if call.when == "call":
            if call.excinfo is None:
                self.passed += 1
                self.points += item.get_closest_marker("check").kwargs.get("points", 1)
            else:
                self.failed += 1


os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
floor = Floor()
folder = os.path.dirname(checks_path)
args = [checks_path, "-c", os.devnull, "--noconftest", "--rootdir", folder, "--confcutdir", folder,
        "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:legacypath",
        "-p", "no:unraisableexception", "-p", "no:threadexception", "-W", "ignore::DeprecationWarning"]
pytest.main(args, plugins=[floor])
print(f"floor: {floor.passed} passed, {floor.failed} failed, {floor.points} points")
ok = floor.failed == 0 if expect_pass == "1" else floor.passed == 0
sys.exit(0 if ok and floor.passed + floor.failed else 1)
"""


def timed(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process and the children it waited for, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    completed = subprocess.run(command, cwd=cwd, capture_output=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exercise", default="exercise-05")
    parser.add_argument("--target", choices=("solution", "stub"), default="solution")
    parser.add_argument("-n", "--rounds", type=int, default=15)
    parser.add_argument("--before", type=Path, help="also time grade from this checkout (e.g. main)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from grader.content import solutions_dir, stubs_dir
    from grader.registry import find_exercise

    exercise = find_exercise(args.exercise)
    learner_file = (solutions_dir() if args.target == "solution" else stubs_dir()) / exercise.file_name
    checks = exercise.sources[0].checks_path
    if args.target == "solution":
        grade = [sys.executable, "-m", "grader", exercise.id, "--solutions"]
        grade_ok = (0,)
    else:
        grade = [sys.executable, "-m", "grader", exercise.id, "--submission", str(learner_file)]
        grade_ok = (1,)
    floor = [sys.executable, "-c", FLOOR, exercise.id, exercise.module_name, str(learner_file), str(checks)]
    floor.append("1" if args.target == "solution" else "0")
    commands = {"grade": (grade, ROOT), "floor": (floor, ROOT)}
    if args.before is not None:
        commands["before"] = (grade, args.before.resolve())

    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for round_ in range(-1, args.rounds):  # round -1: the warm-up, not counted
        order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
        for name in order:
            wall, cpu, code = timed(*commands[name])
            expected = (0,) if name == "floor" else grade_ok
            if code not in expected:
                sys.exit(f"{name} exited {code}")
            if round_ >= 0:
                runs[name].append((wall, cpu))

    def median(name: str, index: int) -> float:
        return statistics.median(run[index] for run in runs[name])

    label = f"grade {exercise.id} " + ("--solutions" if args.target == "solution" else "stub")
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, median of {args.rounds} paired fresh processes\n")
    print("| command | wall s | CPU s |\n|---|---:|---:|")
    if args.before is not None:
        print(f"| `{label}` before ({args.before}) | {median('before', 0):.3f} | {median('before', 1):.3f} |")
    print(f"| `{label}` | {median('grade', 0):.3f} | {median('grade', 1):.3f} |")
    print(f"| floor (in-process pytest, same checks) | {median('floor', 0):.3f} | {median('floor', 1):.3f} |")
    ratio_wall = median("grade", 0) / median("floor", 0)
    ratio_cpu = median("grade", 1) / median("floor", 1)
    if args.before is not None:
        before_wall = median("before", 0) / median("floor", 0)
        before_cpu = median("before", 1) / median("floor", 1)
        print(f"| ratio before / floor | {before_wall:.2f}x | {before_cpu:.2f}x |")
    print(f"| ratio grade / floor | {ratio_wall:.2f}x | {ratio_cpu:.2f}x |")


if __name__ == "__main__":
    main()
