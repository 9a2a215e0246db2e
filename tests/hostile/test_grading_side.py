"""Hostile inputs aimed at the grading process itself, not the worker (issue #25, items 1 and 2).

The learner's file is read once, as a regular file, without following a link (``grader/submissions/
intake.py``), and a notebook is parsed within stated bounds (``notebook.py``, ``ipython_syntax.py``,
``top_level.py``, ``grader/bounded_json.py``). Each case is graded through the real ``grade``
command (or ``grade batch``, or Gradescope's ``run_autograder``) in a fresh process with a
``timeout=`` far above what the case now takes and far below what it took before; the outcome is
asserted: every one of exercise 04's 9 checks reported, the score, the message, the exit code.
Before these changes each case scored full marks from someone else's file, ran for minutes, or
made the grader exit 3 ("not your fault") — see README.md beside this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import solution_source

from grader.content import solutions_dir

EXERCISE = "exercise-04"
FILE = "exercise_04_parameter_counts"
FULL, CHECKS = 16, 9
ENGLISH = {**os.environ, "KERASDRILL_LANG": "en"}


def _grade(*args: str, cwd: Path, timeout: float = 120) -> tuple[subprocess.CompletedProcess, dict]:
    completed = subprocess.run(
        [sys.executable, "-m", "grader", *args, "--format", "json", "--timeout", "5", "--load-timeout", "20"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENGLISH,
    )
    try:
        report = json.loads(completed.stdout)
    except ValueError:
        raise AssertionError(f"exit {completed.returncode}, no JSON: {completed.stderr[-2000:]}") from None
    return completed, report


def _refused(completed: subprocess.CompletedProcess, report: dict, *words: str) -> None:
    """0 points, every check reported as the learner's refused file, the note naming why, exit 1."""
    assert completed.returncode == 1, (completed.returncode, completed.stderr[-2000:])
    assert report["score"] == 0 and report["max_score"] == FULL, report
    assert len(report["checks"]) == CHECKS
    for check in report["checks"]:
        assert check["status"] == "failed" and check["attempted"], check
        assert check["message_id"] in ("engine.refused_file", "engine.unreadable"), check
        assert all(word in check["message"] for word in words), (words, check["message"])


def _full(completed: subprocess.CompletedProcess, report: dict) -> None:
    assert completed.returncode == 0, (completed.returncode, completed.stderr[-2000:])
    assert report["score"] == FULL and len(report["checks"]) == CHECKS, report


@pytest.fixture()
def work(tmp_path):
    (tmp_path / "cwd").mkdir()
    return tmp_path


# ----------------------------------------------------------------------------- one intake: links, FIFOs, size


def test_a_link_to_a_classmates_file_scores_0_with_a_note(work):
    classmate = work / "classmate"
    classmate.mkdir()
    (classmate / f"{FILE}.py").write_text(solution_source(EXERCISE))
    mine = work / "me"
    mine.mkdir()
    (mine / f"{FILE}.py").symlink_to(classmate / f"{FILE}.py")
    _refused(*_grade(EXERCISE, "--submission", str(mine / f"{FILE}.py"), cwd=work / "cwd"), "link", "classmate")


def test_a_link_to_the_installed_reference_solution_scores_0(work):
    (work / f"{FILE}.py").symlink_to(solutions_dir() / f"{FILE}.py")
    _refused(*_grade(EXERCISE, "--workspace", str(work), cwd=work / "cwd"), "link", "Hand in the file itself")


def test_a_link_to_a_text_file_is_the_learners_note_not_exit_3(work):
    (work / "notes.txt").write_text("my notes\n")
    (work / f"{FILE}.py").symlink_to(work / "notes.txt")
    _refused(*_grade(EXERCISE, "--submission", str(work / f"{FILE}.py"), cwd=work / "cwd"), "notes.txt")


def test_a_link_to_proc_pagemap_is_never_read(work):
    (work / f"{FILE}.py").symlink_to("/proc/self/pagemap")  # 256 GiB to hash or copy, had it been followed
    _refused(*_grade(EXERCISE, "--workspace", str(work), cwd=work / "cwd", timeout=60), "/proc/self/pagemap")


def test_a_fifo_is_never_opened_for_reading(work):
    os.mkfifo(work / f"{FILE}.py")  # opening it to read would wait for a writer for ever
    _refused(*_grade(EXERCISE, "--workspace", str(work), cwd=work / "cwd", timeout=60), "named pipe")


