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
   training, downloads, plots and prints at the top level are skipped and listed for the learner.
4. A cell with a **syntax error** is left out, and the note says "cell 7, line 3: SyntaxError:
   ...", as a kernel would fail that cell alone and run the rest.

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
from grader.submissions.prepared import PreparedSource, SourceLine, UnreadableSubmission

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
        cells = _cell_list(sorted({number for number, _ in not_run}))
        notes.append(message_ref("notebook.not_run", cells=cells, code="; ".join(dict.fromkeys(c for _, c in not_run))))
    if not run_all:  # before the selection, so that what needs a missing module is skipped too
        absent: list[str] = []
        for _, module in parsed:
            module.body = _installed_imports_only(module.body, absent)
        if absent:
            notes.append(message_ref("notebook.not_installed", modules=", ".join(absent)))
    selection = top_level.select(parsed, run_all=run_all)
    skipped = [(n, text) for n, text in selection.skipped if "get_ipython()" not in text]  # noted above
    if skipped:
        cells = _cell_list(sorted({number for number, _ in skipped}))
        examples = "; ".join(list(dict.fromkeys(text for _, text in skipped))[:3])
        notes.append(message_ref("notebook.skipped_top_level", cells=cells, examples=examples))
    kept = {id(stmt) for stmt in selection.kept}
    lines: list[str] = []
    line_map: dict[int, SourceLine] = {}
    calls = any("get_ipython" in "\n".join(lines_of) for lines_of in texts.values())  # a cheap look first
    if calls and any(_calls_ipython(stmt) for stmt in selection.kept):
        lines += [*SHELL_STANDIN.splitlines(), ""]
    for number, module in parsed:
        body = module.body
        for index, stmt in enumerate(body):
            if id(stmt) not in kept:
                continue
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
            last = stmt.end_lineno or stmt.lineno
            before = (body[index - 1].end_lineno or 0) if index else 0
            after = body[index + 1].lineno if index + 1 < len(body) else last + 1
            if getattr(stmt, "_kerasdrill_unwrapped", False) or before >= first or after <= last:
                block = ast.unparse(stmt).splitlines()  # a %time body, or "a = 1; print(a)": its own lines
                origins = [stmt.lineno] * len(block)
            else:  # the learner's own lines, with the blank lines and comments just above
                block = texts[number][before:last]
                origins = list(range(before + 1, last + 1))
            for text, line in zip(block, origins):
                lines.append(text)
                line_map[len(lines)] = SourceLine(cell=number, line=line)
    session_dir.mkdir(parents=True, exist_ok=True)
    target = session_dir / f"{source.stem}.py"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return PreparedSource(path=target, line_map=line_map, notes=notes, made_for=made_for)


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


def _installed_imports_only(body: list[ast.stmt], absent: list[str]) -> list[ast.stmt]:
    """``body`` without the top-level imports of modules this Python does not have (matplotlib for
    the lesson's plots, google.colab), which are added to ``absent``: in a kernel they worked, here
    they would fail the whole file."""
    import importlib.util

    out = []
    for stmt in body:
        names = []
        if isinstance(stmt, ast.Import):
            names = [alias.name.split(".")[0] for alias in stmt.names]
        elif isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
            names = [stmt.module.split(".")[0]]
        missing = []
        for name in names:
            try:
                found = importlib.util.find_spec(name) is not None  # a top-level name: found, never imported
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.append(name)
        if missing:
            absent.extend(name for name in missing if name not in absent)
        else:
            out.append(stmt)
    return out


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 50 else text[:47] + "..."


def _calls_ipython(stmt: ast.stmt) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "get_ipython" for n in ast.walk(stmt))


def _cell_list(cells: list[int]) -> str:
    shown = ", ".join(map(str, cells[:8]))
    return shown + (f" and {len(cells) - 8} more" if len(cells) > 8 else "")
