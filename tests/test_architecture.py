"""The trust boundary as an import rule, and the seams later features plug into.

* Nothing under ``grader/sandbox/`` (the learner's side) imports the grading side
  (``grader.checking``, the exercises' checks, the engine, the outputs) or pytest,
  not even lazily inside a function: read from the source, so a new import fails here.
* The worker's real import closure, seen from inside a worker that runs learner code,
  is ``grader.sandbox`` plus ``grader.outcomes``.
* Writers, loaders and check roots are registries: adding one is adding a module.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import describe, grade_file, solution_source

import grader
from grader.registry import ROOTS, RegistryError, Root, load_exercises

PACKAGE = Path(grader.__file__).resolve().parent
SANDBOX_ALLOWED = ("grader.sandbox", "grader.outcomes")
SANDBOX_FORBIDDEN = ("pytest", "_pytest", "grader.checking", "grader.exercises", "grader.engine", "grader.outputs")


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (``from grader import x`` -> ``grader.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.add(node.args[0].value)
    return found


def _violations(path: Path) -> set[str]:
    imports = _imports(path)
    bad = {name for name in imports if name.split(".")[0] in ("pytest", "_pytest")}
    bad |= {name for name in imports if name.startswith(SANDBOX_FORBIDDEN[2:])}
    own = {name for name in imports if name == "grader" or name.startswith("grader.")}
    bad |= {name for name in own - {"grader"} if not name.startswith(SANDBOX_ALLOWED) and _is_module(name)}
    return bad


def _is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


@pytest.mark.parametrize("path", sorted((PACKAGE / "sandbox").glob("*.py")), ids=lambda p: p.name)
def test_sandbox_modules_import_nothing_from_the_grading_side(path):
    assert not _violations(path), f"{path.name} imports {sorted(_violations(path))}"


def test_the_import_rule_test_catches_a_forbidden_import(tmp_path):
    for line in (
        "import pytest",
        "from grader.checking import fail",
        "from grader import engine",
        "    from grader.outputs import WRITERS",
    ):
        planted = tmp_path / "planted.py"
        planted.write_text(f"def f():\n{line if line.startswith(' ') else '    ' + line}\n", encoding="utf-8")
        assert _violations(planted), line
    allowed = tmp_path / "allowed.py"
    allowed.write_text(
        "from grader.outcomes import ErrorKind\nfrom grader.sandbox import protocol\nimport os\n", encoding="utf-8"
    )
    assert not _violations(allowed)


def test_outcomes_is_standard_library_only():
    imports = _imports(PACKAGE / "outcomes.py")
    assert all(name.split(".")[0] in ("__future__", "typing") for name in imports), imports


def test_the_workers_import_closure_is_the_sandbox_and_the_outcome_types(tmp_path):
    path = tmp_path / "exercise_04_parameter_counts.py"
    probe = (
        "\n\ndef dense_params(n_inputs, units, use_bias=True):\n"
        "    import sys\n"
        "    print('MODULES', sorted(m for m in sys.modules if m == 'pytest' or m.startswith(('grader', '_pytest'))))\n"
        "    return n_inputs * units + (units if use_bias else 0)\n"
    )
    path.write_text(solution_source("exercise-04") + probe, encoding="utf-8")
    result = grade_file("exercise-04", path)
    line = next(line for line in result.output.splitlines() if line.startswith("MODULES"))
    modules = set(json.loads(line.split(" ", 1)[1].replace("'", '"')))
    assert modules, describe(result)
    assert all(m == "grader" or m.startswith(SANDBOX_ALLOWED) for m in modules), modules


# ----------------------------------------------------------------------------- no import circles


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _own_imports(path: Path) -> set[str]:
    """The grader modules ``path`` imports, at the top or inside a function, but not under ``if TYPE_CHECKING:``
    (annotations only); ``from grader.x import y`` counts as ``grader.x.y`` where that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in node.body
        for inner in ast.walk(child)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = {f"{node.module}.{alias.name}" for alias in node.names}
            modules = {name for name in modules if _is_module(name)}
            found.update(modules or {node.module})
    name = _module_name(path)
    # A module always imports the packages it sits in: that is Python's doing, not a circle of ours.
    return {m for m in found if m.startswith("grader.") and _is_module(m) and not name.startswith(m + ".")} - {name}


