"""Which exercises exist: one folder per exercise under ``grader/exercises/``.

An exercise folder is named ``exercise_NN_<slug>`` and holds:

* ``exercise.json``: ``{"number": 5, "slug": "cnn-shapes", "needs_tf": false}``
  (optional ``call_timeout`` and ``load_timeout`` in seconds);
* ``checks.py``: the hidden pytest checks;
* ``messages/<lang>.json``: title, check titles, hints and failure messages.

The stub ``exercises/<module>.py`` and the solution ``solutions/<module>.py``
are found by the same derived name. Adding an exercise means adding these
files; nothing here changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

EXERCISES_DIR = Path(__file__).resolve().parent / "exercises"


class UnknownExercise(LookupError):
    """No exercise matches the name the user gave."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course."""

    number: int
    slug: str
    needs_tf: bool = False
    call_timeout: float = 10.0
    load_timeout: float = 30.0

    @property
    def id(self) -> str:
        """Stable id, e.g. ``exercise-05``."""
        return f"exercise-{self.number:02d}"

    @property
    def module_name(self) -> str:
        """``exercise_05_cnn_shapes``: the stub's, solution's and check folder's name."""
        return f"exercise_{self.number:02d}_{self.slug.replace('-', '_')}"

    @property
    def file_name(self) -> str:
        return f"{self.module_name}.py"

    @property
    def directory(self) -> Path:
        return EXERCISES_DIR / self.module_name

    @property
    def checks_path(self) -> Path:
        return self.directory / "checks.py"

    def title(self, language: str = "en") -> str:
        from grader.messages import catalogue_for

        return catalogue_for(self, language).title()

    def names(self) -> set[str]:
        """Every spelling ``grade`` accepts for this exercise."""
        return {self.id, f"{self.number:02d}", str(self.number), self.slug, self.module_name, self.file_name}


@lru_cache(maxsize=1)
def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, in course order."""
    found = []
    for meta_path in sorted(EXERCISES_DIR.glob("exercise_*/exercise.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        exercise = Exercise(
            number=int(meta["number"]),
            slug=str(meta["slug"]),
            needs_tf=bool(meta.get("needs_tf", False)),
            call_timeout=float(meta.get("call_timeout", Exercise.call_timeout)),
            load_timeout=float(meta.get("load_timeout", Exercise.load_timeout)),
        )
        if exercise.module_name != meta_path.parent.name:
            raise ValueError(f"{meta_path}: folder should be named {exercise.module_name}")
        found.append(exercise)
    return tuple(sorted(found, key=lambda e: e.number))


def find_exercise(name: str) -> Exercise:
    """Look an exercise up by ``exercise-05``, ``05``, ``5``, its slug or its file name."""
    wanted = name.strip().lower()
    if wanted.endswith((".py", ".ipynb")):
        wanted = Path(wanted).name
    if re.fullmatch(r"(exercise[-_]?)?0*\d+", wanted):
        wanted = str(int(re.sub(r"\D", "", wanted)))
    for exercise in all_exercises():
        if wanted in {n.lower() for n in exercise.names()} or wanted == exercise.slug.replace("-", "_"):
            return exercise
        if wanted == f"{exercise.module_name}.ipynb":
            return exercise
    raise UnknownExercise(name)
