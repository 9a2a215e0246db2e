"""A Jupyter/Colab notebook (``.ipynb``): its code cells, in order, as one module.

Markdown and raw cells and all outputs are ignored. IPython magics and shell
escapes (``%``/``!`` lines) are commented out. The line map tells, for each line
of the generated module, which cell and line of the notebook it came from.
"""

from __future__ import annotations

from pathlib import Path

from grader.submissions.prepared import PreparedSource, SourceLine, UnreadableSubmission

SUFFIX = ".ipynb"
MAX_BYTES = 64 * 1024 * 1024  # outputs may hold megabytes of progress bars; past this it is not a course notebook


def load(path: Path, session_dir: Path) -> PreparedSource:
    """Write the notebook's code as ``<stem>.py`` in ``session_dir``."""
    import nbformat  # only when a notebook is graded

    if path.stat().st_size > MAX_BYTES:
        raise UnreadableSubmission(f"the file is larger than {MAX_BYTES // 2**20} MB")
    try:
        notebook = nbformat.read(str(path), as_version=4)
        cells = list(notebook.cells)
    except Exception as exc:  # not JSON, not UTF-8, not a notebook: the file's problem, said in its words
        raise UnreadableSubmission(f"{type(exc).__name__}: {str(exc).strip()[:300]}") from None
    lines: list[str] = []
    line_map: dict[int, SourceLine] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") != "code":
            continue
        if lines:
            lines.append("")
        lines.append(f"# --- cell {index + 1} ---")
        for number, line in enumerate(str(cell.get("source", "")).splitlines(), start=1):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")):
                line = line[: len(line) - len(stripped)] + "pass  # " + stripped
            lines.append(line)
            line_map[len(lines)] = SourceLine(cell=index + 1, line=number)
    target = session_dir / f"{path.stem}.py"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return PreparedSource(path=target, line_map=line_map)
