"""Notebooks written as course notebooks are, graded as a fair instructor would grade them
(issue #26): the lesson's data loading, downloads, training, plots and prints are not run; a cell
that stops costs only itself and what needs it; each saved by the tool it names (Jupyter, JupyterLab,
Colab, VS Code, Kaggle, nbformat 3). The notebooks are in ``course_notebooks.py``."""

from __future__ import annotations

import pytest
from course_notebooks import ALL, CourseNotebook
from support import failing, grade_file, solution_source

from grader.engine import GradeOptions
from grader.registry import find_exercise


def _write(case: CourseNotebook, tmp_path):
    exercise = find_exercise(case.exercise)
    for cell in case.data.get("cells", []):
        if cell["source"] == ["__SOLUTION__"]:
            cell["source"] = solution_source(exercise).splitlines(keepends=True)
    return exercise, case.write(tmp_path, f"{exercise.module_name}.ipynb")


CASES = [
    pytest.param(
        case,
        seed,
        id=f"{case.name}-seed{seed}",
        marks=([pytest.mark.slow] if case.slow else []) + ([pytest.mark.extended] if seed else []),
    )
    for case in ALL
    for seed in ((0, 1, 2) if not case.slow else (0,))
]


@pytest.mark.parametrize("case, seed", CASES)
def test_a_course_notebook_gets_the_score_a_fair_instructor_gives(case, seed, tmp_path):
    exercise, path = _write(case, tmp_path)
    result = grade_file(exercise, path, options=GradeOptions(seed=seed))
    assert not result.internal_error, result.error
    assert failing(result) == case.failing, [(c.name, c.message) for c in result.checks if not c.passed]
    expected = exercise.max_score - sum(c.max_points for c in result.checks if c.name in case.failing)
    assert result.score == expected
