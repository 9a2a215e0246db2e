"""The learner's last score per exercise, for ``grade list``.

Kept in ``<workspace>/.kerasdrill/progress.json``. It is a convenience for
self-study, not a gradebook: anything on the learner's machine can edit it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.registry import Exercise
from grader.results import ExerciseResult

PROGRESS_FILE = Path(".kerasdrill") / "progress.json"


def progress_path(workspace: str | os.PathLike | None = None) -> Path:
    return Path(workspace if workspace is not None else Path.cwd()) / PROGRESS_FILE


def load_progress(workspace: str | os.PathLike | None = None) -> dict[str, dict]:
    """``{"exercise-05": {"score": 6, "max_score": 20, "graded_at": ...}}``; empty if none."""
    try:
        data = json.loads(progress_path(workspace).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_progress(result: ExerciseResult, workspace: str | os.PathLike | None = None) -> None:
    """Remember ``result``'s score; never fails the grading if the folder is read-only."""
    path = progress_path(workspace)
    data = load_progress(workspace)
    data[result.exercise] = {
        "score": result.score,
        "max_score": result.max_score,
        "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def progress_rows(exercises: Iterable[Exercise], workspace: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """One row per exercise for ``grade list``: id, slug, title, needs_tf and the last score (or ``None``)."""
    from grader.messages import catalogue_for

    progress = load_progress(workspace)
    rows = []
    for exercise in exercises:
        last = progress.get(exercise.id) or {}
        rows.append(
            {
                "exercise": exercise.id,
                "slug": exercise.slug,
                "title": catalogue_for(exercise).title(),
                "needs_tf": exercise.needs_tf,
                "last_score": last.get("score"),
                "last_max_score": last.get("max_score"),
            }
        )
    return rows
