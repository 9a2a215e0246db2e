"""What a loader hands the engine: the file the worker imports, and how to find the learner's own lines in it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class UnreadableSubmission(Exception):
    """The learner's file could not be read (a link, not a notebook, not UTF-8, too large, too deep).

    The learner's problem, not the grader's: every check fails with the catalogue message
    ``message_id`` whose ``error`` parameter is ``reason`` (a :func:`~grader.messages.message_ref`,
    so it is rendered in the learner's language).
    """

    def __init__(self, reason: Any, *, message_id: str = "engine.unreadable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message_id = message_id

    def __reduce__(self) -> tuple:  # a forked grading process receives it with the submission's one read
        return (_unreadable, (self.reason, self.message_id))


def _unreadable(reason: Any, message_id: str) -> UnreadableSubmission:
    return UnreadableSubmission(reason, message_id=message_id)


@dataclass(frozen=True)
class SourceLine:
    """A place in the learner's own file: a line, and for a notebook the cell (both 1-based)."""

    line: int
    cell: int | None = None


@dataclass(frozen=True)
class Binding:
    """Where a notebook binds a top-level name: its cell and line, whether by a ``def``/``class``, and
    whether that statement is run while grading."""

    cell: int
    line: int
    definition: bool
    kept: bool


@dataclass
class PreparedSource:
    """A submission made ready for the worker.

    ``path`` is the Python file the worker imports. ``line_map`` maps a line of
    that file to the learner's own place (empty: the lines are the learner's, as
    for a ``.py``). ``notes`` are catalogue messages (:func:`~grader.messages.message_ref`)
    about what the loader changed, e.g. a shell line it did not run.

    ``units`` (a notebook's cells): the line ranges of :attr:`path`, first and last line, that the
    worker runs one after another as a kernel runs cells, a failure stopping only its own range;
    empty: the file is imported whole, as Python imports a ``.py``. ``bindings``: where each
    top-level name is bound, to explain a function the checks did not find.
    """

    path: Path
    line_map: dict[int, SourceLine] = field(default_factory=dict)
    notes: list[Any] = field(default_factory=list)
    made_for: dict[str, Any] = field(default_factory=dict)  # a generated notebook's metadata.kerasdrill
    units: list[tuple[int, int]] = field(default_factory=list)
    bindings: dict[str, list[Binding]] = field(default_factory=dict)

    def locate(self, line: int) -> SourceLine:
        """Where line ``line`` of :attr:`path` came from in the learner's file."""
        return self.line_map.get(line, SourceLine(line=line))

    def in_learner_terms(self, value: Any) -> Any:
        """``value`` (text, or a message's params) with every "line N" of :attr:`path` in a traceback
        or a SyntaxError told as the learner's "cell C, line L" (nothing changes for a ``.py``)."""
        if not self.line_map:
            return value
        if isinstance(value, dict):
            return {key: self.in_learner_terms(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.in_learner_terms(item) for item in value]
        if not isinstance(value, str):
            return value
        name = re.escape(self.path.name)

        def place(match: re.Match) -> str:
            where = self.locate(int(match.group("line")))
            return f"cell {where.cell}, line {where.line}" if where.cell else f"line {where.line}"

        value = re.sub(rf'File "(?:[^"]*/)?{name}", line (?P<line>\d+)', lambda m: "In " + place(m), value)
        return re.sub(rf"\({name}, line (?P<line>\d+)\)", lambda m: f"({place(m)})", value)
