"""Which exercises exist: one folder per exercise in each root (the package's own ``grader/exercises/`` first).

An exercise folder is named ``exercise_NN_<slug>`` and holds:

* ``exercise.json``: ``{"number": 5, "slug": "cnn-shapes", "needs_tf": false}``
  (optional ``call_timeout`` and ``load_timeout`` in seconds);
* ``checks.py``: the hidden pytest checks;
* ``messages/<lang>.json``: title, check titles, hints and failure messages.

The stub ``exercises/<module>.py`` and the solution ``solutions/<module>.py``
are found by the same derived name. Adding an exercise means adding these
files; nothing here changes. Another root (an instructor's folder, later
``--extra-checks``) may add exercises or add checks to existing ones: see
:func:`load_exercises`.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

EXERCISES_DIR = Path(__file__).resolve().parent / "exercises"
BUILTIN = "kerasdrill"  # the origin of the package's own exercises and checks


class UnknownExercise(LookupError):
    """No exercise matches the name the user gave."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class RegistryError(ValueError):
    """A root's folders do not make a consistent course (a clash, or checks for no exercise)."""


#: How much of a check's outcome its learner sees: ``visible``, everything; ``hidden``, only
#: passed/failed and points (an instructor's private checks; the full text is in instructor outputs).
VISIBILITIES = ("visible", "hidden")


@dataclass(frozen=True)
class Root:
    """A folder of exercise folders, the origin its checks are reported under, and their visibility."""

    path: Path
    origin: str = BUILTIN
    visibility: str = "visible"


ROOTS: tuple[Root, ...] = (Root(EXERCISES_DIR),)
_extra_roots: tuple[Root, ...] = ()


def use_extra_checks(folders: Iterable[str | os.PathLike], visibility: str = "hidden") -> tuple[Root, ...]:
    """Add instructor check folders (each laid out like ``grader/exercises/``) to every lookup in
    this process; their checks are reported as ``instructor:<name>`` (``instructor2:`` ... for more
    folders). Replaces any folders added before. Raises :class:`RegistryError` for a folder that
    is not one."""
    global _extra_roots
    if visibility not in VISIBILITIES:
        raise RegistryError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    roots = []
    for index, folder in enumerate(folders):
        path = Path(folder).resolve()
        if not path.is_dir() or not any(child.is_dir() for child in path.glob("exercise_*")):
            raise RegistryError(f"{folder}: no exercise_* folders with checks.py in it (see README: extra checks)")
        roots.append(Root(path, origin="instructor" if index == 0 else f"instructor{index + 1}", visibility=visibility))
    if tuple(roots) != _extra_roots:
        _extra_roots = tuple(roots)
        all_exercises()  # a broken folder is reported now, not in the middle of a run
    return _extra_roots


def extra_roots() -> tuple[Root, ...]:
    """The instructor folders :func:`use_extra_checks` added (a forked grading process adds the same)."""
    return _extra_roots


def active_roots() -> tuple[Root, ...]:
    """The package's exercises and every instructor folder :func:`use_extra_checks` added."""
    return ROOTS + _extra_roots


@dataclass(frozen=True)
class CheckSource:
    """One folder of checks for an exercise: ``checks.py`` and ``messages/<lang>.json``."""

    directory: Path
    origin: str = BUILTIN
    visibility: str = "visible"

    @property
    def checks_path(self) -> Path:
        return self.directory / "checks.py"

    @property
    def in_package(self) -> bool:
        """Whether the folder is part of the installed grader package (imported as a package module)."""
        return self.directory.is_relative_to(EXERCISES_DIR)

    def declared_checks(self) -> tuple[tuple[str, int], ...]:
        """(check name, points) of every ``@check`` test in :attr:`checks_path`, read from the source.

        This is the exercise's declaration, independent of any run: it decides
        ``max_score`` and which checks every report lists. The self-tests prove it
        equals what pytest collects.
        """
        return _declared_checks(self.checks_path)

    def result_name(self, check: str, home_origin: str) -> str:
        """The name a check's result is reported under: bare at home, ``origin:name`` from another root."""
        return check if self.origin == home_origin else f"{self.origin}:{check}"


@dataclass(frozen=True)
class Exercise:
    """One exercise of the course, with every folder its checks come from."""

    number: int
    slug: str
    needs_tf: bool = False
    call_timeout: float = 10.0
    load_timeout: float = 30.0
    root: Root = ROOTS[0]
    extra_sources: tuple[CheckSource, ...] = ()

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
        """The folder holding ``exercise.json``, the exercise's own checks and messages."""
        return self.root.path / self.module_name

    @property
    def checks_path(self) -> Path:
        return self.directory / "checks.py"

    @property
    def sources(self) -> tuple[CheckSource, ...]:
        """Its own checks first, then those other roots add, in root order."""
        return (CheckSource(self.directory, self.root.origin, self.root.visibility), *self.extra_sources)

    def declared_checks(self) -> tuple[tuple[str, int], ...]:
        """(result name, points) of every check of every source, in the order reports list them."""
        return tuple(
            (source.result_name(name, self.root.origin), points)
            for source in self.sources
            for name, points in source.declared_checks()
        )

    @property
    def max_score(self) -> int:
        """The sum of the declared checks' points: the exercise's, never a run's."""
        return sum(points for _, points in self.declared_checks())

    def names(self) -> set[str]:
        """Every spelling ``grade`` accepts for this exercise."""
        return {self.id, f"{self.number:02d}", str(self.number), self.slug, self.module_name, self.file_name}