def _import_graph() -> dict[str, set[str]]:
    return {_module_name(path): _own_imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.get(module, ()):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_two_grader_modules_import_each_other():
    """Lazy imports count: ``batch/pool.py`` once imported ``batch/runner.py`` inside a function (and
    ``batch/merge.py`` ``batch/report.py``), and ``checking/models.py`` and ``checking/trainer.py``
    imported each other the same way. Shared pieces go to a module both import."""
    assert _circles(_import_graph()) == []


def test_the_circle_test_sees_lazy_imports_and_not_annotation_only_ones():
    assert "grader.batch.out_folder" in _own_imports(PACKAGE / "batch" / "merge.py")  # inside merge_and_write
    assert "grader.batch.regrade" not in _own_imports(PACKAGE / "outputs" / "regrade.py")  # if TYPE_CHECKING
    assert "grader.outputs.sanitize" in _own_imports(PACKAGE / "outputs" / "spreadsheet.py")  # from pkg import mod
    graph = _import_graph()
    graph["grader.batch.layout"] = graph["grader.batch.layout"] | {"grader.batch.runner"}
    assert any({"grader.batch.layout", "grader.batch.runner"} <= set(group) for group in _circles(graph))
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_only_the_self_study_front_ends_import_practice():
    """``grader/practice/`` (progress records, hints, watch) is the learner's own front end: the CLI and
    practice itself may import it, the generic grading library may not. ``workflow.grade_and_report``
    once recorded progress.json itself; now the front ends hand it a recorder."""
    front_ends = {"grader.cli", "grader.practice"}
    offenders = {
        module: sorted(m for m in imports if m.startswith("grader.practice"))
        for module, imports in _import_graph().items()
        if module not in front_ends and not module.startswith("grader.practice.")
    }
    assert {module: found for module, found in offenders.items() if found} == {}


def test_the_grading_path_imports_pytest_only_when_the_checks_run():
    """``grade EXERCISE`` imports the CLI, the workflow and the engine, then starts the learner's worker; pytest
    (~60 ms), numpy and anything heavier must not come before that, so the worker's start overlaps them."""
    code = (
        "import sys, grader.cli, grader.workflow, grader.engine, grader.practice.progress\n"
        "heavy = ('pytest', '_pytest', 'numpy', 'keras', 'tensorflow', 'jinja2', 'pandas', 'matplotlib')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", done.stdout


# ----------------------------------------------------------------------------- seams


def test_every_format_choice_is_a_writer_module():
    from grader.outputs import WRITERS

    for name, writer in WRITERS.items():
        assert writer.name == name and (PACKAGE / "outputs" / f"{name}.py").is_file()


def test_every_loader_is_a_module_of_its_own():
    from grader.submissions import LOADERS

    for suffix, loader in LOADERS.items():
        module = __import__(loader.__module__, fromlist=["SUFFIX"])
        assert module.SUFFIX == suffix and Path(module.__file__).parent == PACKAGE / "submissions"


def _instructor_root(tmp_path: Path) -> Root:
    """A folder that adds one check to exercise 05 (one named like a built-in check) and defines exercise 42."""
    extra = tmp_path / "private" / "exercise_05_cnn_shapes"
    (extra / "messages").mkdir(parents=True)
    (extra / "checks.py").write_text(
        textwrap.dedent(
            """
            from grader.checking import check, expect

            @check(points=3)
            def test_conv_valid_stride_1(learner):
                expect(learner.conv_output_size(10, 3) == 8, "too_small", found=learner.conv_output_size(10, 3))

            @check(points=1)
            def test_always_fails(learner):
                expect(False, "too_small", found=0)
            """
        ),
        encoding="utf-8",
    )
    messages = {
        "checks": {"conv_valid_stride_1": {"title": "Instructor: valid padding on 10 pixels"}},
        "messages": {"too_small": "Instructor message: found {found}"},
    }
    (extra / "messages" / "en.json").write_text(json.dumps(messages), encoding="utf-8")
    new = tmp_path / "private" / "exercise_42_extra"
    new.mkdir()
    (new / "exercise.json").write_text('{"number": 42, "slug": "extra"}', encoding="utf-8")
    (new / "checks.py").write_text("from grader.checking import check\n\n@check(points=1)\ndef test_ok():\n    pass\n")
    return Root(tmp_path / "private", origin="instructor")


def test_a_check_root_adds_checks_and_exercises_by_files_alone(tmp_path):
    from grader.checking.runner import list_checks

    exercises = {e.id: e for e in load_exercises((*ROOTS, _instructor_root(tmp_path)))}
    assert "exercise-42" in exercises and exercises["exercise-42"].root.origin == "instructor"
    ex05 = exercises["exercise-05"]
    names = [name for name, _ in list_checks(ex05)]
    assert "conv_valid_stride_1" in names and "instructor:conv_valid_stride_1" in names  # no collision
    assert len(names) == len(set(names))

    result = grade_file(ex05, Path(solution_source_path("exercise-05")))
    assert not result.internal_error, describe(result)
    ours = result.check("instructor:conv_valid_stride_1")
    assert ours.passed and ours.title == "Instructor: valid padding on 10 pixels"
    failing = result.check("instructor:always_fails")
    assert failing.status == "failed" and failing.message == "Instructor message: found 0"
    assert result.check("conv_valid_stride_1").passed  # the built-in check of that name is untouched
    assert result.max_score == 24 + 3 + 1 and result.score == 24 + 3


def solution_source_path(exercise: str) -> Path:
    from grader.content import solutions_dir
    from grader.registry import find_exercise

    return solutions_dir() / find_exercise(exercise).file_name


def test_a_root_cannot_redefine_an_exercise_or_add_checks_to_none(tmp_path):
    clash = tmp_path / "clash" / "exercise_05_cnn_shapes"
    clash.mkdir(parents=True)
    (clash / "exercise.json").write_text('{"number": 5, "slug": "cnn-shapes"}', encoding="utf-8")
    with pytest.raises(RegistryError, match="already defined"):
        load_exercises((*ROOTS, Root(tmp_path / "clash", "x")))
    orphan = tmp_path / "orphan" / "exercise_77_nothing"
    orphan.mkdir(parents=True)
    (orphan / "checks.py").write_text("", encoding="utf-8")
    with pytest.raises(RegistryError, match="no exercise"):
        load_exercises((*ROOTS, Root(tmp_path / "orphan", "x")))


def test_two_outside_roots_in_one_process_keep_their_own_checks(tmp_path):
    """Every outside checks module is named checks.py; each must be imported as its own module."""
    from grader.checking.runner import list_checks

    roots = []
    for number, check_name in ((42, "from_root_a"), (43, "from_root_b")):
        folder = tmp_path / f"root{number}" / f"exercise_{number}_x{number}"
        folder.mkdir(parents=True)
        (folder / "exercise.json").write_text(f'{{"number": {number}, "slug": "x{number}"}}', encoding="utf-8")
        (folder / "checks.py").write_text(
            f"from grader.checking import check\n\n@check(points=1)\ndef test_{check_name}():\n    pass\n",
            encoding="utf-8",
        )
        roots.append(Root(tmp_path / f"root{number}", origin=f"r{number}"))
    exercises = {e.number: e for e in load_exercises((*ROOTS, *roots))}
    assert list_checks(exercises[42]) == [("from_root_a", 1)]
    assert list_checks(exercises[43]) == [("from_root_b", 1)]


def test_collecting_the_test_suite_imports_no_tensorflow():
    """Every xdist worker collects the whole suite: a test module that imports Keras at its top costs each
    worker a TensorFlow import (~5 s) before the first test, in the quick run too. Import it in the test."""
    probe = (
        "import sys, pytest\n"
        "code = pytest.main(['--collect-only', '-q', '-n', '0', '-p', 'no:cacheprovider', 'tests'])\n"
        "print('TF' if 'tensorflow' in sys.modules or 'keras' in sys.modules else 'none', code)\n"
    )
    root = Path(grader.__file__).resolve().parent.parent
    completed = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, timeout=300)
    assert completed.stdout.strip().splitlines()[-1] == "none 0", completed.stdout[-2000:] + completed.stderr[-2000:]
