"""Which of a notebook's top-level statements run while grading.

A course notebook defines the graded functions *and* runs the lesson: it loads MNIST from the
internet, trains for 20 epochs, plots the learning curve, prints the summary. Grading needs only
the definitions, so by default a top-level statement is kept when it is

* an import (but ``google.colab``, which exists only on Colab, and a module this Python lacks),
* a function or class definition (the last definition of a name wins, as in a kernel run top to
  bottom, since the statements stay in order; a body is never judged: it runs only when called),
* an assignment that does no *work*,
* an ``if``, ``try`` or ``with`` block whose header does no work: its own statements are chosen by
  the same rule (a ``try: import x`` / ``except ImportError:`` fallback keeps both branches), and
  ``if __name__ == "__main__":`` runs, since a kernel's ``__name__`` is ``"__main__"``,

and skipped when it is a bare expression (``model.summary()``, ``plt.show()``, a value to
display), a top-level loop, or anything that calls work: training and evaluation (``fit``,
``evaluate``, ``predict``, ...), loading data or downloading it (``load_data``, ``load_iris``,
``fetch_california_housing``, ``get_file``, ``read_csv``, ``open``, ...), plotting, printing, shell
and magic calls, or the notebook's own functions and classes (the checks call those; the lesson's
``model = build_cnn(); model.fit(...)`` is not needed to grade them). A statement that reads a name
only a skipped statement made, or a name first made in a *later* cell, is skipped too, so the
module still imports. Each skip has a kind (:data:`KINDS`), so the learner's note says what it was.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field

#: Calls that are the lesson's work, by the called name (the last part of ``a.b.name(...)``).
TRAINING = frozenset(
    {
        "fit", "fit_generator", "train_on_batch", "evaluate", "evaluate_generator", "predict",
        "predict_on_batch", "predict_proba", "cross_val_score", "cross_validate", "grid_search",
        "fit_transform", "train_test_split",
    }
)  # fmt: skip
DATA = frozenset(
    {
        "load_data", "get_file", "urlopen", "urlretrieve", "download", "read_csv", "read_excel", "mount",
        "upload", "input", "sleep", "open", "loadtxt", "genfromtxt", "imread", "read_json", "load_model",
        "load_weights", "load", "image_dataset_from_directory", "text_dataset_from_directory",
        "make_moons", "make_circles", "make_blobs", "make_classification", "make_regression",
    }
)  # fmt: skip
#: Called names that begin so are data too: scikit-learn's ``load_iris``/``fetch_openml``, pandas' ``read_*``.
DATA_PREFIXES = ("load_", "fetch_", "read_")
OUTPUT = frozenset(
    {
        "plot", "imshow", "scatter", "hist", "bar", "show", "savefig", "figure", "subplot", "subplots",
        "title", "xlabel", "ylabel", "legend", "print", "display", "summary", "plot_model", "pprint",
        # IPython calls (magics and shell lines)
        "system", "getoutput", "run_line_magic", "run_cell_magic",
    }
)  # fmt: skip
WORK = TRAINING | DATA | OUTPUT
#: What a skipped statement was, for the learner's note (each kind is one catalogue message).
KINDS = ("work", "data", "output", "loop", "needs", "undefined", "later", "colab", "absent", "other")
_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "get_ipython"}
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BLOCKS = (ast.If, ast.Try, ast.With, ast.AsyncWith) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())


@dataclass(frozen=True)
class Skip:
    """A skipped statement: its cell and line there, a one-line picture, and what it was (:data:`KINDS`).
    ``names``: for ``needs``/``later``, the names it read that nothing kept before it made;
    ``later``: for ``later``, the cell that first makes one of them."""

    cell: int
    line: int
    text: str
    kind: str
    names: tuple[str, ...] = ()
    later: int = 0


@dataclass
class Selection:
    """The statements to keep; for a kept block, the statements inside it that are left out
    (:attr:`dropped`) and the ``__name__ == "__main__"`` tests that are read as true (:attr:`main_tests`);
    and every skipped statement."""

    kept: list[ast.stmt] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    dropped: dict[int, list[ast.stmt]] = field(default_factory=dict)  # id(kept top-level statement) -> inside
    main_tests: dict[int, list[ast.expr]] = field(default_factory=dict)


def select(
    cells: list[tuple[int, ast.Module]],
    *,
    run_all: bool = False,
    absent: Callable[[ast.stmt], bool] = lambda stmt: False,
) -> Selection:
    """``cells`` (cell number, parsed cell) in notebook order -> what to run (see the module docstring).
    ``absent(stmt)``: whether an import statement names a module this Python lacks (already noted)."""
    everything = [(number, stmt) for number, module in cells for stmt in module.body]
    if run_all:  # everything, and ``__main__`` blocks too, as a kernel runs them
        mains = {id(s): [s.test] for _, s in everything if isinstance(s, ast.If) and _is_main_test(s.test)}
        return Selection(kept=[stmt for _, stmt in everything], main_tests=mains)
    # the notebook's own functions and classes are the lesson's to call, the checks' to grade
    working = {s.name for _, s in everything if isinstance(s, _DEFINITIONS)}
    work = WORK | working  # once: every statement below is judged in time linear in its own size
    first_made: dict[str, int] = {}  # name -> the first cell binding it at the top level (for "later")
    for number, stmt in everything:
        for name in bound_names(stmt):
            first_made.setdefault(name, number)
    chooser = _Chooser(work, absent, first_made)
    for number, stmt in everything:
        chooser.cell = number
        skip = chooser.judge(stmt, top=True)
        if skip:
            chooser.selection.skipped.append(skip)
            continue
        chooser.selection.kept.append(stmt)
    return chooser.selection


class _Chooser:
    """One pass over the statements, in order, with the names kept statements bound so far."""

    def __init__(self, work: frozenset[str] | set[str], absent: Callable[[ast.stmt], bool], first_made: dict) -> None:
        self.work = work
        self.absent = absent
        self.first_made = first_made
        self.defined: set[str] = set(_BUILTIN_NAMES)
        self.selection = Selection()
        self.cell = 0
        self._top: ast.stmt | None = None
        self._in_try = 0

    def judge(self, stmt: ast.stmt, *, top: bool = False) -> Skip | None:
        """``None`` if ``stmt`` is kept (its names then count as defined), else why it is skipped."""
        if top:
            self._top = stmt
        skip = self._why_skipped(stmt)
        if skip is None and not isinstance(stmt, _BLOCKS):
            self.defined |= bound_names(stmt)
        return skip

    def _skip(self, stmt: ast.stmt, kind: str, names: tuple[str, ...] = (), later: int = 0) -> Skip:
        return Skip(self.cell, getattr(stmt, "lineno", 0), _describe(stmt), kind, names, later)

    def _why_skipped(self, stmt: ast.stmt) -> Skip | None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            module = stmt.module if isinstance(stmt, ast.ImportFrom) else stmt.names[0].name
            if self._in_try:  # ``try: import google.colab`` / ``except ImportError:``: the fallback is the point
                return None
            if (module or "").split(".")[:2] == ["google", "colab"]:
                return self._skip(stmt, "colab")
            if self.absent(stmt):
                return self._skip(stmt, "absent")  # noted once by the loader, with the module's name
            return None
        if isinstance(stmt, _DEFINITIONS):
            evaluated = [*stmt.decorator_list]  # evaluated when the definition runs; the body is not
            if isinstance(stmt, ast.ClassDef):
                evaluated += [*stmt.bases, *(keyword.value for keyword in stmt.keywords)]
            else:
                evaluated += [*stmt.args.defaults, *(d for d in stmt.args.kw_defaults if d is not None)]
            for node in evaluated:
                skip = self._work_in(stmt, node)
                if skip:
                    return skip
            return None
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                return None  # a docstring
            if isinstance(stmt.value, ast.Call):
                return self._work_in(stmt, stmt) or self._skip(stmt, "other")  # its value would only be shown
            return self._skip(stmt, "output")  # a value shown as the cell's output
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            return self._skip(stmt, "loop")
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Pass)):
            return self._work_in(stmt, stmt)
        if isinstance(stmt, _BLOCKS):
            return self._block(stmt)
        return self._skip(stmt, "other")  # del, global, assert, raise, match, ...: not needed to define functions

    def _block(self, stmt: ast.stmt) -> Skip | None:
        """An ``if``/``try``/``with``: its header judged like an expression, its statements one by one."""
        main = isinstance(stmt, ast.If) and _is_main_test(stmt.test)
        if isinstance(stmt, ast.If):
            headers: list[ast.AST] = [] if main else [stmt.test]
            branches = [stmt.body] if main else [stmt.body, stmt.orelse]  # a kernel never runs main's else
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            headers, branches = list(stmt.items), [stmt.body]
        else:
            headers = [h.type for h in stmt.handlers if h.type is not None]
            branches = [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
        for header in headers:
            skip = self._work_in(stmt, header)
            if skip:
                return skip
        if main:
            self.selection.main_tests.setdefault(id(self._top), []).append(stmt.test)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                if item.optional_vars is not None:
                    self.defined |= _target_names_stored(item.optional_vars)
        catches_import = (
            not main
            and not isinstance(stmt, (ast.If, ast.With, ast.AsyncWith))
            and any(_catches_import_error(handler) for handler in stmt.handlers)
        )
        self._in_try += catches_import
        try:
            if isinstance(stmt, ast.If) or isinstance(stmt, (ast.With, ast.AsyncWith)):
                for branch in branches:
                    self._judge_all(branch)
            else:
                self._judge_all(stmt.body)
                for handler in stmt.handlers:
                    if handler.name:
                        self.defined.add(handler.name)
                    self._judge_all(handler.body)
                self._judge_all(stmt.orelse)
                self._judge_all(stmt.finalbody)
        finally:
            self._in_try -= catches_import
        return None

    def _judge_all(self, body: list[ast.stmt]) -> None:
        """The statements of a kept block: each kept or left out (and noted), in order."""
        for inner in body:
            skip = self.judge(inner)
            if skip:
                self.selection.dropped.setdefault(id(self._top), []).append(inner)
                self.selection.skipped.append(skip)

    def _work_in(self, stmt: ast.stmt, node: ast.AST) -> Skip | None:
        """Why evaluating ``node`` (part of ``stmt``) at the top level is skipped: it calls work (a
        name in ``work``), or reads a name nothing kept before it defines."""
        for child in _walk_outside_functions(node):
            if isinstance(child, ast.Call):
                name = _called_name(child.func)
                if name in self.work or name.startswith(DATA_PREFIXES):
                    return self._skip(stmt, _kind_of_call(name))
        missing = _undefined_reads(node, _Names(self.defined))
        if not missing:
            return None
        later = [self.first_made[n] for n in missing if self.first_made.get(n, 0) > self.cell]
        names = tuple(sorted(missing))
        if later and len(later) == len(missing):
            return self._skip(stmt, "later", names, min(later))
        if not any(n in self.first_made for n in missing):
            return self._skip(stmt, "undefined", names)  # a kernel run from the top would stop here too
        return self._skip(stmt, "needs", names)


def _kind_of_call(name: str) -> str:
    if name in TRAINING:
        return "work"
    if name in DATA or name.startswith(DATA_PREFIXES):
        return "data"
    return "output" if name in OUTPUT else "work"  # else: the notebook's own function, the lesson's to call


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either side)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    named = any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
    return named and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    """``except:``, ``except ImportError`` / ``ModuleNotFoundError`` / ``Exception`` (or a tuple with one)."""
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    wanted = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    return any(_called_name(t) in wanted for t in types)


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
        defined.update(bound_names(node))
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


def bound_names(stmt: ast.stmt) -> set[str]:
    """The names ``stmt`` binds at the level it runs (a definition: its name only)."""
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


def _describe(stmt: ast.stmt) -> str:
    """A short, one-line picture of ``stmt`` for the learner's note."""
    try:
        text = ast.unparse(stmt).splitlines()[0]
    except Exception:  # noqa: BLE001
        text = type(stmt).__name__
    return text if len(text) <= 60 else text[:57] + "..."
