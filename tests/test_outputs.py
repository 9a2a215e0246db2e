"""Writers: the registry, results read back with from_dict, and --output written even when a run is cut short."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from support import grade_source, mutate, solution_source

from grader.cli import main
from grader.outputs import WRITERS, WriteContext
from grader.registry import all_exercises, find_exercise
from grader.results import ExerciseResult, RunResult
from grader.workflow import grade_and_report


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> ExerciseResult:
    edit = ("return (size - kernel_size) // strides + 1", "return (size - kernel_size) // strides")
    source = mutate(solution_source("exercise-05"), edit)  # the valid-padding off-by-one
    return grade_source("exercise-05", source, tmp_path_factory.mktemp("ex05"))


def test_a_stored_result_reads_back_whole(graded):
    assert 0 < graded.score < graded.max_score
    stored = json.loads(json.dumps(graded.to_dict()))
    again = ExerciseResult.from_dict(stored)
    assert again.to_dict() == graded.to_dict()
    run = RunResult(exercises=[graded, again], duration_s=1.5)
    assert RunResult.from_dict(json.loads(json.dumps(run.to_dict()))).to_dict() == run.to_dict()
    assert RunResult.from_dict(stored).exercises[0].score == graded.score  # one exercise reads as a run of one


@pytest.mark.parametrize("name", list(WRITERS))
def test_every_writer_renders_one_exercise_and_a_whole_run(name, graded):
    writer = WRITERS[name]
    one = writer.render(RunResult(exercises=[graded]), WriteContext())
    whole = writer.render(RunResult(exercises=[graded, graded]), WriteContext(whole_run=True))
    assert one.strip() and whole.strip() and one != whole


def test_the_json_writer_keeps_the_documented_shapes(graded):
    one = json.loads(WRITERS["json"].render(RunResult(exercises=[graded]), WriteContext()))
    assert one["exercise"] == "exercise-05" and one["max_score"] == graded.max_score
    whole = json.loads(WRITERS["json"].render(RunResult(exercises=[graded]), WriteContext(whole_run=True)))
    assert whole["complete"] is True and whole["exercises"][0]["score"] == graded.score


def test_the_summary_honours_ascii_only(graded):
    text = WRITERS["text"].render(RunResult(exercises=[graded]), WriteContext(whole_run=True, ascii_only=True))
    text.encode("ascii")  # the ✗ mark would not encode


def test_output_file_is_written_even_when_the_run_is_interrupted(tmp_path):
    """Ctrl-C after the first exercise: the file still holds what was graded, marked incomplete."""

    class InterruptedTerminal(io.StringIO):
        def write(self, text: str) -> int:
            raise KeyboardInterrupt  # the learner pressed Ctrl-C while the first report was printed

    exercises = [find_exercise("04"), find_exercise("05")]
    text_output = tmp_path / "report.txt"
    with pytest.raises(KeyboardInterrupt):
        grade_and_report(
            exercises,
            whole_run=True,
            solutions=True,
            fmt="text",
            context=WriteContext(verbose=True),
            stream=InterruptedTerminal(),
            output=text_output,
        )
    assert "exercise-04" in text_output.read_text(encoding="utf-8")
    assert "exercise-05" not in text_output.read_text(encoding="utf-8")
    partial = json.loads(WRITERS["json"].render(RunResult(complete=False), WriteContext(whole_run=True)))
    assert partial["complete"] is False


def test_cli_output_option_writes_the_chosen_format(tmp_path):
    output = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["exercise-04", "--solutions", "--format", "json", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert json.loads(output.read_text(encoding="utf-8"))["score"] == 16


def test_format_choices_come_from_the_writers():
    result = CliRunner().invoke(main, ["check", "--help"])
    for name in WRITERS:
        assert name in result.output
    numbers = [e.number for e in all_exercises()]  # the registry's count, never a number written here
    assert numbers == list(range(1, len(numbers) + 1))


GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "stdout_visibility", "tests", "extra_data"}
GRADESCOPE_TEST = {"name", "number", "score", "max_score", "status", "output", "output_format", "visibility", "tags"}


def test_the_gradescope_writer_keeps_gradescopes_keys_and_points(graded):
    """Gradescope sums the tests' scores; each must agree with the check, and a failed one says why."""
    run = RunResult(exercises=[graded, find_exercise_result("exercise-04")])
    data = json.loads(WRITERS["gradescope"].render(run, WriteContext(whole_run=True)))
    assert set(data) == GRADESCOPE_TOP and all(set(test) == GRADESCOPE_TEST for test in data["tests"])
    assert data["score"] == run.score == sum(test["score"] for test in data["tests"])
    assert sum(test["max_score"] for test in data["tests"]) == run.max_score == data["extra_data"]["max_score"]
    assert len({test["number"] for test in data["tests"]}) == len(data["tests"])
    assert {test["status"] for test in data["tests"]} == {"passed", "failed"}
    for test, check in zip(data["tests"], [c for e in run.exercises for c in e.checks]):
        assert test["score"] == check.points and test["max_score"] == check.max_points
        assert (test["status"] == "passed") == check.passed and bool(test["output"]) == (not check.passed)
    assert data["tests"][0]["number"] == "5.1" and data["stdout_visibility"] == "hidden"


def find_exercise_result(exercise: str) -> ExerciseResult:
    from grader.engine import missing_submission_result

    return missing_submission_result(find_exercise(exercise))


def test_the_classroom_writer_is_exercism_v3_with_points_that_add_up(graded):
    from dataclasses import replace

    noisy = replace(graded, output="x" * 2000)
    run = RunResult(exercises=[noisy, find_exercise_result("exercise-04")])
    data = json.loads(WRITERS["classroom"].render(run, WriteContext(whole_run=True)))
    assert data["version"] == 3 and data["status"] == "fail" and data["max_score"] == run.max_score
    assert sum(test["score"] for test in data["tests"]) == run.score
    assert sum(test["max_score"] for test in data["tests"]) == run.max_score
    # the reporter's table: passed / total x max_score, the same number as the summed scores
    passed = sum(test["status"] == "pass" for test in data["tests"])
    assert passed / len(data["tests"]) * data["max_score"] == run.score
    units = [(c, point) for e in run.exercises for c in e.checks for point in range(1, max(c.max_points, 1) + 1)]
    assert len(units) == len(data["tests"])
    for test, (check, point) in zip(data["tests"], units):
        assert test["status"] in ("pass", "fail", "error") and (test["status"] == "pass") == (point <= check.points)
        first_failing = point == check.points + 1  # one explanation per check: on its first failing point
        assert (test["message"] is not None) == first_failing and test["task_id"] in (4, 5)
    assert len(data["tests"][0]["output"]) == 500 and data["tests"][0]["output"].endswith("limit to 500 chars")
    assert all("output" not in test for test in data["tests"][1:])


def test_github_output_appends_the_base64_result_classroom_reads(tmp_path):
    import base64

    target = tmp_path / "github_output"
    target.write_text("earlier=1\n", encoding="utf-8")
    completed = CliRunner().invoke(
        main,
        ["exercise-04", "--solutions", "--format", "classroom", "--github-output"],
        env={"GITHUB_OUTPUT": str(target)},
    )
    assert completed.exit_code == 0, completed.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "earlier=1" and lines[1].startswith("result=") and len(lines) == 2
    decoded = json.loads(base64.b64decode(lines[1].split("=", 1)[1]))
    assert decoded == json.loads(completed.stdout)
    assert decoded["status"] == "pass" and sum(t["score"] for t in decoded["tests"]) == decoded["max_score"] == 16
