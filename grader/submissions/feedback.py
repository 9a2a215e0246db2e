"""What a notebook's report says about its cells, once the worker has run them.

The loader (:mod:`.notebook`) decides what runs; the worker runs each cell as a kernel does and
tells which stopped (:meth:`~grader.sandbox.client.WorkerClient.cell_errors`). Here, on the grading
side, from those facts only:

* each stopped cell is a note naming its cell and line and the error (never only under ``--verbose``);
* a function the checks did not find is explained when the notebook does bind it: its cell stopped
  before the ``def``, a later cell bound the name again (``scale = 255`` after ``def scale``), or
  its ``def`` was not run (its decorator does the lesson's work) -- instead of "check the spelling";
* a function that raised says in which cell and line (the deepest of the learner's frames), and a
  ``NameError`` for a name the notebook makes only in code that did not run says so.
"""

from __future__ import annotations

import re
from typing import Any

from grader.messages import MessageRef, message_ref
from grader.submissions.prepared import PreparedSource

#: Checks whose message is about a learner's function that raised: their place is named.
RAISED = frozenset({"engine.raised", "engine.exited", "engine.memory"})
_PLACE = re.compile(r"In cell (\d+), line (\d+)")
_UNDEFINED = re.compile(r"name '(\w{1,100})' is not defined")


def stopped_cells(prepared: PreparedSource, errors: list[dict]) -> dict[int, tuple[int, str]]:
    """``cell -> (line in the cell, "ErrorType: message")`` of every cell that stopped (the first error
    of a cell; a cell stops once)."""
    stopped: dict[int, tuple[int, str]] = {}
    for error in errors:
        where = prepared.locate(error["line"])
        if where.cell is None:
            continue  # the grader's own lines (the IPython stand-in): never the learner's cell
        text = f"{error['type']}: {error['message']}" if error["message"] else error["type"]
        stopped.setdefault(where.cell, (where.line, _one_line(text)))
    return stopped


def cell_notes(stopped: dict[int, tuple[int, str]]) -> list[MessageRef]:
    """A note per stopped cell, in cell order."""
    return [
        message_ref("notebook.cell_failed", cell=cell, line=line, error=error)
        for cell, (line, error) in sorted(stopped.items())
    ]


def explain_missing(
    prepared: PreparedSource, function: str, stopped: dict[int, tuple[int, str]]
) -> tuple[str, dict[str, Any]] | None:
    """Why the notebook has no callable ``function`` although it binds the name, as (message id,
    params); ``None``: it never binds it (the catalogue's "check the spelling" is then right)."""
    places = prepared.bindings.get(function, [])
    definitions = [p for p in places if p.definition]
    if not definitions:
        return None
    kept = [p for p in places if p.kept]
    ran = [p for p in kept if not _stopped_before(p, stopped)]
    if ran and not ran[-1].definition:  # the last binding that ran is not the def: the name was rebound
        rebound = ran[-1]
        defined = next((p for p in reversed(definitions) if (p.cell, p.line) < (rebound.cell, rebound.line)), None)
        if defined is not None:
            return "notebook.missing_rebound", {
                "function": function,
                "cell": defined.cell,
                "line": defined.line,
                "rebound_cell": rebound.cell,
                "rebound_line": rebound.line,
            }
    kept_definitions = [p for p in kept if p.definition]
    if kept_definitions and not any(p.definition for p in ran):
        place = kept_definitions[-1]
        failed_line, error = stopped[place.cell]
        return "notebook.missing_cell_stopped", {
            "function": function,
            "cell": place.cell,
            "line": place.line,
            "failed_line": failed_line,
            "error": error,
        }
    if not kept_definitions:
        place = definitions[-1]
        return "notebook.missing_not_run", {"function": function, "cell": place.cell, "line": place.line}
    return None


def place_of(details: str) -> MessageRef | None:
    """The learner's cell and line where a function raised (the deepest "In cell C, line L" of its
    traceback, already told in the learner's terms), or ``None``."""
    found = _PLACE.findall(details or "")
    if not found:
        return None
    cell, line = found[-1]
    return message_ref("notebook.place", cell=int(cell), line=int(line))


def explain_name_error(prepared: PreparedSource, error: str, stopped: dict[int, tuple[int, str]]) -> MessageRef | None:
    """Why a function's global name (``NameError: name 'X' is not defined``) is missing although the
    notebook makes it: only code not run while grading makes it (the lesson's data), or its cell
    stopped before it. ``None`` for a name the notebook never makes (a misspelling)."""
    match = _UNDEFINED.search(error or "")
    places = prepared.bindings.get(match.group(1), []) if match else []
    if not places:
        return None
    name, place = match.group(1), places[-1]
    if place.kept and _stopped_before(place, stopped):
        failed_line = stopped[place.cell][0]
        return message_ref(
            "notebook.name_cell_stopped", name=name, cell=place.cell, line=place.line, failed_line=failed_line
        )
    if not any(p.kept for p in places):
        return message_ref("notebook.name_not_run", name=name, cell=place.cell, line=place.line)
    return None


def _stopped_before(place: Any, stopped: dict[int, tuple[int, str]]) -> bool:
    return place.cell in stopped and stopped[place.cell][0] <= place.line


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."
