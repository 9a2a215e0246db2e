"""GitHub Actions workflows (``grade ci github``): Classroom grading in each learner's repository, or
a whole class folder graded in matrix shards and merged.

Both carry the kerasdrill wheel in ``.github/kerasdrill/`` (GitHub's runners cannot install
kerasdrill by name) and install it with setup-python's pip cache, keyed on the wheel itself.

The Classroom workflow has the trigger, guard and permissions GitHub Classroom itself generates
(``on: [push, repository_dispatch]``, skip ``github-classroom[bot]``, ``checks: write`` for the
reporter's notices). One step grades with ``grade all --verbose --github-output`` (in the
workflow's language, ``--lang``): its log holds each exercise's full report (what failed, why,
a hint), the reporter reads the base64 result from ``$KERASDRILL_RESULTS`` (each failing check's
message in the ``test_code`` it prints), the job summary gets the score table and every failing
check's message, and the JUnit XML is uploaded as an artifact. Step names are in the workflow's
language too: learners read them on the Actions page. The learner's points agree both ways the
reporter counts them: its notice sums the tests' scores, its table takes passed/total x
max_score; the classroom writer gives every test one point, so the two are the same number.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from grader.messages import Catalogue, catalogue_for
from grader.registry import Exercise

WHEEL_DIR = ".github/kerasdrill"
PYTHON_VERSION = "3.11"
STEP_ID = "kerasdrill"  # the reporter reads ${STEP_ID.upper()}_RESULTS
CLASSROOM_WORKFLOW = ".github/workflows/classroom.yml"
CLASS_WORKFLOW = ".github/workflows/kerasdrill-class.yml"


def _name(catalogue: Catalogue, key: str) -> str:
    """A step's name in the catalogue's language, quoted (YAML reads a double-quoted JSON string as is)."""
    return json.dumps(catalogue.render(key), ensure_ascii=False)


def _setup_steps(indent: str, catalogue: Catalogue | None = None) -> str:
    catalogue = catalogue or catalogue_for(None)
    steps = f"""- name: {_name(catalogue, "ci.step_checkout")}
  uses: actions/checkout@v4
- name: {_name(catalogue, "ci.step_python")}
  uses: actions/setup-python@v5
  with:
    python-version: '{PYTHON_VERSION}'
    cache: pip
    cache-dependency-path: {WHEEL_DIR}/*.whl
- name: {_name(catalogue, "ci.step_install")}
  run: python -m pip install --disable-pip-version-check {WHEEL_DIR}/kerasdrill-*.whl
"""
    return "".join(indent + line if line.strip() else line for line in steps.splitlines(keepends=True))


def classroom_workflow(exercises: list[Exercise] | None = None, language: str = "en") -> str:
    """The learner repository's ``classroom.yml``: grade ``exercises`` (default: all) on every push,
    learners reading the reports and step names in ``language``."""
    catalogue = catalogue_for(None, language)
    chosen = "".join(f" -e {exercise.id}" for exercise in exercises or [])
    lang = "" if language == "en" else f" --lang {language}"
    return f"""# {catalogue.render("ci.workflow_comment")}
name: Autograding Tests
'on': [push, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 30
    steps:
{_setup_steps("      ", catalogue)}      - name: {_name(catalogue, "ci.step_grade")}
        id: {STEP_ID}
        run: >-
          grade all{chosen}{lang} --verbose
          --junit-xml kerasdrill-junit.xml --github-output --fail-under 0
      - name: {_name(catalogue, "ci.step_junit")}
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: kerasdrill-junit
          path: kerasdrill-junit.xml
      - name: {_name(catalogue, "ci.step_reporter")}
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          {STEP_ID.upper()}_RESULTS: "${{{{steps.{STEP_ID}.outputs.result}}}}"
        with:
          runners: {STEP_ID}
"""


def class_workflow(shards: int, class_dir: str = "class", exercises: list[Exercise] | None = None) -> str:
    """An instructor repository's workflow: ``class_dir`` graded in ``shards`` matrix jobs, then merged."""
    if not 1 <= shards <= 256:
        raise ValueError("a GitHub matrix runs 1 to 256 jobs")
    chosen = "".join(f" -e {exercise.id}" for exercise in exercises or [])
    matrix = ", ".join(str(k) for k in range(1, shards + 1))
    return f"""# Made by `grade ci github --matrix {shards}`: {class_dir}/ graded in {shards} shards, then merged.
name: Grade the class
'on': [workflow_dispatch]
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 90
    strategy:
      fail-fast: false
      matrix:
        shard: [{matrix}]
    steps:
{_setup_steps("      ")}      - name: Grade shard ${{{{ matrix.shard }}}} of {shards}
        run: >-
          grade batch {class_dir}{chosen} --shard ${{{{ matrix.shard }}}}/{shards}
          --out grades-${{{{ matrix.shard }}}} --format json
      - name: Upload the shard's results
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grades-${{{{ matrix.shard }}}}
          path: grades-${{{{ matrix.shard }}}}
  merge:
    needs: grade
    if: always()
    runs-on: ubuntu-latest
    steps:
{_setup_steps("      ")}      - name: Download the shards' results
        uses: actions/download-artifact@v4
        with:
          pattern: grades-*
          path: parts
      - name: Merge
        run: >-
          grade merge parts/grades-* --out grades
          --format gradebook --format checks --format json --format junit --format markdown
      - name: Summary
        if: always()
        run: cat grades/summary.md >> "$GITHUB_STEP_SUMMARY"
      - name: Upload the gradebook
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: gradebook
          path: grades
"""


def write_workflow(
    out: str | os.PathLike = ".",
    *,
    exercises: list[Exercise] | None = None,
    matrix: int | None = None,
    class_dir: str = "class",
    wheel: str | os.PathLike | None = None,
    language: str = "en",
) -> list[Path]:
    """Write the workflow (Classroom's, or with ``matrix`` the sharded class's) and the wheel into the
    repository folder ``out``; the paths written. ``language``: what Classroom's learners read."""
    from grader.integrations.wheel import kerasdrill_wheel

    root = Path(out)
    if matrix is None:
        path, text = root / CLASSROOM_WORKFLOW, classroom_workflow(exercises, language)
    else:
        path, text = root / CLASS_WORKFLOW, class_workflow(matrix, class_dir, exercises)
    for old in (root / WHEEL_DIR).glob("kerasdrill-*.whl"):
        old.unlink()  # one wheel only: the install step names them by pattern
    built = kerasdrill_wheel(root / WHEEL_DIR, wheel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [path, built]
