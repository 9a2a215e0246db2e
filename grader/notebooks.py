"""Exercise notebooks made from the ``.py`` stubs (``grade notebook``, ``grade init --notebooks``).

Never maintained by hand: each notebook is built from its stub (or, for the self-tests, from any
source with the same functions). A markdown cell with the lesson (the module docstring); a
Colab setup cell, commented out so it never runs by surprise; the imports; for each function a
markdown cell (its signature and docstring) and a code cell (the function, its body the stub's
``raise NotImplementedError``); a last cell that grades the notebook itself, as the kernel runs it
(:mod:`grader.practice.notebook_cell`: any file name, any kernel, Colab, unsaved edits caught). Cell ids are
deterministic, so the same stub gives the same file byte for byte, and ``metadata.kerasdrill``
records the exercise and a fingerprint of the stub: a notebook made from an older stub is named
in its report (:func:`stale_note`).
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path
from typing import Any

from grader.content import stubs_dir
from grader.registry import Exercise
from grader.submissions.notebook import GRADE_CELL_IMPORT

COLAB_INSTALL = "# !pip install -q KERASDRILL"


def stub_version(exercise: Exercise) -> str:
    """A fingerprint of the exercise's stub: a changed stub makes older notebooks stale."""
    return hashlib.sha256((stubs_dir() / exercise.file_name).read_bytes()).hexdigest()[:12]


def build_notebook(exercise: Exercise, source: str | None = None, language: str = "en") -> Any:
    """The exercise's notebook (an ``nbformat`` NotebookNode) from ``source`` (default: its stub), its own
    markdown (what is checked, the set-up and grading cells) in ``language``."""
    import nbformat

    import grader
    from grader.messages import catalogue_for

    catalogue = catalogue_for(exercise, language)

    text = source if source is not None else (stubs_dir() / exercise.file_name).read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    lesson = ast.get_docstring(tree) or exercise.slug
    cells: list[tuple[str, str]] = [
        ("markdown", _lesson_markdown(lesson)),
        ("markdown", _checks_markdown(exercise, catalogue)),
        ("code", catalogue.render("notebook_cells.colab") + "\n" + COLAB_INSTALL),
    ]
    setup: list[str] = []
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if setup:
                cells.append(("code", "\n".join(setup).strip()))
                setup = []
            doc = ast.get_docstring(node) or ""
            signature = lines[node.lineno - 1].strip().rstrip(":")
            cells.append(
                ("markdown", f"### `{signature.removeprefix('def ').removeprefix('class ')}`\n\n{doc}".strip())
            )
            cells.append(("code", _without_docstring(node, lines, first)))
        elif not (isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant)):
            setup.extend(lines[first - 1 : node.end_lineno])
    if setup:
        cells.append(("code", "\n".join(setup).strip()))
    heading = catalogue.render("notebook_cells.grade_heading")
    cells.append(
        ("markdown", f"### {heading}\n\n" + catalogue.render("notebook_cells.grade_text", exercise=exercise.id))
    )
    cells.append(("code", grade_cell(exercise, catalogue)))
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "kerasdrill": {
            "exercise": exercise.id,
            "version": stub_version(exercise),
            "grader": grader.__version__,
            "language": language,
        },
    }
    for index, (kind, content) in enumerate(cells, start=1):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(content)
        cell["id"] = f"{exercise.id}-{index:02d}"  # deterministic: the same stub, the same file
        notebook.cells.append(cell)
    return notebook


def grade_cell(exercise: Exercise, catalogue: Any) -> str:
    """The last cell: grade the notebook the kernel runs (:mod:`grader.practice.notebook_cell`), with the
    kernel's own Python, whatever the file is called; a kernel without kerasdrill is told how to install it."""
    missing = catalogue.render("notebook_cells.not_installed")
    return "\n".join(
        [
            "try:",
            f"    {GRADE_CELL_IMPORT}",
            "except ImportError:",
            f"    print({missing!r})",
            "else:",
            f"    grade_this_notebook({exercise.id!r}, language={catalogue.language!r});",
        ]
    )


def write_notebooks(
    exercises: list[Exercise], target: Path, *, force: bool = False, language: str = "en"
) -> tuple[int, int]:
    """Write each exercise's notebook into ``target`` (its markdown in ``language``); keep files that
    exist unless ``force``. (written, kept)."""
    import nbformat

    target.mkdir(parents=True, exist_ok=True)
    written = kept = 0
    for exercise in exercises:
        destination = target / f"{exercise.module_name}.ipynb"
        if destination.exists() and not force:
            kept += 1
            continue
        notebook = build_notebook(exercise, language=language)
        nbformat.validate(notebook)
        destination.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")
        written += 1
    return written, kept


def stale_note(exercise: Exercise, made_for: dict) -> Any:
    """A note for a notebook made from another version of ``exercise``'s stub (``None`` if current)."""
    from grader.messages import message_ref

    if not made_for or made_for.get("version") in (None, stub_version(exercise)):
        return None
    return message_ref("notebook.stale", exercise=exercise.id, made_for=str(made_for.get("exercise", "")))


def course_cells(source: str) -> list[str]:
    """``source`` cut as a course notebook has it: the imports, then each top-level definition
    in a cell of its own (as the self-tests and benchmarks turn a solution into a notebook)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    cells, start = [], 0
    for node in tree.body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and first > start:
            cells.append("\n".join(lines[start:first]))
            start = first
    cells.append("\n".join(lines[start:]))
    return [cell for cell in cells if cell.strip()]


def _checks_markdown(exercise: Exercise, catalogue: Any) -> str:
    """The exercise's title and what the grader checks, with points, in the catalogue's language."""
    checks = exercise.sources[0].declared_checks()
    lines = [f"## {catalogue.title()}", "", catalogue.render("notebook_cells.checks", points=exercise.max_score), ""]
    lines += [f"- {catalogue.check_title(name)} ({points})" for name, points in checks]
    return "\n".join(lines)


def _lesson_markdown(lesson: str) -> str:
    title, _, rest = lesson.partition("\n")
    return f"# {title.strip()}\n\n{rest.strip()}".strip()


def _without_docstring(node: ast.AST, lines: list[str], first: int) -> str:
    """The definition's source with its docstring left out (the markdown cell above shows it)."""
    body = node.body  # type: ignore[attr-defined]
    block = lines[first - 1 : node.end_lineno]  # type: ignore[attr-defined]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and len(body) > 1:
        start, end = body[0].lineno - first, body[0].end_lineno - first + 1
        block = block[:start] + block[end:]
    return "\n".join(block).rstrip()
