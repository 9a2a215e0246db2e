"""IPython syntax in a notebook cell (``%magic``, ``%%cell magic``, ``!shell``, ``x = !cmd``, ``obj?``)
turned into plain Python, the way Jupyter and Colab themselves do it.

With IPython installed (every Jupyter and Colab environment has it) its own input transformer
does the work, so the result is exactly what a kernel runs: ``get_ipython().run_line_magic(...)``,
``.run_cell_magic(...)``, ``.system(...)``, ``.getoutput(...)``. Without IPython, a small fallback
writes the same calls for the common forms, and leaves lines inside triple-quoted strings alone.
What those calls then do while grading is up to the notebook loader (:mod:`.notebook`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import sys
import types

_NAME = re.compile(r"[\w.]+")  # a dotted name; no nested quantifier anywhere below, so no regex here backtracks
_TARGETS = re.compile(r"[\w.]+(?:\s*,\s*[\w.]+)*")  # "a", "a, b.c": each part starts after a comma
#: IPython's transformer tokenizes the whole cell again for each magic it rewrites (up to 500 times):
#: past this many (lines that may hold a magic) x (characters in the cell), the linear fallback reads it.
IPYTHON_WORK_LIMIT = 2_000_000


def transform_cell(source: str) -> str:
    """``source`` (one cell) as plain Python, in time linear in its size (see :data:`IPYTHON_WORK_LIMIT`)."""
    if _plain_python(source):  # nothing IPython would change (but the final newline): not tokenized twice
        return source if source.endswith("\n") else source + "\n"
    manager = _ipython_transformer()
    if manager is None or _magic_lines(source) * len(source) > IPYTHON_WORK_LIMIT:  # IPython is never required
        return fallback_transform(source)
    try:
        return manager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython refusing a cell: the fallback's reading is still useful
        return fallback_transform(source)


@functools.cache
def _ipython_transformer() -> type | None:
    """IPython's ``TransformerManager``, or ``None`` without IPython.

    ``import IPython.core.inputtransformer2`` first runs ``IPython/__init__.py``, which imports the
    whole shell (0.19 s with IPython 9, 0.55 s with IPython 8; as much as grading exercise 05).
    The transformer itself needs only the standard library and, from IPython 9 on,
    ``IPython.utils.tokenutil`` (standard library only too). So both are loaded from their files,
    with ``IPython`` and ``IPython.utils`` standing in as bare packages while they load and removed
    after: 8 ms. Any surprise (a future IPython needing more) falls back to the ordinary import.
    """
    try:
        package = importlib.util.find_spec("IPython")
    except (ImportError, ValueError):
        return None
    if package is None or not package.origin:
        return None
    if "IPython" not in sys.modules:
        try:
            return _load_without_the_shell(os.path.dirname(package.origin)).TransformerManager
        except Exception:  # noqa: BLE001
            pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except Exception:  # noqa: BLE001
        return None
    return TransformerManager


def _load_without_the_shell(root: str) -> types.ModuleType:
    before = set(sys.modules)

    def load(name: str, *parts: str) -> types.ModuleType:
        spec = importlib.util.spec_from_file_location(name, os.path.join(root, *parts))
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module

    try:
        for name, folder in (("IPython", root), ("IPython.utils", os.path.join(root, "utils"))):
            stand_in = types.ModuleType(name)
            stand_in.__path__ = [folder]  # a bare package: its __init__ is never run
            sys.modules[name] = stand_in
        sys.modules["IPython.utils"].tokenutil = load("IPython.utils.tokenutil", "utils", "tokenutil.py")  # type: ignore[attr-defined]
        return load("_kerasdrill_inputtransformer2", "core", "inputtransformer2.py")
    finally:
        for name in set(sys.modules) - before:
            if name == "IPython" or name.startswith("IPython."):
                del sys.modules[name]


def fallback_transform(source: str) -> str:
    """A line-based transform for the forms course notebooks use; see the module docstring."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        name, _, args = lines[0].lstrip()[2:].partition(" ")
        body = "\n".join(lines[1:]) + ("\n" if len(lines) > 1 else "")
        return f"get_ipython().run_cell_magic({name!r}, {args.strip()!r}, {body!r})\n"
    out: list[str] = []
    quote: str | None = None  # the triple quote we are inside, if any
    index = 0
    while index < len(lines):
        line = lines[index]
        if quote is None:
            converted, consumed = _convert(lines, index)
            if converted is not None:
                out.append(converted)
                out.extend([""] * (consumed - 1))  # joined continuation lines keep the line count
                index += consumed
                continue
        quote = _quote_after(line, quote)
        out.append(line)
        index += 1
    return "\n".join(out) + "\n"


