"""Finding submissions, and notebooks graded like .py files."""

from __future__ import annotations

import nbformat
import pytest
from support import describe, grade_file, solution_source, stub_source

from grader.registry import find_exercise
from grader.submission import SubmissionNotFound, locate_submission


def _notebook(path, *cells):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Exercise 05")] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(notebook, str(path))
    return path


def test_a_notebook_with_the_solution_gets_full_marks(tmp_path):
    source = solution_source("exercise-05")
    path = _notebook(
        tmp_path / "exercise_05_cnn_shapes.ipynb",
        "%matplotlib inline\n!pip list",
        source,
        "print(conv_output_size(28, 3))",
    )
    result = grade_file("exercise-05", path)
    assert result.passed, describe(result)
    assert "26" in result.output


def test_a_notebook_stub_scores_zero(tmp_path):
    path = _notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", stub_source("exercise-05"))
    result = grade_file("exercise-05", path)
    assert result.score == 0 and not any(c.attempted for c in result.checks), describe(result)


def test_workspace_lookup_prefers_py_then_notebook(tmp_path):
    exercise = find_exercise("05")
    (tmp_path / "exercises").mkdir()
    with pytest.raises(SubmissionNotFound) as missing:
        locate_submission(exercise, workspace=tmp_path)
    assert [p.suffix for p in missing.value.looked_in] == [".py", ".ipynb"]
    _notebook(tmp_path / "exercises" / "exercise_05_cnn_shapes.ipynb", "x = 1")
    assert locate_submission(exercise, workspace=tmp_path).path.suffix == ".ipynb"
    (tmp_path / "exercises" / "exercise_05_cnn_shapes.py").write_text("x = 1")
    assert locate_submission(exercise, workspace=tmp_path).path.suffix == ".py"
