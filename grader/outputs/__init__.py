"""Outputs: writers that turn results into what people, CI systems and gradebooks read.

:data:`WRITERS` maps a format name to a :class:`~grader.outputs.base.Writer`; the
CLI's ``--format`` choices come from it. A new format is a new module here with a
``WRITER`` and one line below. Every writer reads the same result objects
(:mod:`grader.results`), whose messages are kept as catalogue ids + parameters,
so stored results re-render in another language.
"""

from __future__ import annotations

from grader.outputs import canvas, checks, classroom, gradebook, gradescope, json, junit, markdown, moodle, text
from grader.outputs.base import WriteContext, Writer, plain

WRITERS: dict[str, Writer] = {
    writer.name: writer
    for writer in (
        text.WRITER,
        json.WRITER,
        gradebook.WRITER,
        checks.WRITER,
        junit.WRITER,
        gradescope.WRITER,
        classroom.WRITER,
        markdown.WRITER,
    )
}
#: The writers a batch can use (each writes one file into the outputs folder).
CLASS_WRITERS: dict[str, Writer] = {name: writer for name, writer in WRITERS.items() if writer.render_class}
#: LMS gradebook imports: a whole class's file with the roster's identifiers (``grade batch --roster``), so
#: batch formats only, never a single run's ``--format``.
CLASS_WRITERS.update({writer.name: writer for writer in (canvas.WRITER, moodle.WRITER)})
#: What ``grade batch`` and ``grade merge`` write unless ``--format`` says otherwise.
DEFAULT_CLASS_FORMATS = ("gradebook", "checks", "json", "junit")

__all__ = ["CLASS_WRITERS", "DEFAULT_CLASS_FORMATS", "WRITERS", "WriteContext", "Writer", "plain"]