def test_an_oversize_file_is_refused_with_its_size(work):
    (work / f"{FILE}.py").write_text(solution_source(EXERCISE) + "#" * (1024 * 1024) + "\n")
    _refused(*_grade(EXERCISE, "--workspace", str(work), cwd=work / "cwd"), "it is 1.00 MB, more than the 1 MB")


def test_a_workspace_whose_exercises_folder_is_a_link_scores_0(work):
    classmate = work / "classmate" / "exercises"
    classmate.mkdir(parents=True)
    (classmate / f"{FILE}.py").write_text(solution_source(EXERCISE))
    (work / "me").mkdir()
    (work / "me" / "exercises").symlink_to(classmate)
    _refused(*_grade(EXERCISE, "--workspace", str(work / "me"), cwd=work / "cwd"), "folder", "link")


def test_grade_list_and_hint_never_follow_a_link_either(work):
    (work / "exercises").mkdir()
    (work / "exercises" / f"{FILE}.py").symlink_to(solutions_dir() / f"{FILE}.py")
    listing = subprocess.run(
        [sys.executable, "-m", "grader", "list"], cwd=work, capture_output=True, text=True, timeout=60, env=ENGLISH
    )
    assert listing.returncode == 0, listing.stderr[-2000:]
    hint = subprocess.run(
        [sys.executable, "-m", "grader", "hint", "04"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        env=ENGLISH,
    )
    assert f"0/{FULL}" in hint.stdout and "no hint needed" not in hint.stdout, hint.stdout  # before: 16/16


def test_a_batch_gives_a_linked_file_and_a_linked_folder_0_and_leaves_the_classmate_unchanged(work):
    klass = work / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / f"{FILE}.py").write_text(solution_source(EXERCISE))
    (klass / "bob").mkdir()
    (klass / "bob" / f"{FILE}.py").symlink_to(klass / "alice" / f"{FILE}.py")
    (klass / "carol").symlink_to(klass / "alice")  # a whole learner folder that is a link
    out = work / "grades"
    completed = subprocess.run(
        [sys.executable, "-m", "grader", "batch", str(klass), "--out", str(out), "-e", "04", "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    rows = {learner["learner"]: learner for learner in results["learners"]}
    assert set(rows) == {"alice", "bob", "carol"}
    alice = rows["alice"]["exercises"][0]
    assert alice["score"] == FULL, alice
    for who in ("bob", "carol"):
        graded = rows[who]["exercises"][0]
        assert graded["score"] == 0 and len(graded["checks"]) == CHECKS, graded
        assert all(c["message_id"] == "engine.refused_file" and "link" in c["message"] for c in graded["checks"])
        assert rows[who]["files"]["exercise-04"] == "", rows[who]["files"]  # nothing hashed through the link
    assert rows["alice"]["files"]["exercise-04"] != ""


def test_gradescope_never_grades_a_link(work, monkeypatch):
    from grader.integrations.gradescope import CONFIG, run_autograder

    root = work / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "source" / CONFIG).write_text(
        json.dumps({"exercise": EXERCISE, "extra_checks": False, "visibility": "hidden"})
    )
    (root / "submission").mkdir()
    (root / "submission" / "mine.py").symlink_to(solutions_dir() / f"{FILE}.py")
    data = run_autograder(root)
    assert data["score"] == 0 and len(data["tests"]) == CHECKS, data
    assert all("link" in test["output"] for test in data["tests"]), data["tests"][0]


def test_a_refusal_is_in_korean_too(work):
    (work / f"{FILE}.py").symlink_to(solutions_dir() / f"{FILE}.py")
    completed, report = _grade(EXERCISE, "--workspace", str(work), "--lang", "ko", cwd=work / "cwd")
    assert report["score"] == 0 and "링크" in report["checks"][0]["message"], report["checks"][0]


# ----------------------------------------------------------------------------- bounded parsing of notebooks


def _notebook(path: Path, *cells: str, **extra) -> Path:
    data = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
            for source in cells
        ],
    }
    text = json.dumps(data)
    for key, raw in extra.items():  # raw JSON spliced in (what json.dumps cannot write: 100,000 levels)
        text = text[:-1] + f', "{key}": {raw}}}'
    path.write_text(text, encoding="utf-8")
    return path


