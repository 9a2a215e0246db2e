"""The `grade` command as a user and a CI job see it: output, JSON schema, exit codes."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from support import mutate, solution_source

from grader.cli import EXIT_BELOW, EXIT_OK, EXIT_USAGE, main
from grader.content import solutions_dir, stubs_dir
from grader.registry import all_exercises


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A learner workspace made by `grade init`, as the current folder."""
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_every_stub(workspace):
    for exercise in all_exercises():
        written = workspace / "exercises" / exercise.file_name
        assert written.read_text(encoding="utf-8") == (stubs_dir() / exercise.file_name).read_text(encoding="utf-8")


def test_init_keeps_existing_work_unless_forced(runner, workspace):
    mine = workspace / "exercises" / "exercise_05_cnn_shapes.py"
    mine.write_text("# my work\n")
    runner.invoke(main, ["init", str(workspace)])
    assert mine.read_text() == "# my work\n"
    runner.invoke(main, ["init", str(workspace), "--force"])
    assert mine.read_text() != "# my work\n"


def test_untouched_stub_scores_zero_with_feedback(runner, workspace):
    result = runner.invoke(main, ["exercise-05"])
    assert result.exit_code == EXIT_BELOW, result.output
    assert "Score: 0/" in result.output
    assert "NotImplementedError" in result.output
    assert "Hint" in result.output


@pytest.mark.parametrize("spelling", ["exercise-05", "05", "5", "cnn-shapes"])
def test_every_spelling_grades_the_same_exercise(runner, workspace, spelling):
    result = runner.invoke(main, [spelling, "--solutions", "--format", "json"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.output)["exercise"] == "exercise-05"


def test_json_report_schema(runner, workspace):
    result = runner.invoke(main, ["check", "exercise-04", "--format", "json"])
    data = json.loads(result.output)
    for key in ("exercise", "slug", "title", "score", "max_score", "duration_s", "checks"):
        assert key in data
    assert data["exercise"] == "exercise-04" and data["slug"] == "parameter-counts"
    assert data["score"] == 0 and data["max_score"] > 0
    for check in data["checks"]:
        assert set(check) >= {"name", "status", "points", "max_points", "message"}
        assert check["status"] in {"passed", "failed", "error", "timeout"}


def test_solutions_get_full_marks_and_exit_zero(runner, workspace):
    result = runner.invoke(main, ["exercise-05", "--solutions"])
    assert result.exit_code == EXIT_OK, result.output
    assert "All checks passed" in result.output


def test_fail_under_turns_a_partial_score_into_success(runner, tmp_path):
    source = mutate(
        solution_source("exercise-05"),
        ("        if min(shape) < 1:\n            raise ValueError", "        if False:\n            raise ValueError"),
    )
    path = tmp_path / "exercise_05_cnn_shapes.py"
    path.write_text(source)
    below = runner.invoke(main, ["exercise-05", "--submission", str(path), "--format", "json"])
    assert below.exit_code == EXIT_BELOW
    percent = 100 * json.loads(below.output)["score"] / json.loads(below.output)["max_score"]
    assert (
        runner.invoke(main, ["exercise-05", "--submission", str(path), "--fail-under", str(int(percent))]).exit_code
        == EXIT_OK
    )
    assert (
        runner.invoke(main, ["exercise-05", "--submission", str(path), "--fail-under", "100"]).exit_code == EXIT_BELOW
    )


def test_unknown_exercise_lists_the_valid_ids(runner):
    result = runner.invoke(main, ["exercise-99"])
    assert result.exit_code == EXIT_USAGE
    assert "exercise-05" in result.output and "cnn-shapes" in result.output


def test_missing_submission_is_a_usage_error(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["exercise-05"])
    assert result.exit_code == EXIT_USAGE
    assert "grade init" in result.output


def test_submission_path_and_workspace_options(runner, tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(solutions_dir() / "exercise_04_parameter_counts.py", folder)
    assert runner.invoke(main, ["04", "--workspace", str(folder)]).exit_code == EXIT_OK
    assert (
        runner.invoke(main, ["04", "--submission", str(folder / "exercise_04_parameter_counts.py")]).exit_code
        == EXIT_OK
    )


def test_list_shows_progress_after_grading(runner, workspace):
    before = json.loads(runner.invoke(main, ["list", "--format", "json"]).output)["exercises"]
    assert [row["exercise"] for row in before] == [e.id for e in all_exercises()]
    assert all(row["last_score"] is None for row in before)
    runner.invoke(main, ["exercise-04"])
    after = {
        row["exercise"]: row
        for row in json.loads(runner.invoke(main, ["list", "--format", "json"]).output)["exercises"]
    }
    assert after["exercise-04"]["last_score"] == 0 and after["exercise-04"]["max_score"] > 0
    text = runner.invoke(main, ["list"]).output
    assert "parameter-counts" in text and "0/" in text


def test_solutions_do_not_count_as_progress(runner, workspace):
    runner.invoke(main, ["exercise-04", "--solutions"])
    rows = json.loads(runner.invoke(main, ["list", "--format", "json"]).output)["exercises"]
    assert all(row["last_score"] is None for row in rows)


def test_verbose_shows_the_learners_traceback(runner, tmp_path):
    source = solution_source("exercise-04").replace(
        '"""Weights (n_inputs * units) plus one bias per neuron."""', '"""x"""\n    return 1 / 0'
    )
    path = tmp_path / "exercise_04_parameter_counts.py"
    path.write_text(source)
    quiet = runner.invoke(main, ["04", "--submission", str(path)]).output
    loud = runner.invoke(main, ["04", "--submission", str(path), "--verbose"]).output
    assert "ZeroDivisionError" in quiet
    assert "exercise_04_parameter_counts.py" in loud and "return 1 / 0" in loud
    assert "grader/" not in loud.split("Score:")[0], "only the learner's own frames should be shown"


def test_grading_several_exercises_reports_each_and_the_total(tmp_path):
    from grader.engine import grade_exercises
    from grader.registry import find_exercise
    from grader.submissions import locate_submission

    ex04, ex05 = find_exercise("04"), find_exercise("05")
    run = grade_exercises([(ex04, locate_submission(ex04, solutions=True)), (ex05, None)])
    first, missing = run.exercises
    assert first.passed and first.score == first.max_score
    assert missing.score == 0 and missing.max_score > 0 and not any(c.attempted for c in missing.checks)
    assert run.score == first.score and run.max_score == first.max_score + missing.max_score
    assert not run.passed and set(run.to_dict()) >= {"score", "max_score", "exercises"}


def test_grade_all_summary(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exercises").mkdir()
    for name in ("exercise_04_parameter_counts.py", "exercise_05_cnn_shapes.py"):
        shutil.copy(solutions_dir() / name, tmp_path / "exercises" / name)
    result = runner.invoke(main, ["all", "--format", "json"])
    data = json.loads(result.output)
    by_id = {e["exercise"]: e for e in data["exercises"]}
    assert by_id["exercise-04"]["passed"] and by_id["exercise-05"]["passed"]
    assert data["max_score"] > data["score"] or len(by_id) == 2
    assert result.exit_code == (EXIT_OK if len(by_id) == 2 else EXIT_BELOW)
