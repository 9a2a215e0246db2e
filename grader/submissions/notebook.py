"""A Jupyter/Colab notebook (``.ipynb``) graded by the same function contract as a ``.py``.

The code cells, in order, become one module the worker imports:

1. **Read** the JSON directly (nbformat 4 with any minor version, Colab's ``4.0`` included, and
   nbformat 3's worksheets). Only the code cells' sources matter, so duplicated cell ids,
   missing ``outputs`` fields and megabytes of outputs never stop a notebook from being graded.
2. **IPython syntax** becomes Python as a kernel does it (:mod:`.ipython_syntax`). ``%time`` /
   ``%timeit`` / ``%%time`` / ``%%capture`` keep their body as ordinary code (so ``%time x = 1``
   still assigns ``x``); other magics and shell lines are noted and never run
   (``!pip install``, ``%%bash``, ``%%writefile``; a ``get_ipython()`` stand-in answers them
   when ``--run-all`` keeps them).
3. **Top-level work is not run** (:mod:`.top_level`): definitions, imports and constants stay;
   data loading, downloads, training, plots and prints at the top level are skipped, each kind
   with its own note; inside a kept ``if``/``try``/``with`` the same rule holds, and
   ``if __name__ == "__main__":`` is read as true, as in a kernel. A kept statement is the
   learner's own lines, with what is left out inside a block made ``pass`` (line numbers kept).
   An import of a module this Python lacks is left out (its text too) and named once.
4. A cell with a **syntax error** is left out, and the note says "cell 7, line 3: SyntaxError:
   ...", as a kernel would fail that cell alone and run the rest.
5. **Each cell is a unit** (:attr:`PreparedSource.units`): the worker runs the units one after
   another, and a unit that raises stops only itself, as a kernel's cell does
   (:mod:`.feedback` turns what stopped into the learner's notes).

The line map sends each line of the module back to its cell and line, so a traceback speaks of
the learner's cells.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from grader.bounded_json import json_depth
from grader.messages import message_ref
from grader.submissions import ipython_syntax, top_level
from grader.submissions.intake import Intake
from grader.submissions.prepared import Binding, PreparedSource, SourceLine, UnreadableSubmission

SUFFIX = ".ipynb"
# Bounds, so that reading a notebook is linear in its size (README: "Grading-side bounds"). A course
# notebook is far inside each: ~100 cells, ~20 KB of code, JSON nested ~8 deep, expressions ~20 deep.
MAX_BYTES = 64 * 1024 * 1024  # outputs may hold megabytes of progress bars; past this it is not a course notebook
MAX_JSON_DEPTH = 64  # nbformat nests 6 deep; widget state in metadata a little more
MAX_NUMBER_DIGITS = 32  # a longer number (a 5,000-digit execution_count) is read as None
MAX_CELLS = 10_000
MAX_CODE_CHARS = 4 * 1024 * 1024  # the code cells' sources together
MAX_STATEMENTS = 50_000  # top-level statements, all cells together
MAX_AST_DEPTH = 100  # a cell's syntax tree; a sum of 5,000 terms is 5,000 deep
TIMING_MAGICS = {"time", "timeit", "capture", "prun"}  # their body is ordinary code, run once
NOTED_MAGICS = {"pip", "conda", "bash", "sh", "script", "writefile", "system", "getoutput"}
# The generated notebook's last cell (grader.notebooks.grade_cell) grades the notebook from its kernel: not the
# learner's code, so it is left out like a markdown cell (it would only be skipped and noted as top-level work)
GRADE_CELL_IMPORT = "from grader.practice.notebook_cell import grade_this_notebook"
SHELL_STANDIN = """class _KerasdrillShell:  # kerasdrill: IPython's shell, as far as grading needs it
    def run_line_magic(self, name, line):
        return None

    def run_cell_magic(self, name, line, cell):
        return None

    def system(self, command):
        return None

    def getoutput(self, command):
        return []


def get_ipython():
    return _KerasdrillShell()
