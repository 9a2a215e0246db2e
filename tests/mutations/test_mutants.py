"""The mutation suite: generated wrong answers for every learner function, graded through the engine.

For each mutant (see mutants.py): no check is blamed on the grader, every declared
check is reported with the exercise's own ``max_score``, and the score is below it.

The default run grades a seeded sample (one generic kind per function of the
plain-data exercises) and the domain mutants that crashed the grader before (a
history of strings, an empty dataset, a custom layer, ...; model exercises, marked
slow); the whole set is marked ``mutations`` and runs with ``python3 -m pytest -m mutations``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from mutants import CRASHED_BEFORE, all_mutants, sample
from support import describe, grade_source

ALL = all_mutants()
PLAIN = [m for m in ALL if not m.exercise.needs_tf]
# A plain-data exercise whose checks still import Keras for one check (14's evaluate_model) costs seconds a
# mutant: its sample is one mutant for the exercise, not one per function (the rest run with -m mutations).
KERAS_CHECKED = {m.exercise.id for m in PLAIN if "grader.checking.models" in m.exercise.checks_path.read_text("utf-8")}
_SAMPLED = sample(PLAIN, per_function=1)
_ONE_EACH = {m.exercise.id: m.id for m in _SAMPLED if m.exercise.id in KERAS_CHECKED}
QUICK_IDS = {m.id for m in _SAMPLED if m.exercise.id not in KERAS_CHECKED} | set(_ONE_EACH.values())
QUICK_IDS |= {m.id for m in ALL if m.kind in CRASHED_BEFORE}


def _params():
    for mutant in ALL:
        marks = []
        if mutant.exercise.needs_tf:
            marks.append(pytest.mark.slow)
        if mutant.id not in QUICK_IDS:
            marks.append(pytest.mark.mutations)
        yield pytest.param(mutant, id=mutant.id, marks=marks)


def _workers() -> set[int]:
    """Living processes started for grading (children of this process or of the warm fork server), by pid."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    state, parent = stat.read().rsplit(") ", 1)[-1].split()[:2]
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    warm = b"forkserver import serve" in cmdline.read()
            except OSError:
                continue
            table[int(entry)] = (int(parent), state, warm)
    servers = {pid for pid, (parent, _, warm) in table.items() if warm and parent == os.getpid()}
    return {
        pid
        for pid, (parent, state, _) in table.items()
        if (parent == os.getpid() or parent in servers) and state != "Z" and pid not in servers
    }


@pytest.mark.parametrize("mutant", list(_params()))
def test_a_wrong_answer_gets_an_honest_verdict(mutant):
    before = _workers()
    with tempfile.TemporaryDirectory() as folder:
        result = grade_source(mutant.exercise, mutant.source(), Path(folder))
    blamed = [c.name for c in result.checks if c.internal]
    assert not result.error and not blamed, describe(result)
    assert result.max_score == mutant.exercise.max_score, describe(result)
    assert [c.name for c in result.checks] == [name for name, _ in mutant.exercise.declared_checks()]
    assert 0 <= result.score < result.max_score, describe(result)
    assert _workers() <= before, "a worker outlived its grading"
