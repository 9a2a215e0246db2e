"""Model exercises graded in a child of the warm Keras fork server (grader.warm, issue #31 item 1).

The grading process itself never imports TensorFlow; the result is the one an in-process grading
gives; a batch's grading processes share one server; with no server, grading happens in-process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest
from support import solution_source

from grader.content import solutions_dir, stubs_dir
from grader.engine import GradeOptions, grade_exercises
from grader.registry import find_exercise
from grader.submissions import Submission

slow = pytest.mark.slow


def _run(script: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.split("RESULT ", 1)[1])


def _comparable(result) -> dict:
    """The result without its timings, and with Keras's numbering of model names masked: a process counts
    the models it has made (``sequential_32`` here after other tests; a forked child starts at its own)."""
    data = result.to_dict()
    data.pop("duration_s")
    for check in data["checks"]:
        check.pop("duration_s")
    return json.loads(re.sub(r"name=([a-z0-9_]+?)_\d+\b", r"name=\1_N", json.dumps(data)))


@slow
def test_a_model_exercise_is_graded_without_importing_tensorflow_here():
    found = _run(
        """
        import json, sys
        from grader.content import solutions_dir
        from grader.engine import grade_exercises
        from grader.registry import find_exercise
        from grader.submissions import Submission

        exercise = find_exercise("exercise-02")
        run = grade_exercises([(exercise, Submission(solutions_dir() / exercise.file_name, is_reference=True))])
        print("RESULT", json.dumps({"score": run.score, "max": run.max_score,
                                    "imported": sorted(m for m in ("tensorflow", "keras") if m in sys.modules)}))
        """
    )
    assert found == {"score": found["max"], "max": found["max"], "imported": []}


@slow
@pytest.mark.parametrize("kind", ["reference", "stub", "one mistake"])
def test_forked_and_in_process_grading_give_the_same_result(kind, tmp_path):
    exercise = find_exercise("exercise-02")
    if kind == "reference":
        path = solutions_dir() / exercise.file_name
    elif kind == "stub":
        path = stubs_dir() / exercise.file_name
    else:
        path = tmp_path / exercise.file_name
        path.write_text(
            solution_source(exercise.id).replace('activation="relu"', 'activation="tanh"', 1), encoding="utf-8"
        )
    results = [
        grade_exercises([(exercise, Submission(path))], GradeOptions(fork_checks=forked)).exercises[0]
        for forked in (True, False)
    ]
    assert not results[0].error, results[0].error
    assert _comparable(results[0]) == _comparable(results[1])
    if kind == "one mistake":
        assert 0 < results[0].score < results[0].max_score


@slow
def test_with_no_fork_server_the_checks_run_in_this_process():
    found = _run(
        """
        import json, sys
        from grader.sandbox import forkserver
        forkserver.spawn_worker = lambda *args, **kwargs: None  # as if the server could not be started
        from grader.content import solutions_dir
        from grader.engine import grade_exercises
        from grader.registry import find_exercise
        from grader.submissions import Submission

        exercise = find_exercise("exercise-02")
        run = grade_exercises([(exercise, Submission(solutions_dir() / exercise.file_name, is_reference=True))])
        print("RESULT", json.dumps({"score": run.score, "max": run.max_score, "error": run.exercises[0].error,
                                    "imported": "tensorflow" in sys.modules}))
        """
    )
    assert found == {"score": found["max"], "max": found["max"], "error": "", "imported": True}


@slow
def test_the_child_that_loads_a_learners_model_has_the_trainers_memory_cap(tmp_path):
    """Issue #25: a learner's model is loaded under the trainer's memory cap, never in the grading process.
    An instructor check (they run where the exercise's checks run) reads the cap of the process it runs in."""
    folder = tmp_path / "extra" / "exercise_02_layer_stack"
    (folder / "messages").mkdir(parents=True)
    (folder / "checks.py").write_text(
        "import resource\n"
        "from grader.checking import check, expect\n"
        "from grader.checking.trainer import TRAINER_MEMORY_MB\n\n"
        "@check(points=1)\n"
        "def test_capped():\n"
        "    soft, _ = resource.getrlimit(resource.RLIMIT_DATA)\n"
        "    expect(soft == TRAINER_MEMORY_MB * 1024 * 1024, 'uncapped', found=soft)\n",
        encoding="utf-8",
    )
    (folder / "messages" / "en.json").write_text(
        json.dumps(
            {
                "checks": {"capped": {"title": "The grading side is capped", "hint": ["-"]}},
                "messages": {"uncapped": "RLIMIT_DATA is {found}"},
            }
        ),
        encoding="utf-8",
    )
    found = _run(
        f"""
        import json
        from grader.content import solutions_dir
        from grader.engine import GradeOptions, grade_exercises
        from grader.registry import find_exercise, use_extra_checks
        from grader.submissions import Submission

        use_extra_checks([{str(tmp_path / "extra")!r}], "visible")
        exercise = find_exercise("exercise-02")
        run = grade_exercises([(exercise, Submission(solutions_dir() / exercise.file_name, is_reference=True))])
        check = next(c for c in run.exercises[0].checks if c.name.endswith("capped"))
        print("RESULT", json.dumps({{"status": check.status, "message": check.message}}))
        """
    )
    assert found["status"] == "passed", found
