"""`grade batch` of a model exercise pays one Keras import for the whole class (issue #31, item 3).

Two grading processes used to import TensorFlow each, and so did each one's fork server: four imports
at once on two cores before the first learner. Now the batch starts one Keras fork server and every
grading process forks from a copy of it (``forkserver.open_link``), so exactly one process of the
batch's tree loads TensorFlow itself; every other process that maps it was forked from one that did.

"Loads it itself" is read from ``/proc`` by address: a forked child inherits its parent's mappings
address for address, and a process that imports TensorFlow afresh maps ``libtensorflow_framework.so``
at an address of its own (ASLR). One import for the class is one address across the batch's tree.

The address, not the parent: an earlier version compared each process with its parent and failed now
and then in full runs, because a child whose parent had just ended (a trainer, a private server, waiting
for its parent-death signal) is adopted by a process that maps no TensorFlow, and looked like an importer.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import solution_source

from grader.registry import find_exercise

TENSORFLOW_LIBRARY = "libtensorflow_framework.so"
SAMPLE_EVERY_S = 0.05


def _parents() -> dict[int, int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return parents


def _tree(root: int, parents: dict[int, int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, []))
    return found


GONE = "gone"  # the process ended (or its maps cannot be read): nothing can be said of it


def _tensorflow_address(pid: int) -> str | None:
    """Where process ``pid`` maps TensorFlow's framework library (its first mapping's start), None if it
    does not, :data:`GONE` if its maps cannot be read."""
    try:
        with open(f"/proc/{pid}/maps", encoding="ascii", errors="replace") as maps:
            for line in maps:
                if TENSORFLOW_LIBRARY in line:
                    return line.split("-", 1)[0]
    except OSError:
        return GONE
    return None


def _start_time(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _describe(pid: int, parents: dict[int, int]) -> str:
    """A process and its ancestors' command lines (what a failure shows)."""
    chain = []
    while pid and len(chain) < 6:
        try:
            chain.append(f"{pid}: " + Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[-160:])
        except OSError:
            chain.append(f"{pid}: ?")
        pid = parents.get(pid, 0)
    return " <- ".join(chain)


def tensorflow_copies(process: subprocess.Popen) -> dict[str, str]:
    """Every address at which a process of ``process``'s tree, while it runs, maps TensorFlow's library: one
    per import (see the module's docstring), each with the first process seen there and its ancestors."""
    seen: dict[str, str] = {}
    while process.poll() is None:
        parents = _parents()
        for pid in _tree(process.pid, parents) - {process.pid}:
            address = _tensorflow_address(pid)
            if address not in (None, GONE) and address not in seen:
                seen[address] = f"{_start_time(pid)} {_describe(pid, parents)}"
        time.sleep(SAMPLE_EVERY_S)
    return seen


@pytest.mark.slow
def test_a_model_exercise_batch_with_two_grading_processes_imports_keras_once(tmp_path):
    exercise = find_exercise("exercise-02")
    assert exercise.needs_tf
    class_dir, out = tmp_path / "class", tmp_path / "grades"
    for name in ("ann", "ben", "cho", "dan"):
        (class_dir / name).mkdir(parents=True)
        (class_dir / name / exercise.file_name).write_text(solution_source(exercise.id), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "batch", str(class_dir), "--out", str(out), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found: dict[str, dict[str, str]] = {}
    assert Path("/proc/sys/kernel/randomize_va_space").read_text().strip() != "0", "ASLR is off: imports look alike"
    sampler = threading.Thread(target=lambda: found.update(copies=tensorflow_copies(process)), daemon=True)
    sampler.start()
    try:
        _, stderr = process.communicate(timeout=600)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    sampler.join()
    assert process.returncode == 0, stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["provenance"]["workers"] == 2
    scores = {learner["learner"]: learner["exercises"][0]["score"] for learner in results["learners"]}
    assert scores == dict.fromkeys(("ann", "ben", "cho", "dan"), exercise.max_score)
    assert len(found["copies"]) == 1, "TensorFlow imported more than once:\n" + "\n".join(found["copies"].values())