"""


def read_code_cells(data: bytes) -> tuple[list[tuple[int, str]], dict]:
    """``(cell number, source)`` of every code cell (the number counts every cell from 1, as the
    notebook shows them top to bottom), and ``metadata.kerasdrill`` (``{}`` if it has none: a
    notebook kerasdrill did not make). :class:`UnreadableSubmission` for what is not a notebook, or
    is one past the bounds (:data:`MAX_JSON_DEPTH`, :data:`MAX_CELLS`, :data:`MAX_CODE_CHARS`)."""
    if len(data) > MAX_BYTES:
        raise UnreadableSubmission(message_ref("notebook.too_large", limit=f"{MAX_BYTES // 2**20} MB"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableSubmission(message_ref("notebook.not_utf8")) from None
    deepest = json_depth(text, MAX_JSON_DEPTH)
    if deepest > MAX_JSON_DEPTH:
        raise UnreadableSubmission(message_ref("notebook.json_too_deep", limit=MAX_JSON_DEPTH))
    try:  # a number past 32 digits (a 5,000-digit execution_count) is read as None: no cell field needs one
        data_ = json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float)
    except json.JSONDecodeError as error:
        raise UnreadableSubmission(
            message_ref("notebook.broken_json", line=error.lineno, column=error.colno, error=error.msg)
        ) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise UnreadableSubmission(
            message_ref("notebook.broken_json", line="?", column="?", error=type(error).__name__)
        ) from None
    if not isinstance(data_, dict):
        raise UnreadableSubmission(message_ref("notebook.not_a_notebook"))
    major = data_.get("nbformat")
    if isinstance(major, int) and major < 3:
        raise UnreadableSubmission(message_ref("notebook.old_format", major=major))
    if isinstance(data_.get("cells"), list):
        cells, key = data_["cells"], "source"
    elif isinstance(data_.get("worksheets"), list):  # nbformat 3
        cells = [
            c
            for sheet in data_["worksheets"]
            if isinstance(sheet, dict) and isinstance(sheet.get("cells"), list)
            for c in sheet["cells"]
        ]
        key = "input"
    else:
        raise UnreadableSubmission(message_ref("notebook.no_cells"))
    if len(cells) > MAX_CELLS:
        raise UnreadableSubmission(
            message_ref("notebook.too_many_cells", found=f"{len(cells):,}", limit=f"{MAX_CELLS:,}")
        )
    found, code = [], 0
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get(key, cell.get("source", ""))
            if isinstance(source, list):  # nbformat's lines; anything else in the list is not code
                source = "".join(line for line in source if isinstance(line, str))
            source = source if isinstance(source, str) else ""
            code += len(source)
            if code > MAX_CODE_CHARS:
                raise UnreadableSubmission(message_ref("notebook.too_much_code", limit=f"{MAX_CODE_CHARS:,}"))
            found.append((number, source))
    metadata = data_.get("metadata")
    made_for = metadata.get("kerasdrill") if isinstance(metadata, dict) else None
    return found, made_for if isinstance(made_for, dict) else {}


def _bounded_int(text: str) -> int | None:
    return int(text) if len(text) <= MAX_NUMBER_DIGITS else None


def _bounded_float(text: str) -> float | None:
    return float(text) if len(text) <= MAX_NUMBER_DIGITS else None


def parse_cell(text: str, cell: int) -> ast.Module:
    """``text`` parsed, or :class:`SyntaxError` (the cell is left out with a note); a cell Python's
    parser cannot take (RecursionError, MemoryError, a null byte) or whose tree is deeper than
    :data:`MAX_AST_DEPTH` is the learner's unreadable file, so nothing later recurses past a bound."""
    try:
        module = ast.parse(text)
    except SyntaxError:
        raise
    except RecursionError:  # CPython's own bound on nesting, met before ours
        raise UnreadableSubmission(message_ref("notebook.cell_too_deep", cell=cell, limit=MAX_AST_DEPTH)) from None
    except (MemoryError, ValueError) as error:
        raise UnreadableSubmission(
            message_ref("notebook.cell_unparsable", cell=cell, error=type(error).__name__)
        ) from None
    if ast_depth(module, MAX_AST_DEPTH) > MAX_AST_DEPTH:
        raise UnreadableSubmission(message_ref("notebook.cell_too_deep", cell=cell, limit=MAX_AST_DEPTH))
    return module


