"""The mutation suite: generated wrong answers for every learner function, graded through the engine.

For each mutant (see mutants.py): no check is blamed on the grader, every declared
check is reported with the exercise's own ``max_score``, and the score is below it.

The default run grades a seeded sample (one generic kind per function of the
plain-data exercises) and every domain mutant (a history without val_loss, an empty
dataset, a custom layer, ...: the model exercises' known crashes, marked slow); the
whole set is marked ``mutations`` and runs with ``python3 -m pytest -m mutations``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from mutants import KINDS, all_mutants, sample
from support import describe, grade_source

ALL = all_mutants()
PLAIN = [m for m in ALL if not m.exercise.needs_tf]
QUICK_IDS = {m.id for m in sample(PLAIN, per_function=1)} | {m.id for m in ALL if m.kind not in KINDS}


def _params():
    for mutant in ALL:
        marks = []
        if mutant.exercise.needs_tf:
            marks.append(pytest.mark.slow)
        if mutant.id not in QUICK_IDS:
            marks.append(pytest.mark.mutations)
        yield pytest.param(mutant, id=mutant.id, marks=marks)


def _children() -> set[int]:
    """Processes whose parent is this one (the fork server, a living worker), by pid."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rsplit(") ", 1)[-1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.add(int(entry))
    return found


@pytest.mark.parametrize("mutant", list(_params()))
def test_a_wrong_answer_gets_an_honest_verdict(mutant):
    before = _children()
    with tempfile.TemporaryDirectory() as folder:
        result = grade_source(mutant.exercise, mutant.source(), Path(folder))
    blamed = [c.name for c in result.checks if c.internal]
    assert not result.error and not blamed, describe(result)
    assert result.max_score == mutant.exercise.max_score, describe(result)
    assert [c.name for c in result.checks] == [name for name, _ in mutant.exercise.declared_checks()]
    assert 0 <= result.score < result.max_score, describe(result)
    assert _children() <= before, "a worker outlived its grading"
