"""``grade batch``'s one library call: grade a class, show progress, write every output file.

Progress goes to ``stream`` (stderr): a bar with the count, the time left and the last learner
done when it is a terminal, one line per learner otherwise (CI logs). A learner id is printed through
:func:`grader.outputs.sanitize.ci_log` (the bar's through ``terminal``): a folder named
``"a\\n::error::x"`` shows as ``a\\n:%3Aerror:%3Ax`` on one line and never starts a workflow command.
The outputs are written in ``finally``, so an interrupted batch still leaves what it graded, marked incomplete
(``"complete": false`` in ``results.json``, a note in the gradebook's rows that were not graded).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from grader.batch.layout import find_learners
from grader.batch.out_folder import write_outputs
from grader.batch.runner import default_workers, exercises_submitted, grade_class, shard_of
from grader.engine import GradeOptions
from grader.outputs import CLASS_WRITERS, DEFAULT_CLASS_FORMATS, WriteContext
from grader.outputs.base import encodable
from grader.outputs.sanitize import ci_log, terminal
from grader.registry import Exercise, all_exercises
from grader.results import ClassResult, LearnerResult

if TYPE_CHECKING:  # imported only when --due or --roster is used
    from grader.batch.deadlines import LatePenalty
    from grader.outputs.lms import Roster

DEFAULT_FORMATS = DEFAULT_CLASS_FORMATS


def grade_and_write(
    class_dir: str | os.PathLike,
    exercises: Sequence[Exercise] | None = None,
    *,
    out: str | os.PathLike = "grades",
    formats: Sequence[str] = DEFAULT_FORMATS,
    workers: int | None = None,
    options: GradeOptions | None = None,
    stream: TextIO | None = None,
    context: WriteContext | None = None,
    resume: bool = False,
    shard: tuple[int, int] = (1, 1),
    roster: Roster | None = None,
    due: datetime | None = None,
    late_penalty: LatePenalty | None = None,
    compare: str | os.PathLike | None = None,
    similarity: bool = False,
) -> ClassResult:
    """Grade every learner in ``class_dir`` and write ``formats`` (see :data:`CLASS_WRITERS`) into ``out``.

    ``resume``: keep the results in ``out/results.json`` of learners whose files have not changed
    (nor the checks, the grader or the seed) instead of grading them again. ``shard`` ``(k, n)``:
    only the k-th of n parts of the class (``grade merge`` joins the parts' outputs). ``roster``
    (:func:`grader.batch.roster.read_roster`): who is who in the LMS, for the ``canvas`` and ``moodle``
    formats; learners on one side only are printed on ``stream`` and noted (never dropped). ``due``
    (:mod:`grader.batch.deadlines`): grade each learner's git history as it stood at that time (with
    ``late_penalty``: their newest commit, its penalty recorded for the gradebooks). ``compare``: an earlier
    results.json (or its folder): the learners whose results changed are printed at the end, with why.
    ``similarity``: pairs of learners whose files are unusually alike (:mod:`grader.batch.similarity`) are
    kept in results.json for ``grade report``'s page (within this shard only, under ``--shard``).
    """
    stream = stream or sys.stderr
    context = context or WriteContext()
    say = context.catalogue.render  # progress and summary in the instructor's language (--lang)
    out = Path(out)
    previous = _previous(out, stream, say) if resume else None
    earlier = _read_earlier(compare)
    everyone = find_learners(class_dir, skip=(out,))
    learners = shard_of(everyone, *shard)
    chosen = list(exercises) if exercises else exercises_submitted(everyone, all_exercises())
    if workers is None:
        workers, why = default_workers(chosen)
        if why:
            _say(stream, say("batch.fewer_workers", **why["params"]))
    snapshot, folders, deadline = None, None, None
    if due is not None:
        snapshot = tempfile.mkdtemp(prefix="kerasdrill-due-")
        try:
            folders, deadline = _at_deadline(everyone, learners, chosen, due, late_penalty, snapshot, stream)
        except BaseException:  # Ctrl-C while copying: leave no copy of learners' files behind
            shutil.rmtree(snapshot, ignore_errors=True)
            raise
    progress = _Progress(stream, len(learners), say)
    graded = ClassResult(exercises=[e.id for e in chosen], complete=False)
    try:
        graded = grade_class(
            class_dir,
            chosen,
            workers=workers,
            options=options,
            skip=(out,) if snapshot is None else (out, snapshot),
            previous=previous,
            shard=shard,
            learners=folders,
            on_learner=progress.learner_done,
            on_interrupt=lambda running: _say(stream, "\n" + say("batch.stopping", running=running)),
        )
    finally:
        progress.close()
        if similarity and graded.complete:
            graded = _with_similarity(graded, folders or everyone, learners, chosen)
        if snapshot is not None:
            shutil.rmtree(snapshot, ignore_errors=True)
        if deadline is not None:
            graded = _with_deadline(graded, deadline)
        if roster is not None:
            from grader.batch.roster import reconcile

            graded, notes = reconcile(graded, roster)
            for note in notes:
                _say(stream, f"roster: {ci_log(note)}")
            context = replace(context, roster=roster)
        write_outputs(graded, out, formats, context)
    _say(stream, _summary(graded, out, say))
    if compare is not None:
        _say(stream, _compared(compare, earlier, graded, context))
    return graded


def _read_earlier(compare: str | os.PathLike | None) -> ClassResult | str | None:
    """``--compare OLD`` read before grading (OLD may be this batch's own --out): the result, or why not."""
    if compare is None:
        return None
    from grader.batch.merge import MergeError, read_part

    try:
        return read_part(compare)
    except MergeError as error:
        return f"--compare: {ci_log(error)}"


def _compared(compare: str | os.PathLike, before: ClassResult | str | None, graded: ClassResult, context) -> str:
    """``--compare OLD``: the changed learners, one line each (learner text made safe for a CI log)."""
    from grader.batch.regrade import diff_classes
    from grader.outputs.regrade import learner_line
    from grader.outputs.sanitize import CI_LOG, sanitized

    catalogue = context.catalogue
    if not isinstance(before, ClassResult):
        return str(before)
    diff = diff_classes(sanitized(before, CI_LOG), sanitized(graded, CI_LOG), catalogue)
    lines = [catalogue.render("regrade.changed_heading", path=ci_log(compare))]
    if diff.reasons:
        lines.append(f"  {catalogue.render('regrade.why')}: {'; '.join(diff.reasons)}")
    lines += [f"  {learner_line(change)}" for change in diff.learners]
    lines.append("  " + catalogue.render("regrade.summary", changed=len(diff.learners), unchanged=diff.unchanged))
    return "\n".join(lines)


def _at_deadline(everyone, learners, chosen, due, penalty, snapshot, stream) -> tuple[list, dict]:
    """The class's folders with this shard's learners replaced by their files at the deadline, and the
    ``provenance.deadline`` record (what was chosen for each learner)."""
    from grader.batch.deadlines import snapshot_class

    mine = {learner.learner for learner in learners}
    copies, chosen_commits = snapshot_class(learners, chosen, due, snapshot, penalty)
    by_id = {copy.learner: copy for copy in copies}
    for name, record in chosen_commits.items():
        for note in record.notes:
            _say(stream, f"--due: {ci_log(name)}: {ci_log(note)}")
    record = {
        "due": due.isoformat(),
        "late_penalty": str(penalty) if penalty is not None else "",
        "graded": "newest commit" if penalty is not None else "last commit at or before the due time",
        "learners": {name: chosen.to_dict() for name, chosen in chosen_commits.items()},
    }
    return [by_id[f.learner] if f.learner in mine else f for f in everyone], record


def _with_deadline(graded: ClassResult, record: dict) -> ClassResult:
    """``graded`` with the deadline record in its provenance and each learner's deadline notes in their row."""
    learners = []
    for learner in graded.learners:
        chosen = record["learners"].get(learner.learner) or {}
        notes = list(chosen.get("notes") or [])
        if chosen.get("penalty_percent"):
            notes.append(f"late by {_duration(chosen['late_by_s'])}: -{chosen['penalty_percent']:g}% in the LMS files")
        elif chosen.get("later_commits"):
            notes.append(f"{chosen['later_commits']} commit(s) after the deadline, not graded")
        text = "; ".join(note for note in notes if note not in learner.note)  # --resume kept them
        learners.append(replace(learner, note="; ".join(filter(None, [learner.note, text]))))
    return replace(graded, learners=learners, provenance={**graded.provenance, "deadline": record})


def _duration(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds // 60} min"


def _with_similarity(graded: ClassResult, folders, learners, chosen) -> ClassResult:
    """``graded`` with ``provenance.similarity``: the files graded (at the deadline, with --due), compared."""
    from grader.batch.similarity import class_similarity, learner_sources
    from grader.content import stubs_dir

    mine = {learner.learner for learner in learners}
    files = learner_sources([f for f in folders if f.learner in mine], chosen)
    stubs = {}
    for exercise in chosen:
        try:
            stubs[exercise.id] = (stubs_dir() / exercise.file_name).read_text(encoding="utf-8")
        except OSError:
            stubs[exercise.id] = ""
    return replace(graded, provenance={**graded.provenance, "similarity": class_similarity(files, stubs)})


def _previous(out: Path, stream: TextIO, say: Callable[..., str]) -> ClassResult | None:
    import json

    path = out / CLASS_WRITERS["json"].filename
    try:
        return ClassResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        _say(stream, say("batch.resume_unreadable", path=path))
        return None


def _summary(graded: ClassResult, out: Path, say: Callable[..., str]) -> str:
    faults = [ci_log(learner.learner) for learner in graded.learners if learner.internal_error]
    text = say("batch.done", count=len(graded.learners), seconds=f"{graded.duration_s:.1f}", out=out)
    if not graded.complete:
        text += say("batch.incomplete")
    if faults:
        text += "\n" + say("batch.faults", learners=", ".join(faults))
    return text


def _say(stream: TextIO, text: str) -> None:
    stream.write(encodable(text) + "\n")
    stream.flush()


class _Progress:
    """A bar on a terminal, a line per learner elsewhere; safe to call from the grading threads."""

    def __init__(self, stream: TextIO, total: int, say: Callable[..., str]) -> None:
        self.stream, self.total, self.say = stream, total, say
        self.lock = threading.Lock()
        self.last = ""
        self.bar = None
        if _is_terminal(stream) and total:
            import click

            self.bar = click.progressbar(
                length=total, label=say("batch.bar"), file=stream, show_eta=True, item_show_func=lambda _: self.last
            )
            self.bar.__enter__()

    def learner_done(self, result: LearnerResult, done: int, total: int) -> None:
        with self.lock:
            run = result.run
            self.last = f"{terminal(result.learner)} {run.score}/{run.max_score}"
            if self.bar is not None:
                self.bar.update(1)
            else:
                flag = self.say("batch.fault_flag") if result.internal_error else ""
                _say(
                    self.stream,
                    f"[{done:>{len(str(total))}}/{total}] {ci_log(result.learner)}: {run.score}/{run.max_score}{flag}",
                )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