def ast_depth(tree: ast.AST, limit: int) -> int:
    """How deep ``tree`` nests (iteratively; stops counting past ``limit``)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def load(source: Intake, session_dir: Path, *, run_all: bool = False) -> PreparedSource:
    """Write the notebook's code as ``<stem>.py`` in ``session_dir`` (see the module docstring).
    Linear in the notebook's size; any bound hit is :class:`UnreadableSubmission`, never our fault."""
    try:
        return _load(source, session_dir, run_all=run_all)
    except (RecursionError, MemoryError) as error:  # a bound we did not foresee: still the learner's file
        raise UnreadableSubmission(
            message_ref("notebook.cell_unparsable", cell="?", error=type(error).__name__)
        ) from None


def _load(source: Intake, session_dir: Path, *, run_all: bool) -> PreparedSource:
    notes: list = []
    not_run: list[tuple[int, str]] = []  # (cell, the magic or shell line as written)
    parsed: list[tuple[int, ast.Module]] = []
    texts: dict[int, list[str]] = {}
    cells, made_for = read_code_cells(source.data)
    statements = 0
    for number, cell_source in cells:
        if GRADE_CELL_IMPORT in cell_source:
            continue
        text = ipython_syntax.transform_cell(cell_source)
        try:
            module = parse_cell(text, number)
        except SyntaxError as error:
            line = min(error.lineno or 1, len(cell_source.splitlines()) or 1)
            problem = f"{type(error).__name__}: {error.msg}"
            notes.append(message_ref("notebook.syntax_error", cell=number, line=line, error=problem))
            continue
        module.body = _unwrap_timing(module.body, not_run, number)
        statements += len(module.body)
        if statements > MAX_STATEMENTS:
            raise UnreadableSubmission(message_ref("notebook.too_many_statements", limit=f"{MAX_STATEMENTS:,}"))
        parsed.append((number, module))
        texts[number] = text.splitlines()
    if not_run:
        cells = cell_list(sorted({number for number, _ in not_run}))
        notes.append(message_ref("notebook.not_run", cells=cells, code="; ".join(dict.fromkeys(c for _, c in not_run))))
    absent: list[str] = []  # modules this Python lacks, each named once, in the order first imported
    found: dict[str, bool] = {}  # a module name -> whether this Python has it (asked once per notebook)
    selection = top_level.select(parsed, run_all=run_all, absent=lambda stmt: _imports_absent(stmt, absent, found))
    if absent:
        notes.append(message_ref("notebook.not_installed", modules=", ".join(absent)))
    notes += _skip_notes(selection.skipped)
    kept = {id(stmt) for stmt in selection.kept}
    lines: list[str] = []
    line_map: dict[int, SourceLine] = {}
    units: list[tuple[int, int]] = []
    calls = any("get_ipython" in "\n".join(lines_of) for lines_of in texts.values())  # a cheap look first
    if calls and any(_calls_ipython(stmt) for stmt in selection.kept):
        lines += [*SHELL_STANDIN.splitlines(), ""]
        units.append((1, len(lines)))
    for number, module in parsed:
        body = module.body
        start = len(lines) + 1
        for index, stmt in enumerate(body):
            if id(stmt) not in kept:
                continue
            block, origins = _statement_lines(stmt, index, body, texts[number], selection)
            for text, line in zip(block, origins):
                lines.append(text)
                line_map[len(lines)] = SourceLine(cell=number, line=line)
        if len(lines) >= start:
            units.append((start, len(lines)))  # a cell runs as a kernel runs it: a failure stops only the cell
    session_dir.mkdir(parents=True, exist_ok=True)
    target = session_dir / f"{source.stem}.py"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return PreparedSource(
        path=target,
        line_map=line_map,
        notes=notes,
        made_for=made_for,
        units=units,
        bindings=_bindings(parsed, kept),
    )


