"""``grade report RESULTS...``: what the class got wrong, from a batch's ``results.json`` (or its shards').

Reads one ``results.json`` (or an ``--out`` folder holding one), or several shards' folders, which
are merged first as ``grade merge`` would; summarises them (:mod:`grader.batch.analysis`) in the
chosen language; and writes the HTML page or returns the terminal table
(:mod:`grader.outputs.class_report`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from grader.batch.analysis import ClassSummary, summarize
from grader.batch.merge import MergeError, merge_results, read_part
from grader.messages import catalogue_for
from grader.results import ClassResult


def read_class(parts: Sequence[str | os.PathLike]) -> tuple[ClassResult, list[str]]:
    """The class in ``parts`` (one results.json or folder, or a class's shards) and what is missing.
    :class:`~grader.batch.merge.MergeError` if a part cannot be read or the parts do not belong together."""
    if not parts:
        raise MergeError("instructor.merge_no_results")
    read = [read_part(part) for part in parts]
    if len(read) == 1 and not read[0].provenance.get("class", {}).get("shard"):
        return read[0], ([] if read[0].complete else ["the batch was interrupted"])
    return merge_results(read, [str(part) for part in parts])


def class_report(
    parts: Sequence[str | os.PathLike], *, out: str | os.PathLike | None = None, language: str = "en", width: int = 88
) -> tuple[ClassSummary, str, list[str]]:
    """Summarise the class in ``parts``; write the HTML page to ``out`` (then the text returned is empty),
    or return the terminal table. Returns (summary, text, problems)."""
    from grader.outputs.base import encodable
    from grader.outputs.class_report import render_html, render_terminal
    from grader.outputs.sanitize import CI_LOG, HTML, sanitized

    graded, problems = read_class(parts)
    # every learner string made safe for where it is read before anything is summarised from it:
    # the terminal table may be a CI log; the page's HTML escaping is jinja2's autoescape
    summary = summarize(sanitized(graded, CI_LOG if out is None else HTML), language)
    catalogue = catalogue_for(None, language)
    if out is None:
        from grader.outputs.similarity import render_terminal_section

        text = render_terminal(summary, catalogue, width=width)
        return (
            summary,
            text + render_terminal_section(summary.provenance.get("similarity"), catalogue, width=width),
            problems,
        )
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(encodable(render_html(summary, catalogue)), encoding="utf-8")
    os.replace(temp, target)
    return summary, "", problems
