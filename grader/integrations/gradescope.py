"""A Gradescope autograder for one exercise: the bundle (``grade ci gradescope``) and what it runs.

The zip has ``setup.sh`` and ``run_autograder`` at its root, as Gradescope requires, with the
kerasdrill wheel it was made from, ``kerasdrill.json`` (the exercise and the visibility of the
instructor's checks), the instructor's ``extra_checks/`` if any, and a README for the instructor.

``setup.sh`` (run once, as root, when Gradescope builds the image) puts kerasdrill into its own
venv, so the system ``python3`` Gradescope's harness uses is never touched. ``run_autograder``
(once per submission) calls :func:`run_autograder`: it writes a results.json that scores 0 and
says grading did not finish *before* it grades, so a container killed at its memory or time
limit still shows the learner something; then it grades the one ``.py`` or ``.ipynb`` file in
``/autograder/submission`` (whatever its name) and writes the real results. Learner code runs in
kerasdrill's sandboxed worker, which drops to an unprivileged uid when run as root, as here.
``KERASDRILL_AUTOGRADER_ROOT`` replaces ``/autograder`` (the tests use a temporary folder).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import traceback
import zipfile
from pathlib import Path

from grader.registry import Exercise

ROOT_VARIABLE = "KERASDRILL_AUTOGRADER_ROOT"
CONFIG = "kerasdrill.json"
EXTRA = "extra_checks"
SKIPPED_PARTS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# kerasdrill goes into a venv of its own: Gradescope's harness needs the system python3 as it is.
set -euo pipefail
ROOT="${KERASDRILL_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${KERASDRILL_PYTHON:-python3}"
if ! "$PYTHON" -c "import ensurepip, venv" 2>/dev/null && command -v apt-get >/dev/null; then
    apt-get install -y python3-venv python3-pip  # Ubuntu's python3 has no venv support without it
fi
# KERASDRILL_VENV_FLAGS: e.g. --system-site-packages, to reuse installed TensorFlow (the self-tests do)
"$PYTHON" -m venv ${KERASDRILL_VENV_FLAGS:-} "$ROOT/kerasdrill-venv"
"$ROOT/kerasdrill-venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ROOT"/source/kerasdrill-*.whl
"$ROOT/kerasdrill-venv/bin/grade" --version
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. It always leaves a results.json, even when grading fails.
ROOT="${KERASDRILL_AUTOGRADER_ROOT:-/autograder}"
export KERASDRILL_AUTOGRADER_ROOT="$ROOT"
cd "$ROOT"
exec "$ROOT/kerasdrill-venv/bin/grade" ci run-gradescope --root "$ROOT"
"""

README = """# kerasdrill autograder for {exercise} ({title})

Made by `grade ci gradescope` (kerasdrill {version}). Upload this zip as a Gradescope
"Zip file upload" autograder; learners submit one `.py` or `.ipynb` file (any name).

* **Raise the memory to 2 GB or more** (Autograder Settings; the default 768 MB kills TensorFlow,
  which alone needs ~650 MB) and leave at least 0.5 vCPU and a 10-minute timeout.
* Instructor checks: {extra}; learners see {visibility}.
* The autograder's stdout (instructor-only on Gradescope) holds the full results, hidden checks included.
* Learner code runs in kerasdrill's sandbox, which drops to an unprivileged user (Gradescope runs
  the autograder as root) and cannot see `/autograder/source` or `/autograder/results`.
"""


def bundle(
    exercise: Exercise,
    out: str | os.PathLike,
    *,
    extra_checks: str | os.PathLike | None = None,
    visibility: str = "hidden",
    wheel: str | os.PathLike | None = None,
    language: str = "en",
) -> Path:
    """Write the autograder zip for ``exercise`` to ``out`` and return its path; learners read its
    results in ``language``."""
    import grader
    from grader.integrations.wheel import kerasdrill_wheel

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "exercise": exercise.id,
        "extra_checks": extra_checks is not None,
        "visibility": visibility,
        "language": language,
    }
    readme = README.format(
        exercise=exercise.id,
        title=exercise.slug,
        version=grader.__version__,
        extra=f"`{EXTRA}/` (from {Path(extra_checks).name})" if extra_checks else "none",
        visibility="only their status and points" if visibility == "hidden" else "their full messages",
    )
    with tempfile.TemporaryDirectory(prefix="kerasdrill-bundle-") as temp:
        built = kerasdrill_wheel(temp, wheel)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            _add(archive, "setup.sh", SETUP_SH, executable=True)
            _add(archive, "run_autograder", RUN_AUTOGRADER, executable=True)
            _add(archive, CONFIG, json.dumps(config, indent=2) + "\n")
            _add(archive, "README.md", readme)
            archive.write(built, built.name)
            if extra_checks is not None:
                for path in sorted(Path(extra_checks).rglob("*")):
                    if path.is_file() and not SKIPPED_PARTS & set(path.parts):
                        archive.write(path, f"{EXTRA}/{path.relative_to(extra_checks).as_posix()}")
    return out