_IPYTHON_STARTS = (">>>", "...", "In [", ",", ";", "/")  # prompts and escapes IPython's transformer rewrites


def _plain_python(source: str) -> bool:
    """Whether IPython's transformer would return ``source`` as it is: no ``%``, ``!`` or ``?`` anywhere,
    no line starting with a prompt or an escape, and a first line that is neither blank nor indented
    (IPython drops leading blank lines and a common indent)."""
    if not source or "%" in source or "!" in source or "?" in source or source[0].isspace():
        return False
    return not any(line.lstrip().startswith(_IPYTHON_STARTS) for line in source.splitlines())


def _magic_lines(source: str) -> int:
    """How many lines might hold IPython syntax (an over-count: every line with ``%``, ``!`` or ``?``)."""
    return sum(1 for line in source.splitlines() if "%" in line or "!" in line or "?" in line)


def _help(line: str) -> tuple[str, str, str] | None:
    """``obj?`` / ``??obj`` as (indent, magic, obj), or ``None``."""
    body = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    for mark, magic in (("??", "pinfo2"), ("?", "pinfo")):
        for obj in (
            body[len(mark) :] if body.startswith(mark) else None,
            body[: -len(mark)] if body.endswith(mark) else None,
        ):
            if obj and _NAME.fullmatch(obj):
                return indent, magic, obj
    return None


def _line_magic(line: str) -> tuple[str, str, str, str] | None:
    """``%magic``, ``!cmd``, ``x = %magic``, ``x, y = !cmd`` as (indent, target, kind, rest), or ``None``."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    if stripped[:1] in ("%", "!"):
        return indent, "", stripped[0], stripped[1:]
    equals = stripped.find("=")
    if equals <= 0:
        return None
    after = stripped[equals + 1 :].lstrip()
    target = stripped[:equals].strip()
    if after[:1] not in ("%", "!") or not _TARGETS.fullmatch(target):
        return None  # e.g. "a % b" is arithmetic, "a != b" a comparison, not a magic
    if after[0] == "%" and not after[1:2].isalpha():
        return None
    return indent, target, after[0], after[1:]


def _convert(lines: list[str], index: int) -> tuple[str | None, int]:
    line = lines[index]
    helped = _help(line)
    if helped:
        indent, magic, obj = helped
        return f"{indent}get_ipython().run_line_magic({magic!r}, {obj!r})", 1
    match = _line_magic(line)
    if match is None:
        return None, 1
    indent, target, kind, rest = match
    consumed = 1
    while rest.endswith("\\") and index + consumed < len(lines):
        rest = rest[:-1] + " " + lines[index + consumed]  # as IPython joins them
        consumed += 1
    if kind == "!":
        call = f"get_ipython().{'getoutput' if target else 'system'}({rest.strip()!r})"
    else:
        name, _, args = rest.partition(" ")
        call = f"get_ipython().run_line_magic({name!r}, {args.strip()!r})"
    return f"{indent}{target + ' = ' if target else ''}{call}", consumed


def _quote_after(line: str, quote: str | None) -> str | None:
    """Which triple quote is open after ``line`` (comments and single-quoted strings are rare
    enough beside magics that counting triple quotes is the right trade)."""
    position = 0
    while True:
        if quote is None:
            found = [(line.find(q, position), q) for q in ('"""', "'''") if line.find(q, position) >= 0]
            if not found:
                return None
            position, quote = min(found)
            position += 3
        else:
            end = line.find(quote, position)
            if end < 0:
                return quote
            position, quote = end + 3, None
