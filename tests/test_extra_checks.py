"""Instructor-private checks (``--extra-checks DIR``): graded like built-in ones, counted in the score,
reported under their origin, their text hidden from learners unless the instructor shows it, and
never readable by the learner's code.

Exercise 04 (plain data, fast) carries two private checks: one the reference passes, one it fails
on purpose with a message holding an expected value a learner must never see (``SECRET-999``).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from support import solution_source

EXERCISE_FILE = "exercise_04_parameter_counts.py"
BATCHNORM = '''def batchnorm_params(channels):
    """gamma and beta are trained; the moving mean and variance are not."""
    return (2 * channels, 2 * channels)'''

CHECKS = '''"""Private checks for exercise 04."""

from grader.checking import check, expect


@check(points=3)
def test_batchnorm_for_256_channels(learner):
    found = learner.batchnorm_params(256)
    expect(tuple(found) == (512, 512), "wrong_256", found=found)


@check(points=2)
def test_the_secret_rule(learner):
    found = learner.batchnorm_params(1)
    expect(found == "never", "secret_rule", found=found, expected="SECRET-999")
'''
MESSAGES = {
    "checks": {
        "batchnorm_for_256_channels": {"title": "Batch normalisation for 256 channels", "hint": ["Two per channel."]},
        "the_secret_rule": {"title": "The secret rule", "hint": ["SECRET-HINT"]},
    },
    "messages": {"wrong_256": "Found {found}.", "secret_rule": "Expected {expected}, found {found}."},
}


@pytest.fixture(scope="module")
def extra(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("private") / "checks"
    home = folder / "exercise_04_parameter_counts"
    (home / "messages").mkdir(parents=True)
    (home / "checks.py").write_text(CHECKS, encoding="utf-8")
    (home / "messages" / "en.json").write_text(json.dumps(MESSAGES), encoding="utf-8")
    (folder / "answers.txt").write_text("the instructor's notes beside the checks\n", encoding="utf-8")
    return folder


def _grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True, timeout=300)


def test_private_checks_count_toward_the_score_under_their_origin(extra, tmp_path):
    (tmp_path / EXERCISE_FILE).write_text(solution_source("exercise-04"), encoding="utf-8")
    completed = _grade("exercise-04", "--submission", str(tmp_path), "--extra-checks", str(extra), "--format", "json")
    result = json.loads(completed.stdout)
    checks = {check["name"]: check for check in result["checks"]}
    assert checks["instructor:batchnorm_for_256_channels"]["points"] == 3
    assert checks["instructor:the_secret_rule"]["points"] == 0
    assert (result["score"], result["max_score"]) == (16 + 3, 16 + 5)
    assert checks["instructor:the_secret_rule"]["visibility"] == "hidden"
    assert "SECRET-999" in checks["instructor:the_secret_rule"]["message"]  # JSON is the instructor's record


def test_a_hidden_check_shows_the_learner_only_its_result(extra, tmp_path):
    (tmp_path / EXERCISE_FILE).write_text(solution_source("exercise-04"), encoding="utf-8")
    common = ("exercise-04", "--submission", str(tmp_path), "--extra-checks", str(extra), "--verbose")
    hidden = _grade(*common)
    assert "The secret rule" in hidden.stdout and "0/2" in hidden.stdout
    assert "instructor's own checks" in hidden.stdout
    for learner_format in ("gradescope", "classroom"):
        assert "SECRET" not in _grade(*common, "--format", learner_format).stdout, learner_format
    assert "SECRET" not in hidden.stdout
    shown = _grade(*common, "--extra-visibility", "visible")
    assert "SECRET-999" in shown.stdout and "SECRET-HINT" in shown.stdout


@pytest.fixture
def extra_in_checkout(extra):
    """The private folder inside the grader's checkout, which the worker's view otherwise shows."""
    from grader.sandbox.client import GRADER_ROOT

    build = Path(GRADER_ROOT) / "build"  # git-ignored
    build.mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="test-extra-checks-", dir=build))
    shutil.copytree(extra, folder / "checks")
    yield folder / "checks"
    shutil.rmtree(folder)


def test_a_learner_cannot_read_the_private_checks(extra_in_checkout, tmp_path):
    """batchnorm_params answers right only if neither the private checks nor any other file of their
    folder could be read."""
    extra = extra_in_checkout
    secrets = [extra / "exercise_04_parameter_counts" / "checks.py", extra / "answers.txt"]
    spy = f"""def batchnorm_params(channels):
    for path in {list(map(str, secrets))!r}:
        try:
            return open(path).read()[:40]
        except OSError:
            pass
    return (2 * channels, 2 * channels)"""
    (tmp_path / EXERCISE_FILE).write_text(solution_source("exercise-04").replace(BATCHNORM, spy), encoding="utf-8")
    completed = _grade("exercise-04", "--submission", str(tmp_path), "--extra-checks", str(extra), "--format", "json")
    checks = {check["name"]: check for check in json.loads(completed.stdout)["checks"]}
    assert checks["instructor:batchnorm_for_256_channels"]["status"] == "passed", checks


def test_a_batch_with_private_checks_puts_their_points_in_the_gradebook(extra, tmp_path):
    class_dir = tmp_path / "class"
    (class_dir / "ann").mkdir(parents=True)
    (class_dir / "ann" / EXERCISE_FILE).write_text(solution_source("exercise-04"), encoding="utf-8")
    out = tmp_path / "grades"
    completed = _grade("batch", str(class_dir), "--out", str(out), "--extra-checks", str(extra), "--workers", "1")
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0]["exercise-04 (21 pts)"] == "19"  # the points possible are in the header
    checks = list(csv.DictReader(io.StringIO((out / "checks.csv").read_text(encoding="utf-8"))))
    assert {row["check"] for row in checks} >= {"instructor:batchnorm_for_256_channels", "instructor:the_secret_rule"}


def test_a_folder_that_holds_no_checks_is_a_usage_error(tmp_path):
    completed = _grade("exercise-04", "--solutions", "--extra-checks", str(tmp_path))
    assert completed.returncode == 2 and "no exercise_* folders" in completed.stderr