def _grade_notebook(work: Path, *cells: str, timeout: float = 120, **extra) -> tuple:
    path = _notebook(work / f"{FILE}.ipynb", *cells, **extra)
    return _grade(EXERCISE, "--submission", str(path), cwd=work / "cwd", timeout=timeout)


@pytest.mark.slow  # seconds of whole-class, CI or notebook grading: not in the quick run
def test_forty_thousand_one_line_definitions_are_graded_in_linear_time(work):
    # top_level.select copied the set of defined names, and the set of names that do work, for every
    # statement: 88 s for this notebook before (measured on 2 busy cores), ~15 s now, mostly parsing
    lines = [f"def f{i}(x=c0): return {i}" if i % 2 == 0 else f"c{i} = f{i - 1}(c0)" for i in range(40_000)]
    _full(*_grade_notebook(work, solution_source(EXERCISE), "c0 = 0\n" + "\n".join(lines), timeout=60))


def test_more_cells_than_the_bound_is_the_learners_note(work):
    cells = [solution_source(EXERCISE)] + ["x = 1"] * 10_001
    _refused(*_grade_notebook(work, *cells, timeout=60), "cells", "10,000")


def test_a_line_of_200000_spaces_among_many_magics_is_read_in_linear_time(work):
    # 501 magics: IPython's transformer gives up after 500 rounds and the fallback reads the cell;
    # its regex backtracked on the long line (36 s for 5,000 spaces, cubic)
    cell = "\n".join(["%ls"] * 501 + [" " * 200_000, "x = 1"])
    completed, report = _grade_notebook(work, solution_source(EXERCISE), cell, timeout=60)
    _full(completed, report)


def test_json_nested_100000_deep_is_the_learners_note_not_exit_3(work):
    deep = "[" * 100_000 + "]" * 100_000
    _refused(*_grade_notebook(work, solution_source(EXERCISE), deep_metadata=deep), "nested deeper than 64")


def test_an_expression_of_5000_terms_is_the_learners_note_not_exit_3(work):
    _refused(*_grade_notebook(work, solution_source(EXERCISE), "x = " + " + ".join(["1"] * 5000)), "cell 2", "sum()")


def test_a_5000_digit_execution_count_is_ignored(work):
    path = _notebook(work / f"{FILE}.ipynb", solution_source(EXERCISE))
    text = path.read_text().replace('"execution_count": null', '"execution_count": ' + "9" * 5000)
    path.write_text(text)
    _full(*_grade(EXERCISE, "--submission", str(path), cwd=work / "cwd"))


@settings(max_examples=60, deadline=1000)
@given(st.text(alphabet=" \t%!?=,.a(]*\\", max_size=3000))
def test_the_fallback_ipython_reader_is_linear_and_keeps_the_line_count(line):
    from grader.submissions.ipython_syntax import fallback_transform

    source = "x = 1\n" + line + "\n" + " " * 3000 + line  # (a first line of %% would make it one cell magic)
    out = fallback_transform(source)
    assert len(out.splitlines()) == len(source.splitlines())


# ----------------------------------------------------------------------------- one class, every hostile row at once


GRADE_SCRIPT = str(Path(sys.executable).parent / "grade")
HOSTILE_NAMES = {  # learner folder -> what its name tries (each holds a correct file: it should score full)
    "nl\n::error::pwned": "a GitHub Actions workflow command at the start of a CI log line",
    "osc\x1b]52;c;cHduZWQ=\x07bell": "a terminal escape that writes the clipboard",
    '\t=HYPERLINK("x")': "a spreadsheet formula after LibreOffice trims the tab",
    "<script>alert(1)<\\script>": "HTML in the class report",
    "[link](javascript:x)|cell": "a Markdown link and a table cell break",
}


