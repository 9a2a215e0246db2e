"""Engine guarantees: no TensorFlow for plain-data exercises, determinism, isolation of the checker."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import describe, grade_source, solution_source

from grader.engine import GradeOptions
from grader.sandbox.client import WorkerClient

PLAIN_DATA = ["exercise-01", "exercise-03", "exercise-04", "exercise-05", "exercise-06", "exercise-07", "exercise-13"]

REPORT_MODULES = """

def _heavy_modules():
    import sys
    return sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "sklearn", "torch", "jax"))
"""


@pytest.mark.parametrize("exercise", PLAIN_DATA)
def test_grading_plain_data_exercises_never_imports_tensorflow_in_the_checker(exercise):
    code = (
        "import sys\n"
        "from grader import find_exercise, locate_submission, grade_exercise\n"
        f"e = find_exercise({exercise!r})\n"
        "r = grade_exercise(e, locate_submission(e, solutions=True))\n"
        "assert r.passed, r.to_dict()\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'sklearn')]\n"
        "assert not heavy, heavy\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]


@pytest.mark.parametrize("exercise", PLAIN_DATA)
def test_the_worker_running_a_plain_data_solution_never_imports_tensorflow(exercise, tmp_path):
    from grader.registry import find_exercise

    path = tmp_path / "submission.py"
    path.write_text(solution_source(exercise) + REPORT_MODULES)
    with WorkerClient(path, tmp_path / "session") as client:
        client.ensure_loaded()
        for name in client.ensure_loaded()["functions"]:
            if name == "output_shapes":
                client.call(name, ((28, 28, 1), [{"type": "flatten"}]))
            elif name in ("flatten_params", "pooling_params"):
                client.call(name)
        reply = client.call("_heavy_modules")
    assert reply["ok"] and reply["value"] == [], reply
    assert find_exercise(exercise).needs_tf is False


def test_same_submission_same_score_and_messages(tmp_path):
    source = solution_source("exercise-05").replace("return math.ceil(size / strides)", "return size // strides")
    first = grade_source("exercise-05", source, tmp_path)
    second = grade_source("exercise-05", source, tmp_path)
    assert [(c.name, c.status, c.message) for c in first.checks] == [
        (c.name, c.status, c.message) for c in second.checks
    ]


def test_another_seed_draws_other_inputs_but_the_same_verdict(tmp_path):
    source = solution_source("exercise-05").replace("return math.ceil(size / strides)", "return size // strides")
    first = grade_source("exercise-05", source, tmp_path)
    other = grade_source("exercise-05", source, tmp_path, options=GradeOptions(seed=1))
    assert first.score == other.score, describe(other)
    assert [c.message for c in first.checks if not c.passed] != [c.message for c in other.checks if not c.passed]


def test_learner_monkeypatching_in_the_worker_cannot_touch_the_verdict(tmp_path):
    source = solution_source("exercise-04").replace(
        '"""Weights (n_inputs * units) plus one bias per neuron."""',
        '"""x"""\n    import grader.checking.plugin, grader.checking, pytest\n'
        "    grader.checking.fail = lambda *a, **k: None\n"
        "    pytest.fail = lambda *a, **k: None\n"
        "    return -1",
    )
    result = grade_source("exercise-04", source, tmp_path)
    failed = {c.name for c in result.checks if not c.passed}
    assert {"dense_with_bias", "dense_without_bias", "mlp_random_stacks", "course_examples"} <= failed, describe(result)


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_model_workers_survive_a_dead_fork_server(tmp_path):
    from grader.sandbox import forkserver

    first = grade_source("exercise-11", solution_source("exercise-11"), tmp_path)
    assert first.passed, describe(first)
    server = forkserver._servers.get(forkserver.KERAS)
    assert server is not None and server.alive(), "model exercises should fork their worker from the warm server"
    server.process.kill()
    server.process.wait()
    second = grade_source("exercise-11", solution_source("exercise-11"), tmp_path)
    assert second.passed, describe(second)


def test_a_result_finds_its_checks_by_name():
    from grader.results import CheckResult, ExerciseResult

    result = ExerciseResult(
        "exercise-04",
        "parameter-counts",
        "Parameter counts",
        "x.py",
        checks=[
            CheckResult("dense", "Dense", "passed", 2, 2),
            CheckResult("conv", "Conv", "failed", 0, 3, message="off by one"),
        ],
    )
    assert result.check("conv").message == "off by one" and result.check("dense").passed
    with pytest.raises(KeyError, match="dense"):
        result.check("missing")
