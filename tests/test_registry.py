"""Walk the exercise registry: every exercise is complete, consistent and has no orphans."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from grader.checking.runner import list_checks
from grader.content import solutions_dir, stubs_dir
from grader.messages import catalogue_for
from grader.registry import EXERCISES_DIR, UnknownExercise, all_exercises, find_exercise

EXERCISES = all_exercises()
IDS = [e.id for e in EXERCISES]


def _functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def test_numbers_and_slugs_are_unique():
    assert len({e.number for e in EXERCISES}) == len(EXERCISES)
    assert len({e.slug for e in EXERCISES}) == len(EXERCISES)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_exercise_has_every_piece(exercise):
    assert (stubs_dir() / exercise.file_name).is_file()
    assert (solutions_dir() / exercise.file_name).is_file()
    assert exercise.checks_path.is_file()
    assert (exercise.directory / "messages" / "en.json").is_file()


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_stub_and_solution_define_the_same_functions(exercise):
    stub = _functions(stubs_dir() / exercise.file_name)
    solution = _functions(solutions_dir() / exercise.file_name)
    assert stub and stub <= solution, f"stub has {sorted(stub - solution)} that the solution lacks"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_stub_functions_have_teaching_docstrings_and_raise(exercise):
    tree = ast.parse((stubs_dir() / exercise.file_name).read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), "the stub needs a module docstring"
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            assert ast.get_docstring(node), f"{node.name} has no docstring"
            raises = [n for n in ast.walk(node) if isinstance(n, ast.Raise) and "NotImplementedError" in ast.dump(n)]
            assert raises, f"{node.name} should raise NotImplementedError in the stub"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_check_has_points_a_title_and_a_hint(exercise):
    catalogue = catalogue_for(exercise)
    assert catalogue.title()
    found = list_checks(exercise)
    assert found, "no checks collected"
    for name, points in found:
        assert points > 0, f"{name} has no @check(points=...)"
        entry = catalogue.check_entry(name)
        assert entry.get("title"), f"{name} has no title in messages/en.json"
        assert catalogue.hints(name), f"{name} has no hint in messages/en.json"
    names = {name for name, _ in found}
    listed = set(
        json.loads((exercise.directory / "messages" / "en.json").read_text(encoding="utf-8")).get("checks", {})
    )
    assert listed <= names, f"messages for checks that do not exist: {sorted(listed - names)}"


def _message_ids_used(source: str) -> set:
    """Constant message ids passed to fail()/expect()/message_ref()/wrong_type() in a checks module."""
    used = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("fail", "expect", "message_ref", "wrong_type")
        ):
            position = {"expect": 1, "wrong_type": 2}.get(node.func.id, 0)
            if len(node.args) > position and isinstance(node.args[position], ast.Constant):
                used.add(node.args[position].value)
    return used


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_message_id_used_by_the_checks_exists(exercise):
    # An exercise may use only shared helpers (modelcheck) and name no id itself; those are checked below.
    catalogue = catalogue_for(exercise)
    for message_id in _message_ids_used(exercise.checks_path.read_text(encoding="utf-8")):
        assert catalogue.lookup(message_id) is not None, f"message id {message_id!r} is not in the catalogue"


def test_every_message_id_used_by_shared_check_helpers_exists():
    import grader

    catalogue = catalogue_for(EXERCISES[0])
    package = Path(grader.__file__).parent
    used = set().union(
        *(_message_ids_used(path.read_text(encoding="utf-8")) for path in (package / "checking").glob("*.py"))
    )
    assert used, "no fail()/expect() message ids found in the shared helpers"
    for message_id in used:
        assert catalogue.lookup(message_id) is not None, f"message id {message_id!r} is not in the engine catalogue"


def test_the_message_id_walk_finds_ids():
    # Guards the test above against passing vacuously because the AST walk broke.
    assert "model.not_compiled" in _message_ids_used('fail("model.not_compiled", call=c)')
    assert "x.y" in _message_ids_used('expect(ok, "x.y")')
    assert "dataset.digits" in _message_ids_used('message_ref("dataset.digits")')
    assert "type.int" in _message_ids_used('wrong_type(v, call, "type.int")')
    found = set().union(*(_message_ids_used(e.checks_path.read_text(encoding="utf-8")) for e in EXERCISES))
    assert len(found) > 20


def test_no_orphan_files():
    modules = {e.module_name for e in EXERCISES}
    for folder in (stubs_dir(), solutions_dir()):
        for path in folder.glob("*.py"):
            assert path.stem in modules, f"{path} belongs to no registered exercise"
    for path in EXERCISES_DIR.iterdir():
        if path.is_dir() and path.name.startswith("exercise_"):
            assert path.name in modules, f"{path} has no exercise.json"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_every_spelling_finds_the_exercise(exercise):
    for name in (exercise.id, f"{exercise.number:02d}", str(exercise.number), exercise.slug, exercise.id.upper()):
        assert find_exercise(name) == exercise


def test_unknown_exercise_raises():
    with pytest.raises(UnknownExercise):
        find_exercise("exercise-99")
    with pytest.raises(UnknownExercise):
        find_exercise("no-such-slug")