def _statement_lines(
    stmt: ast.stmt, index: int, body: list[ast.stmt], text: list[str], selection: top_level.Selection
) -> tuple[list[str], list[int]]:
    """A kept statement's lines and the cell line each came from: the learner's own lines (with the
    blank lines and comments just above), with the statements left out inside a block made ``pass``
    and ``__name__ == "__main__"`` read as ``True``; rewritten from its syntax tree where its lines
    are shared (``a = 1; print(a)``) or it came from a ``%time`` line."""
    first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
    last = stmt.end_lineno or stmt.lineno
    before = (body[index - 1].end_lineno or 0) if index else 0
    after = body[index + 1].lineno if index + 1 < len(body) else last + 1
    dropped = selection.dropped.get(id(stmt), [])
    tests = selection.main_tests.get(id(stmt), [])
    if not getattr(stmt, "_kerasdrill_unwrapped", False) and before < first and after > last:
        block = _edited(text[before:last], before, dropped, tests)
        if block is not None:
            return block, list(range(before + 1, last + 1))
    if dropped or tests:
        _edit_tree(stmt, dropped, tests)
    block = ast.unparse(stmt).splitlines()  # a %time body, or "a = 1; print(a)": its own lines
    return block, [stmt.lineno] * len(block)


def _edited(lines: list[str], offset: int, dropped: list[ast.stmt], tests: list[ast.expr]) -> list[str] | None:
    """``lines`` (cell lines ``offset + 1`` on) with each of ``dropped`` replaced by ``pass`` at its own
    indentation and each of ``tests`` by ``True``; ``None`` where a statement shares a line with another."""
    lines = list(lines)
    for stmt in dropped:
        first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))]) - offset - 1
        last = (stmt.end_lineno or stmt.lineno) - offset - 1
        head, tail = lines[first].encode(), lines[last].encode()[stmt.end_col_offset or 0 :].strip()
        indent = head[: stmt.col_offset]
        if indent.strip() or (tail and not tail.startswith(b"#")) or len(head) <= stmt.col_offset:
            return None
        lines[first] = indent.decode() + "pass"
        for line in range(first + 1, last + 1):
            lines[line] = ""
    for test in tests:
        if test.lineno != test.end_lineno:
            return None
        line = lines[test.lineno - offset - 1].encode()
        lines[test.lineno - offset - 1] = (line[: test.col_offset] + b"True" + line[test.end_col_offset :]).decode()
    return lines


def _edit_tree(stmt: ast.stmt, dropped: list[ast.stmt], tests: list[ast.expr]) -> None:
    """The same edits as :func:`_edited`, on the syntax tree (the statement is not used afterwards)."""
    gone, true = {id(s) for s in dropped}, {id(t) for t in tests}
    for node in ast.walk(stmt):
        if isinstance(node, ast.If) and id(node.test) in true:
            node.test = ast.copy_location(ast.Constant(True), node.test)
        for name, value in ast.iter_fields(node):
            if isinstance(value, list) and any(id(item) in gone for item in value):
                setattr(node, name, [ast.copy_location(ast.Pass(), s) if id(s) in gone else s for s in value])


def _bindings(parsed: list[tuple[int, ast.Module]], kept: set[int]) -> dict[str, list[Binding]]:
    """Each top-level name: where it is bound (cell, line), whether by a definition, and whether kept."""
    found: dict[str, list[Binding]] = {}
    for number, module in parsed:
        for stmt in module.body:
            definition = isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            for name in top_level.bound_names(stmt):
                found.setdefault(name, []).append(Binding(number, stmt.lineno, definition, id(stmt) in kept))
    return found


_SKIP_MESSAGES = {
    "work": "notebook.skipped_work",
    "data": "notebook.skipped_data",
    "output": "notebook.skipped_output",
    "loop": "notebook.skipped_loop",
    "needs": "notebook.skipped_needs",
    "undefined": "notebook.skipped_undefined",
    "colab": "notebook.skipped_colab",
    "other": "notebook.skipped_other",
}
MAX_LATER_NOTES = 5


def _skip_notes(skipped: list[top_level.Skip]) -> list:
    """One note per kind of skipped code (which cells, up to three examples), and one per statement
    left out because it uses a name first made in a later cell (up to :data:`MAX_LATER_NOTES`)."""
    notes: list = []
    shown = [s for s in skipped if "get_ipython()" not in s.text and s.kind != "absent"]  # those are noted above
    for kind, message_id in _SKIP_MESSAGES.items():
        of_kind = [s for s in shown if s.kind == kind]
        if not of_kind:
            continue
        examples = "; ".join(list(dict.fromkeys(s.text for s in of_kind))[:3])
        params = {"cells": cell_list(sorted({s.cell for s in of_kind})), "examples": examples}
        if kind in ("needs", "undefined"):
            params["names"] = ", ".join(dict.fromkeys(n for s in of_kind for n in s.names))
        notes.append(message_ref(message_id, **params))
    for skip in [s for s in shown if s.kind == "later"][:MAX_LATER_NOTES]:
        notes.append(
            message_ref(
                "notebook.skipped_later",
                cell=skip.cell,
                line=skip.line,
                code=skip.text,
                names=", ".join(skip.names),
                later=skip.later,
            )
        )
    return notes


