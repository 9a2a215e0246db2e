"""A check marked ``trains=True`` runs first and may be settled after the others (issue 31: a model trains
while the exercise's other checks run): the report keeps the order the checks are written in, a late
verdict counts exactly as an immediate one, and no check can lose or skip code by it.

The mechanism is tested with instructor checks on exercise 04 (plain data, fast) that call
:func:`grader.checking.deferred.finish_later` directly and write down when each part runs. That every
built-in ``trains=True`` check ends with the training call is proven from the checks' source.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support import solution_source

from grader.registry import all_exercises

EXERCISE_FILE = "exercise_04_parameter_counts.py"
CHECKS = '''"""Checks that write down when they run."""

from grader.checking import check, fail
from grader.checking.deferred import finish_later

LOG = {log!r}


def log(event):
    with open(LOG, "a", encoding="utf-8") as handle:
        handle.write(event + "\\n")


@check(points=1)
def test_first_written(learner):
    log("plain 1")


@check(points=2, trains=True)
def test_trains_and_passes(learner):
    log("passes: begun")
    finish_later(lambda: log("passes: verdict"), lambda: log("passes: cancelled"))
    log("passes: after the deferral")  # never runs: the check stops where its verdict is deferred


@check(points=3, trains=True)
def test_trains_and_fails(learner):
    log("fails: begun")
    finish_later(lambda: fail("too_weak", found=0.1), lambda: log("fails: cancelled"))


@check(points=4)
def test_not_marked(learner):
    finish_later(lambda: log("unmarked: verdict"), lambda: log("unmarked: cancelled"))
    log("unmarked: after")


@check(points=1)
def test_last_written(learner):
    log("plain 2")
'''
MESSAGES = {
    "checks": {
        name: {"title": name.replace("_", " ").capitalize(), "hint": []}
        for name in ("first_written", "trains_and_passes", "trains_and_fails", "not_marked", "last_written")
    },
    "messages": {"too_weak": "Your model reached {found}."},
}


@pytest.fixture
def graded(tmp_path: Path) -> tuple[dict, list[str]]:
    log = tmp_path / "log.txt"
    home = tmp_path / "private" / "exercise_04_parameter_counts"
    (home / "messages").mkdir(parents=True)
    (home / "checks.py").write_text(CHECKS.format(log=str(log)), encoding="utf-8")
    (home / "messages" / "en.json").write_text(json.dumps(MESSAGES), encoding="utf-8")
    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / EXERCISE_FILE).write_text(solution_source("exercise-04"), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "exercise-04", "--submission", str(learner)]
        + ["--extra-checks", str(tmp_path / "private"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout), log.read_text(encoding="utf-8").splitlines()


def test_checks_that_train_run_first_and_are_settled_after_the_others(graded):
    _, events = graded
    assert events == [
        "passes: begun",
        "fails: begun",
        "plain 1",
        "unmarked: verdict",  # not marked trains=True: finished at once, and the check went on
        "unmarked: after",
        "plain 2",
        "passes: verdict",
    ]


def test_a_late_verdict_is_reported_in_place_and_counts_as_an_immediate_one(graded):
    result, _ = graded
    mine = [check for check in result["checks"] if check["name"].startswith("instructor:")]
    assert [check["name"] for check in mine] == [
        "instructor:first_written",
        "instructor:trains_and_passes",
        "instructor:trains_and_fails",
        "instructor:not_marked",
        "instructor:last_written",
    ]
    assert [(check["status"], check["points"], check["max_points"]) for check in mine] == [
        ("passed", 1, 1),
        ("passed", 2, 2),
        ("failed", 0, 3),
        ("passed", 4, 4),
        ("passed", 1, 1),
    ]
    assert mine[2]["message"] == "Your model reached 0.1."
    assert not any(check["internal"] for check in result["checks"])
    assert (result["score"], result["max_score"]) == (16 + 8, 16 + 11)


def _ends_with_training(body: list[ast.stmt]) -> bool:
    """Whether every path through ``body`` that reaches its end does so by calling ``fit_and_score``
    (an ``if`` whose branch returns early is allowed; that branch does not train here)."""
    last = body[-1]
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        return getattr(last.value.func, "id", getattr(last.value.func, "attr", "")) == "fit_and_score"
    if isinstance(last, ast.If):
        return _ends_with_training(last.body) and bool(last.orelse) and _ends_with_training(last.orelse)
    return False


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda exercise: exercise.id)
def test_every_check_marked_trains_ends_with_its_training(exercise):
    tree = ast.parse((exercise.directory / "checks.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        marked = any(
            isinstance(decorator, ast.Call)
            and any(kw.arg == "trains" and getattr(kw.value, "value", False) for kw in decorator.keywords)
            for decorator in node.decorator_list
        )
        if marked:
            assert _ends_with_training(node.body), f"{node.name}: code after fit_and_score would never run"
