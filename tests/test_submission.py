"""Finding submissions, and notebooks graded like .py files."""

from __future__ import annotations

import nbformat
import pytest
from support import describe, grade_file, solution_source, stub_source

from grader.registry import find_exercise
from grader.submissions import SubmissionNotFound, locate_submission


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
    assert "26" not in result.output  # top-level prints are the lesson's, not run while grading
    assert "print(conv_output_size(28, 3))" in str(result.notes)


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


def test_a_folder_given_as_submission_is_read_like_a_workspace(tmp_path):
    # --submission DIR used to look for the .py only, so a lone notebook there was "not found"
    from grader.submissions import locate

    exercise = find_exercise("05")
    _notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", "x = 1")
    assert locate(exercise, path=tmp_path).path.suffix == ".ipynb"
    assert locate(exercise, path=tmp_path).path == locate(exercise, workspace=tmp_path).path


def test_locate_all_gives_none_for_a_missing_file_and_keeps_course_order(tmp_path):
    from grader.registry import all_exercises
    from grader.submissions import locate_all

    (tmp_path / "exercise_05_cnn_shapes.py").write_text("x = 1")
    found = locate_all(all_exercises(), workspace=tmp_path)
    assert [e.id for e, _ in found] == [e.id for e in all_exercises()]
    assert {e.id for e, s in found if s is not None} == {"exercise-05"}


def test_a_notebook_loader_maps_each_line_back_to_its_cell(tmp_path):
    from grader.submissions import Submission

    path = _notebook(tmp_path / "exercise_05_cnn_shapes.ipynb", "a = 1\nb = 2", "%time c = 3\nd = 4")
    prepared = Submission(path).prepare(tmp_path)
    lines = prepared.path.read_text(encoding="utf-8").splitlines()
    where = {text: prepared.locate(number) for number, text in enumerate(lines, start=1)}
    # cell 1 is markdown; the code cells are the notebook's cells 2 and 3
    assert (where["b = 2"].cell, where["b = 2"].line) == (2, 2)
    assert (where["d = 4"].cell, where["d = 4"].line) == (3, 2)


def test_a_py_file_is_copied_and_is_its_own_line_map(tmp_path):
    from grader.submissions import Submission

    path = tmp_path / "exercise_05_cnn_shapes.py"
    path.write_text("x = 1\n")
    prepared = Submission(path).prepare(tmp_path / "session")
    assert prepared.path == tmp_path / "session" / path.name and prepared.path.read_text() == "x = 1\n"
    assert prepared.locate(7).line == 7 and prepared.locate(7).cell is None


def test_an_unreadable_py_file_is_the_learners_unreadable_submission(tmp_path):
    import pytest

    from grader.submissions import Submission, UnreadableSubmission

    folder = tmp_path / "exercise_05_cnn_shapes.py"
    folder.mkdir()  # a folder where the file should be
    with pytest.raises(UnreadableSubmission):
        Submission(folder).prepare(tmp_path / "session")