@lru_cache(maxsize=64)
def _declared_checks(path: Path) -> tuple[tuple[str, int], ...]:
    """The ``@check(points=N)`` test functions of a checks module, in source order (no import, no pytest)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    found = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.name.startswith("test"):
            continue
        for decorator in node.decorator_list:
            points = _check_points(decorator)
            if points is not None:
                found.append((node.name[5:] if node.name.startswith("test_") else node.name, points))
                break
    return tuple(found)


def _check_points(decorator: ast.expr) -> int | None:
    """N for ``@check(points=N)`` / ``@check(N)`` (N a literal int); None for any other decorator."""
    if not isinstance(decorator, ast.Call):
        return None
    func = decorator.func
    if not (isinstance(func, ast.Name) and func.id == "check") and not (
        isinstance(func, ast.Attribute) and func.attr == "check"
    ):
        return None
    values = [kw.value for kw in decorator.keywords if kw.arg == "points"] or decorator.args[:1]
    if values and isinstance(values[0], ast.Constant) and type(values[0].value) is int:
        return values[0].value
    return None


def _read_exercise(meta_path: Path, root: Root) -> Exercise:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    exercise = Exercise(
        number=int(meta["number"]),
        slug=str(meta["slug"]),
        needs_tf=bool(meta.get("needs_tf", False)),
        call_timeout=float(meta.get("call_timeout", Exercise.call_timeout)),
        load_timeout=float(meta.get("load_timeout", Exercise.load_timeout)),
        root=root,
    )
    if exercise.module_name != meta_path.parent.name:
        raise RegistryError(f"{meta_path}: folder should be named {exercise.module_name}")
    return exercise


def load_exercises(roots: tuple[Root, ...]) -> tuple[Exercise, ...]:
    """The course the ``roots`` make, in course order.

    In each root, a folder with ``exercise.json`` defines an exercise; a folder
    without one, named like an exercise of an earlier root, adds its checks to
    that exercise. Two roots defining the same exercise number is an error, as
    is a check folder for an exercise that no root defines.
    """
    exercises: dict[int, Exercise] = {}
    for root in roots:
        for folder in sorted(root.path.glob("exercise_*")):
            meta_path = folder / "exercise.json"
            if meta_path.is_file():
                exercise = _read_exercise(meta_path, root)
                if exercise.number in exercises:
                    raise RegistryError(
                        f"{folder}: {exercise.id} is already defined in {exercises[exercise.number].root.path}"
                    )
                exercises[exercise.number] = exercise
            elif (folder / "checks.py").is_file():
                home = next((e for e in exercises.values() if e.module_name == folder.name), None)
                if home is None:
                    raise RegistryError(
                        f"{folder}: no exercise is named {folder.name} (and the folder has no exercise.json)"
                    )
                extra = (*home.extra_sources, CheckSource(folder, root.origin, root.visibility))
                exercises[home.number] = replace(home, extra_sources=extra)
    return tuple(sorted(exercises.values(), key=lambda e: e.number))


def all_exercises(roots: tuple[Root, ...] | None = None) -> tuple[Exercise, ...]:
    """Every exercise, in course order (default: :func:`active_roots`)."""
    return _cached_exercises(roots or active_roots())


@lru_cache(maxsize=8)
def _cached_exercises(roots: tuple[Root, ...]) -> tuple[Exercise, ...]:
    return load_exercises(roots)


def find_exercise(name: str, roots: tuple[Root, ...] | None = None) -> Exercise:
    """Look an exercise up by ``exercise-05``, ``05``, ``5``, its slug or its file name."""
    wanted = name.strip().lower()
    if wanted.endswith((".py", ".ipynb")):
        wanted = Path(wanted).name
    if re.fullmatch(r"(exercise[-_]?)?0*\d+", wanted):
        wanted = str(int(re.sub(r"\D", "", wanted)))
    for exercise in all_exercises(roots):
        if wanted in {n.lower() for n in exercise.names()} or wanted == exercise.slug.replace("-", "_"):
            return exercise
        if wanted == f"{exercise.module_name}.ipynb":
            return exercise
    raise UnknownExercise(name)


def exercise_version(exercise: Exercise) -> str:
    """A fingerprint of an exercise's checks and messages: a changed check is a changed version."""
    digest = hashlib.sha256()
    for source in exercise.sources:
        for path in sorted(Path(source.directory).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
