"""A class's outputs folder (``--out``): each chosen format's file written into it.

Shared by ``grade batch`` (:mod:`~grader.batch.report`) and ``grade merge`` (:mod:`~grader.batch.merge`),
which otherwise import each other's functions; here neither imports the other.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from grader.outputs import CLASS_WRITERS, WriteContext
from grader.outputs.base import encodable
from grader.results import ClassResult


def write_outputs(graded: ClassResult, out: str | os.PathLike, formats: Sequence[str], context: WriteContext) -> None:
    """Write each format's file into ``out`` (created if needed)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name in formats:
        writer = CLASS_WRITERS[name]
        (folder / writer.filename).write_text(encodable(writer.render_class(graded, context)), encoding="utf-8")