def _unwrap_timing(body: list[ast.stmt], not_run: list[tuple[int, str]], cell: int) -> list[ast.stmt]:
    """``%time stmt`` / ``%%time`` cells as their plain statements; shell lines and other magics
    that would change something outside Python added to ``not_run``."""
    out: list[ast.stmt] = []
    for stmt in body:
        call = _ipython_call(stmt)
        if call is None:
            out.append(stmt)
            continue
        method, name, line, cell_body = call
        if method in ("run_line_magic", "run_cell_magic") and name in TIMING_MAGICS:
            code = cell_body if method == "run_cell_magic" else _strip_options(line)
            try:
                inner = parse_cell(code, cell).body
            except SyntaxError:
                out.append(stmt)
                continue
            for node in inner:
                ast.increment_lineno(node, stmt.lineno - 1)
                node._kerasdrill_unwrapped = True  # type: ignore[attr-defined]
            out.extend(inner)
            continue
        if method in ("system", "getoutput"):
            if not line.startswith("grade "):  # a notebook's own self-check cell: nothing to tell
                not_run.append((cell, _short(f"!{line}")))
        elif name in NOTED_MAGICS:
            not_run.append((cell, _short(f"{'%%' if method == 'run_cell_magic' else '%'}{name} {line}")))
        out.append(stmt)
    return out


def _ipython_call(stmt: ast.stmt) -> tuple[str, str, str, str] | None:
    """``get_ipython().method(args)`` as (method, magic name or command, line, cell body)."""
    value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return None
    owner = value.func.value
    if not (isinstance(owner, ast.Call) and isinstance(owner.func, ast.Name) and owner.func.id == "get_ipython"):
        return None
    args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else "" for a in value.args]
    args += [""] * (3 - len(args))
    if value.func.attr in ("system", "getoutput"):
        return value.func.attr, args[0].split(" ")[0], args[0], ""
    return value.func.attr, args[0], args[1], args[2]


def _strip_options(line: str) -> str:
    """``-n 10 -r 3 f(3)`` -> ``f(3)``: %timeit's options are not Python (read word by word: no regex backtracks)."""
    rest = line.lstrip()
    while rest.startswith("-"):
        flag, _, after = rest.partition(" ")
        if not after or not flag[1:].isascii() or not flag[1:].isalpha():
            break
        after = after.lstrip()
        number, _, tail = after.partition(" ")
        rest = tail.lstrip() if number.isdigit() and tail else after
    return rest


def _imports_absent(stmt: ast.stmt, absent: list[str], found: dict[str, bool]) -> bool:
    """Whether ``stmt`` imports a module this Python does not have (matplotlib for the lesson's plots,
    google.colab); each such module is added to ``absent`` once. In a kernel it worked; here it would
    fail its cell, so it is left out and noted, and what uses it is left out as reading an unmade name."""
    import importlib.util

    names = []
    if isinstance(stmt, ast.Import):
        names = [alias.name.split(".")[0] for alias in stmt.names]
    elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
        names = [stmt.module.split(".")[0]]
    missing = []
    for name in names:
        if name not in found:
            try:
                found[name] = importlib.util.find_spec(name) is not None  # a top-level name: found, never imported
            except (ImportError, ValueError):
                found[name] = False
        if not found[name]:
            missing.append(name)
    absent.extend(name for name in missing if name not in absent)
    return bool(missing)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _calls_ipython(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "get_ipython" for n in ast.walk(stmt))


def cell_list(cells: list[int]) -> str | dict:
    """``"2, 3, 5"``; past eight cells, a message (``"2, 3, ... and 11 more"`` in the reader's language)."""
    shown = ", ".join(map(str, cells[:8]))
    if len(cells) <= 8:
        return shown
    return message_ref("notebook.cells_and_more", cells=shown, more=len(cells) - 8)
