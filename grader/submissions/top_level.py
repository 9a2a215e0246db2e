"""Which of a notebook's top-level statements run while grading.

A course notebook defines the graded functions *and* runs the lesson: it loads MNIST from the
internet, trains for 20 epochs, plots the learning curve, prints the summary. Grading needs only
the definitions, so by default a top-level statement is kept when it is

* an import (but ``google.colab``, which exists only on Colab),
* a function or class definition (the last definition of a name wins, as in a kernel run top to
  bottom, since the statements stay in order),
* an assignment, ``if``, ``try`` or ``with`` that does no *work*,

and skipped when it is a bare expression (``model.summary()``, ``plt.show()``, a value to
display), a top-level loop, or anything that calls work: training and evaluation (``fit``,
``evaluate``, ``predict``, ...), loading data from the internet or from files the grader does
not have (``load_data``, ``get_file``, ``urlopen``, ``open``, ``read_csv``, ...), plotting,
printing, shell and magic calls, or the notebook's own functions and classes (the checks call
those; the lesson's ``model = build_cnn(); model.fit(...)`` is not needed to grade them).
A statement that reads a name only a skipped statement made is skipped too (``x_train =
x_train / 255`` after a skipped ``load_data``), so the module still imports.
Function bodies are never judged: they run only when a check calls them.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

#: Calls that are the lesson's work, by the called name (the last part of ``a.b.name(...)``).
WORK = frozenset(
    {
        # training, evaluation, prediction
        "fit", "fit_generator", "train_on_batch", "evaluate", "evaluate_generator", "predict",
        "predict_on_batch", "predict_proba", "cross_val_score", "grid_search",
        # data from the internet, files, the user
        "load_data", "get_file", "urlopen", "urlretrieve", "download", "read_csv", "read_excel", "mount",
        "upload", "input", "sleep", "open", "loadtxt", "genfromtxt", "imread", "read_json", "load_model",
        "load_weights",
        # plots and output
        "plot", "imshow", "scatter", "hist", "bar", "show", "savefig", "figure", "subplot", "subplots",
        "title", "xlabel", "ylabel", "legend", "print", "display", "summary", "plot_model",
        # IPython calls (magics and shell lines)
        "system", "getoutput", "run_line_magic", "run_cell_magic",
    }
)  # fmt: skip
_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython"}


@dataclass
class Selection:
    """The statements to keep, and for each skipped one its cell and a short description."""

    kept: list[ast.stmt] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def select(cells: list[tuple[int, ast.Module]], *, run_all: bool = False) -> Selection:
    """``cells`` (cell number, parsed cell) in notebook order -> what to run (see the module docstring)."""
    everything = [(number, stmt) for number, module in cells for stmt in module.body]
    if run_all:
        return Selection(kept=[stmt for _, stmt in everything])
    # the notebook's own functions and classes are the lesson's to call, the checks' to grade
    working = {s.name for _, s in everything if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    work = WORK | working  # once: every statement below is judged in time linear in its own size
    defined: set[str] = set(_BUILTIN_NAMES)
    selection = Selection()
    for number, stmt in everything:
        reason = _why_skipped(stmt, work, defined)
        if reason:
            selection.skipped.append((number, reason))
            continue
        selection.kept.append(stmt)
        defined |= _bound_names(stmt)
    return selection


def _why_skipped(stmt: ast.stmt, work: frozenset[str] | set[str], defined: set[str]) -> str:
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        module = stmt.module if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
        return _describe(stmt) if (module or "").split(".")[:2] == ["google", "colab"] else ""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        evaluated = [*stmt.decorator_list]  # evaluated when the definition runs; the body is not
        if isinstance(stmt, ast.ClassDef):
            evaluated += [*stmt.bases, *(keyword.value for keyword in stmt.keywords)]
        else:
            evaluated += [*stmt.args.defaults, *(d for d in stmt.args.kw_defaults if d is not None)]
        return _describe(stmt) if any(_does_work(node, work, defined) for node in evaluated) else ""
    if isinstance(stmt, ast.Expr):
        if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            return ""  # a docstring
        return _describe(stmt)
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return _describe(stmt)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.If, ast.Try, ast.With, ast.Pass)):
        inner = [stmt] if not isinstance(stmt, (ast.If, ast.Try, ast.With)) else _walk_statements(stmt)
        for node in inner:
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.Expr)) and not _is_docstring(node):
                return _describe(stmt)
        return _describe(stmt) if _does_work(stmt, work, defined) else ""
    return _describe(stmt)  # del, global, assert, raise, match, ...: not needed to define functions


def _does_work(node: ast.AST, work: frozenset[str] | set[str], defined: set[str]) -> bool:
    """Whether evaluating ``node`` at the top level calls work (a name in ``work``) or reads a name
    nothing kept defines."""
    for child in _walk_outside_functions(node):
        if isinstance(child, ast.Call) and _called_name(child.func) in work:
            return True
    return bool(_undefined_reads(node, _Names(defined)))


class _Names:
    """Names bound so far: ``outer`` (the kept statements', never copied: copying it for each of
    40,000 statements made the selection quadratic) and those this statement binds itself."""

    __slots__ = ("outer", "own")

    def __init__(self, outer: set[str] | _Names, own: set[str] | None = None) -> None:
        self.outer = outer
        self.own = own if own is not None else set()

    def __contains__(self, name: object) -> bool:
        return name in self.own or name in self.outer

    def add(self, name: str) -> None:
        self.own.add(name)

    def update(self, names: set[str]) -> None:
        self.own.update(names)


def _undefined_reads(node: ast.AST, defined: _Names) -> set[str]:
    """Names ``node`` reads before anything binds them, following a block's statements in order
    (``defined`` grows as they bind names). Function and class bodies are not followed."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        defined.add(node.name)
        return set()
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        defined.update(_bound_names(node))
        return set()
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        inner = _Names(defined, {n for g in node.generators for n in _target_names(g.target)})
        return {n.id for n in ast.walk(node) if _is_load(n) and n.id not in inner}
    if isinstance(node, ast.Lambda):
        return set()
    missing: set[str] = set()
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        value = node.value
        if value is not None:
            missing |= _undefined_reads(value, defined)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id not in defined:
            missing.add(node.target.id)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            missing |= {n.id for n in ast.walk(target) if _is_load(n) and n.id not in defined}  # x[i] = ...
            defined.update(_target_names_stored(target))
        return missing
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Load) and node.id not in defined else set()
    if isinstance(node, ast.ExceptHandler):
        if node.type is not None:
            missing |= _undefined_reads(node.type, defined)
        if node.name:
            defined.add(node.name)
        for stmt in node.body:
            missing |= _undefined_reads(stmt, defined)
        return missing
    if isinstance(node, ast.withitem):
        missing |= _undefined_reads(node.context_expr, defined)
        if node.optional_vars is not None:
            defined.update(_target_names_stored(node.optional_vars))
        return missing
    for _, value in ast.iter_fields(node):  # in field order: a test before its body, items before a with's body
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                missing |= _undefined_reads(child, defined)
    return missing


def _is_load(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)


def _target_names_stored(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _walk_outside_functions(node: ast.AST):
    """Every node ``node`` evaluates at the top level: not inside a def, lambda or class body."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                yield from _walk_outside_functions(child)  # comprehensions bind their own names: checked below
                continue
            stack.append(child)


def _bound_names(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in stmt.names}
    names: set[str] = set()
    for child in ast.walk(stmt):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.add(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(child.name)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in child.names}
    return names


def _target_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _walk_statements(stmt: ast.stmt) -> list[ast.stmt]:
    return [node for node in ast.walk(stmt) if isinstance(node, ast.stmt) and node is not stmt]


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _describe(stmt: ast.stmt) -> str:
    """A short, one-line picture of ``stmt`` for the learner's note."""
    try:
        text = ast.unparse(stmt).splitlines()[0]
    except Exception:  # noqa: BLE001
        text = type(stmt).__name__
    return text if len(text) <= 60 else text[:57] + "..."
