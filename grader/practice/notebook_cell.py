"""The last cell of a generated notebook: grade the notebook this kernel is running.

The cell calls :func:`grade_this_notebook` inside the learner's kernel (Jupyter, JupyterLab,
VS Code, Colab). It never grades in the kernel: it finds the notebook's file and runs
``sys.executable -m grader`` on it, so a kernel whose venv is not on ``PATH`` (a VS Code or
kernelspec kernel, where ``!grade`` is "command not found") grades with the very Python that
runs the learner's code.

Which file (:func:`find_notebook`): on Colab, the live notebook itself, asked from Colab's
frontend (``google.colab._message.blocking_request("get_ipynb")``), so unsaved edits are graded
(if Colab does not answer, a copy uploaded to ``/content``, else what to do); elsewhere the file the frontend
names (VS Code's ``__vsc_ipynb_file__``, Jupyter Server's ``JPY_SESSION_NAME``), else the newest
``.ipynb`` in the kernel's folder stamped with this exercise in ``metadata.kerasdrill`` (whatever
its name: "Copy of …" too).

Unsaved edits (:func:`unsaved_functions`): the grader reads the file on disk, the learner sees
the kernel. When a function the kernel defined (IPython's input history, ``In``) differs from the
same function in the file, the cell says "save the notebook first" and grades nothing, rather
than score code the learner no longer has on screen.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024  # as the intake: a larger file is no course notebook
TIMEOUT_S = 1800


def grade_this_notebook(exercise: str, language: str = "en") -> int:
    """Grade the notebook this kernel runs as ``exercise`` and print the report; the grader's exit
    code (2 when nothing was graded: no file, or unsaved edits). Never raises into the cell."""
    from grader.messages import catalogue_for

    catalogue = catalogue_for(None, language)
    shell = _shell()
    try:
        path, live = find_notebook(exercise, shell)
    except ColabUnavailable:
        print(catalogue.render("notebook_cells.colab_unavailable", exercise=exercise))
        return 2
    if path is None:
        print(catalogue.render("notebook_cells.not_found", exercise=exercise, folder=str(Path.cwd())))
        return 2
    if not live:
        changed = unsaved_functions(path, _history(shell), _transform(shell))
        if changed:
            print(catalogue.render("notebook_cells.unsaved", names=", ".join(changed), file=path.name))
            return 2
    command = [sys.executable, "-m", "grader", exercise, "--submission", str(path), "--lang", language]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S)
    # a subprocess writes to the kernel's own terminal, not to the cell: print what it wrote
    print(completed.stdout, end="")
    if completed.stderr:
        print(completed.stderr, end="", file=sys.stderr)
    return completed.returncode


class ColabUnavailable(Exception):
    """On Colab, but the frontend did not hand over the notebook."""


def find_notebook(exercise: str, shell: Any = None) -> tuple[Path | None, bool]:
    """(the notebook file to grade, whether it is the live notebook rather than a saved file)."""
    colab_failed = None
    if "google.colab" in sys.modules:
        try:
            return _colab_notebook(exercise), True
        except ColabUnavailable as error:  # then a copy the learner uploaded to /content, if any
            colab_failed = error
    named = []
    if shell is not None:
        named.append(shell.user_ns.get("__vsc_ipynb_file__"))
    named.append(os.environ.get("JPY_SESSION_NAME"))
    for name in named:
        if isinstance(name, str) and name.endswith(".ipynb") and _is_exercise(Path(name), exercise):
            return Path(name), False
    stamped = [path for path in Path.cwd().glob("*.ipynb") if _is_exercise(path, exercise)]
    if not stamped and colab_failed is not None:
        raise colab_failed
    return (max(stamped, key=lambda path: path.stat().st_mtime) if stamped else None), False


def _is_exercise(path: Path, exercise: str) -> bool:
    """``path`` is a notebook stamped with ``exercise`` in ``metadata.kerasdrill``."""
    notebook = _read(path)
    stamp = notebook.get("metadata", {}).get("kerasdrill", {}) if isinstance(notebook, dict) else {}
    return isinstance(stamp, dict) and stamp.get("exercise") == exercise


def _read(path: Path) -> Any:
    try:
        if not path.is_file() or path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def _colab_notebook(exercise: str) -> Path:
    """The live notebook from Colab's frontend, written to a temporary file (its edits included)."""
    try:
        from google.colab import _message  # type: ignore[import-not-found]

        reply = _message.blocking_request("get_ipynb", timeout_sec=60)
        notebook = reply["ipynb"]
    except Exception as error:  # noqa: BLE001 - any failure of Colab's API: say what to do instead
        raise ColabUnavailable(str(error)) from error
    folder = Path(tempfile.mkdtemp(prefix="kerasdrill-colab-"))
    path = folder / f"{exercise}.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def unsaved_functions(path: Path, history: list[str], transform: Any = None) -> list[str]:
    """Top-level functions and classes whose latest definition in the kernel's ``history`` differs
    from the one in the notebook file ``path`` (or that the file lacks): edits not saved yet."""
    notebook = _read(path)
    if not isinstance(notebook, dict) or not history:
        return []
    in_file: dict[str, str] = {}
    for cell in notebook.get("cells", []):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            in_file.update(_definitions("".join(source) if isinstance(source, list) else str(source), transform))
    in_kernel: dict[str, str] = {}
    for source in history:  # in execution order: the last definition of a name is the one the kernel has
        in_kernel.update(_definitions(source, None))  # IPython's history is already plain Python
    return sorted(name for name, code in in_kernel.items() if name in in_file and in_file[name] != code)


def _definitions(source: str, transform: Any) -> dict[str, str]:
    """name -> the definition's syntax tree, dumped (whitespace and comments do not count)."""
    try:
        tree = ast.parse(transform(source) if transform is not None else source)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = ast.dump(node)
    return found


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _history(shell: Any) -> list[str]:
    """The cells the kernel has run, oldest first (IPython's ``In``; this grading cell defines nothing)."""
    if shell is None:
        return []
    return [source for source in shell.user_ns.get("In") or [] if isinstance(source, str)]


def _transform(shell: Any) -> Any:
    """IPython's own reading of a cell (``%magic``, ``!cmd`` to Python), so the file's cells parse as the kernel's."""
    return getattr(shell, "transform_cell", None) if shell is not None else None