def test_one_batch_of_every_hostile_row_leaves_the_honest_rows_as_they_were(work):
    """Every hostile folder name and every hostile file kind in one `grade batch`, two workers, a
    `json.py` in the folder it is started from: the honest learners' rows are exactly those of a batch
    of the honest learners alone, the hostile names score what their files earn with their text
    neutralised in every output, the hostile files score 0 with a note, and the whole run is bounded."""
    klass, honest = work / "class", work / "honest"
    for folder in (klass, honest):
        for who in ("alice", "zoe"):
            (folder / who).mkdir(parents=True)
            (folder / who / f"{FILE}.py").write_text(solution_source(EXERCISE))
    (honest / "zoe" / f"{FILE}.py").write_text(solution_source(EXERCISE).replace("return", "return 1 +", 1))
    (klass / "zoe" / f"{FILE}.py").write_text((honest / "zoe" / f"{FILE}.py").read_text())
    for name in HOSTILE_NAMES:
        (klass / name).mkdir()
        (klass / name / f"{FILE}.py").write_text(solution_source(EXERCISE))
    refused = {"bob": "link", "carol": "link", "dave": "named pipe", "erin": "/proc/self/pagemap", "frank": "1 MB"}
    for who in refused:
        if who != "carol":
            (klass / who).mkdir()
    (klass / "bob" / f"{FILE}.py").symlink_to(klass / "alice" / f"{FILE}.py")
    (klass / "carol").symlink_to(klass / "alice")
    os.mkfifo(klass / "dave" / f"{FILE}.py")
    (klass / "erin" / f"{FILE}.py").symlink_to("/proc/self/pagemap")
    (klass / "frank" / f"{FILE}.py").write_text(solution_source(EXERCISE) + "#" * (1024 * 1024) + "\n")
    (klass / "gina").mkdir()
    _notebook(klass / "gina" / f"{FILE}.ipynb", solution_source(EXERCISE), deep="[" * 100_000 + "]" * 100_000)
    (work / "cwd" / "json.py").write_text("raise SystemExit('the working folder was imported')\n")

    def batch(folder: Path, out: Path) -> tuple[subprocess.CompletedProcess, dict]:
        formats = [arg for f in ("json", "gradebook", "checks", "junit", "markdown") for arg in ("--format", f)]
        completed = subprocess.run(  # the installed `grade` script: `python -m` itself would import ./json.py
            [GRADE_SCRIPT, "batch", str(folder), "--out", str(out), "-e", "04", "-j", "2", *formats],
            cwd=work / "cwd",
            capture_output=True,
            text=True,
            timeout=240,  # ~20 s now; a followed pagemap or a quadratic parse ran for many minutes
            env={**ENGLISH, "GITHUB_ACTIONS": "true", "CI": "true"},
        )
        assert completed.returncode == 0, (completed.returncode, completed.stderr[-3000:])
        results = json.loads((out / "results.json").read_text())
        return completed, {row["learner"]: row for row in results["learners"]}

    _, alone = batch(honest, work / "honest-grades")
    completed, rows = batch(klass, work / "grades")

    def verdict(row: dict) -> list:
        graded = row["exercises"][0]
        return [
            graded["score"],
            graded["max_score"],
            [(c["name"], c["status"], c["message"]) for c in graded["checks"]],
        ]

    for who in ("alice", "zoe"):
        assert verdict(rows[who]) == verdict(alone[who]), who
    assert rows["alice"]["exercises"][0]["score"] == FULL and rows["zoe"]["exercises"][0]["score"] < FULL
    for name, why in HOSTILE_NAMES.items():
        assert rows[name]["exercises"][0]["score"] == FULL, why
    for who, word in refused.items():
        graded = rows[who]["exercises"][0]
        assert graded["score"] == 0 and len(graded["checks"]) == CHECKS, (who, graded)
        assert all(word in check["message"] for check in graded["checks"]), (who, graded["checks"][0]["message"])
    gina = rows["gina"]["exercises"][0]
    assert gina["score"] == 0 and len(gina["checks"]) == CHECKS, gina

    # what reaches a terminal or a CI log: no escape, no bell, no workflow command from a learner's name
    for stream in (completed.stdout, completed.stderr):
        assert "\x1b]" not in stream and "\x07" not in stream
        assert not any(line.startswith("::error::pwned") for line in stream.splitlines())
    out = work / "grades"
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8-sig")
        assert "\x1b" not in text and "\x07" not in text, path.name
        assert "<script>" not in text or path.suffix in (".json", ".csv"), path.name  # data, not a page
        if path.suffix == ".csv":
            for cell in (c for line in text.splitlines() for c in line.split(",")):
                assert not cell.lstrip(' \t"').startswith(("=", "+", "-", "@")), (path.name, cell)
        if path.suffix == ".md":
            assert "](javascript:" not in text, path.name