def _add(archive: zipfile.ZipFile, name: str, text: str, *, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 2, 2, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


# ----------------------------------------------------------------------------- at Gradescope, per submission


def run_autograder(root: str | os.PathLike | None = None) -> dict:
    """Grade ``root/submission`` (default root: ``$KERASDRILL_AUTOGRADER_ROOT`` or ``/autograder``) and
    write ``root/results/results.json``; returns what was written. Never raises."""
    root = Path(root or os.environ.get(ROOT_VARIABLE) or "/autograder")
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    try:
        config = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
        from grader.registry import find_exercise, use_extra_checks

        use_extra_checks([root / "source" / EXTRA] if config.get("extra_checks") else [], config["visibility"])
        exercise = find_exercise(config["exercise"])
    except Exception:  # noqa: BLE001 - a broken bundle: the learner sees a clear line, the instructor why
        print(traceback.format_exc())
        return _write(results, _stopped(None, "The autograder is not set up correctly; your instructor can see why."))
    _write(results, _stopped(exercise))  # what a killed container leaves: 0 points and why
    try:
        data = _grade(root, exercise, config)
    except Exception:  # noqa: BLE001 - a fault of ours: never a learner's 0 without a word
        print(traceback.format_exc())
        data = _stopped(exercise, "The autograder itself failed while grading; your instructor can see why.")
    return _write(results, data)


def _grade(root: Path, exercise: Exercise, config: dict) -> dict:
    from grader.engine import GradeOptions, grade_exercises
    from grader.messages import catalogue_for
    from grader.outputs import WRITERS, WriteContext
    from grader.outputs.sanitize import json_text
    from grader.submissions import Submission

    submission = find_submission(root / "submission", exercise)
    if submission is None:
        wanted = f"{exercise.file_name} (or a .ipynb notebook)"
        return _stopped(exercise, f"No .py or .ipynb file was found in your submission: upload {wanted}.")
    hidden = (str(root / "source"), str(root / "results"))  # the checks' copies and the results stay out of view
    language = str(config.get("language") or "en")
    located = Submission(submission, root=root / "submission")  # read once, no link below the folder followed
    run = grade_exercises([(exercise, located)], GradeOptions(hidden=hidden, language=language))
    print(json_text(json.dumps(run.to_dict(), ensure_ascii=False, indent=2)))  # stdout: the instructor's full view
    return json.loads(WRITERS["gradescope"].render(run, WriteContext(catalogue=catalogue_for(None, language))))


def find_submission(folder: Path, exercise: Exercise) -> Path | None:
    """The learner's file in ``folder``: the only ``.py``/``.ipynb``, else the one named like the
    exercise (``exercise_05_cnn_shapes``, ``exercise-05``, ``05``), else the newest.

    Nothing is followed: linked folders are not searched, and a link, FIFO or device with such a
    name is a candidate like a file (the intake then refuses it with a note: the learner sees why)."""
    found = []
    for top, folders, files in os.walk(folder):  # os.walk never descends into a linked folder
        folders[:] = sorted(f for f in folders if f not in SKIPPED_PARTS and not f.startswith("."))
        for name in files:
            path = Path(top) / name
            if path.suffix.lower() in (".py", ".ipynb") and not name.startswith(".") and not SKIPPED_PARTS & {name}:
                found.append(path)
    candidates = sorted(found)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None

    def changed(path: Path) -> float:
        return path.lstat().st_mtime

    marks = (exercise.module_name, exercise.id, exercise.id.replace("-", "_"), f"{exercise.number:02d}")
    for mark in marks:
        named = [path for path in candidates if mark in path.stem.lower()]
        if named:
            return max(named, key=changed)
    return max(candidates, key=changed)


def _stopped(exercise: Exercise | None, why: str = "") -> dict:
    """0 points with ``why`` (default: grading did not finish), every check listed."""
    why = why or (
        "Grading did not finish: the autograder was stopped (most likely a time or memory limit). "
        "Every check below counts 0 until it does; submit again, or ask your instructor."
    )
    tests = []
    if exercise is not None:
        for index, (name, points) in enumerate(exercise.declared_checks(), start=1):
            tests.append(
                {
                    "name": f"{exercise.id} · {name}",
                    "number": f"{exercise.number}.{index}",
                    "score": 0,
                    "max_score": points,
                    "status": "failed",
                    "output": why,
                    "visibility": "visible",
                }
            )
    return {"score": 0, "output": why, "output_format": "text", "stdout_visibility": "hidden", "tests": tests}


def _write(path: Path, data: dict) -> dict:
    """Write atomically: Gradescope must never read half a file."""
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)
    return data
