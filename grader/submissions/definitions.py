"""A learner's module reduced to what a definition needs: its imports, literal constants and functions.

A check that asks the worker to *observe* a function (exercise 11's seed probe calls ``set_seed`` and
then draws random numbers) must not let the rest of the module decide what is observed: module-level
code of the full file can replace the grader's probe, patch ``random`` or seed the process itself.
:func:`definitions_only` keeps the top-level statements that cannot run the learner's own code when
the module is imported, and drops the rest:

* ``import`` / ``from ... import`` statements (only installed modules can be found: the reduced module
  sits alone in a fresh session folder, so the full file can never be imported by name);
* assignments of a literal to plain names (``SEED = 42``), a literal being what :func:`ast.literal_eval` reads,
  and aliases of what was imported (``keras = tf.keras``: only installed code runs to find it);
* function definitions without their decorators, each default value that is not a literal replaced by
  ``None`` (a decorator or a default expression runs when the ``def`` runs).

Everything else (calls, classes, loops, ``if``/``try`` blocks) is left out. The source is the one the
grading side already prepared and parsed within its bounds; it is parsed again here, never executed.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

__all__ = ["definitions_only"]


def definitions_only(source: str, units: Sequence[tuple[int, int]] = ()) -> str:
    """``source`` with only its imports, literal constants and undecorated function definitions.

    ``units`` (a notebook's cells as first and last line, see ``PreparedSource.units``) are parsed
    one by one, as the worker runs them: a cell that does not parse is left out, the others kept.
    A ``.py`` that does not parse gives ``""`` (the full module could not be imported either).
    """
    lines = source.splitlines()
    parts = ["\n".join(lines[first - 1 : last]) for first, last in units] if units else [source]
    body: list[ast.stmt] = []
    for part in parts:
        try:
            body.extend(ast.parse(part).body)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            if not units:
                return ""
    try:
        return _reduced(body)
    except (ValueError, RecursionError, MemoryError):
        return ""


def _reduced(body: list[ast.stmt]) -> str:
    kept: list[ast.stmt] = []
    imported: set[str] = set()  # names bound (so far) by a kept import or alias of one
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            kept.append(node)
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign) and all(isinstance(target, ast.Name) for target in node.targets):
            names = {target.id for target in node.targets}
            if _is_literal(node.value) or _alias_of(node.value, imported):
                kept.append(node)
                if _alias_of(node.value, imported):
                    imported |= names
                else:
                    imported -= names
            else:
                imported -= names  # rebound by code that does not run here
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kept.append(_undecorated(node))
            imported.discard(node.name)
    module = ast.Module(body=kept, type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(module)) + "\n"


def _alias_of(node: ast.expr, imported: set[str]) -> bool:
    """Whether ``node`` is ``name`` or ``name.attr.attr`` with ``name`` bound by an import."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in imported


def _is_literal(node: ast.expr) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
        return False
    return True


def _undecorated(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.FunctionDef | ast.AsyncFunctionDef:
    node.decorator_list = []
    node.returns = None  # an annotation is evaluated when the def runs (without ``from __future__``)
    arguments = node.args
    for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg):
        if arg is not None:
            arg.annotation = None
    arguments.defaults = [_literal_or_none(value) for value in arguments.defaults]
    arguments.kw_defaults = [None if value is None else _literal_or_none(value) for value in arguments.kw_defaults]
    return node


def _literal_or_none(node: ast.expr) -> ast.expr:
    return node if _is_literal(node) else ast.Constant(value=None)
