"""``grade report OLD NEW`` and ``grade batch --compare OLD``: what a re-grade changed, and why.

:func:`diff_classes` sets two whole-class results side by side: per learner, the total before and after
and each check whose status or points changed; and why. The reasons come from what each result records:
the grader's version, each exercise's fingerprint of its checks (``exercise_versions``), the seed, the
language (class-wide), and per learner the sha256 of each file graded and, with ``--due``, the commit
chosen. A change with none of these differing is named too: the same file, checks and seed gave another
result (a timeout on a busy machine, or a check that is not deterministic), which is worth a look.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.batch.merge import MergeError, read_part
from grader.messages import Catalogue, catalogue_for
from grader.results import ClassResult, LearnerResult


@dataclass(frozen=True)
class CheckChange:
    """One check whose status or points differ (``""`` / ``None``: the check was not there)."""

    exercise: str
    check: str
    title: str
    status_before: str
    status_after: str
    points_before: int | None
    points_after: int | None
    max_points: int


@dataclass(frozen=True)
class LearnerChange:
    """One learner whose result differs: totals (``None``: not in that result), checks, reasons."""

    learner: str
    score_before: int | None
    score_after: int | None
    max_before: int
    max_after: int
    checks: list[CheckChange] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegradeDiff:
    """Two results compared: the class-wide reasons, the changed learners in learner order, how many held."""

    before: str
    after: str
    reasons: list[str]
    learners: list[LearnerChange]
    unchanged: int
    language: str = "en"


def is_regrade(parts: Sequence[str | os.PathLike]) -> bool:
    """Two results, each a whole class (not two shards of one): ``grade report`` compares them."""
    if len(parts) != 2:
        return False
    try:
        read = [read_part(part) for part in parts]
    except MergeError:
        return False
    return all(list((r.provenance.get("class") or {}).get("shard") or [1, 1])[1:] == [1] for r in read)


def diff_classes(
    before: ClassResult, after: ClassResult, catalogue: Catalogue | None = None, labels: tuple[str, str] = ("", "")
) -> RegradeDiff:
    """What changed from ``before`` to ``after`` (see the module docstring), in ``catalogue``'s language."""
    catalogue = catalogue or catalogue_for(None)
    old, new = before.provenance, after.provenance
    reasons = []
    if old.get("grader_version") != new.get("grader_version"):
        reasons.append(
            catalogue.render(
                "regrade.reason_grader", before=str(old.get("grader_version")), after=str(new.get("grader_version"))
            )
        )
    versions_before, versions_after = old.get("exercise_versions") or {}, new.get("exercise_versions") or {}
    changed_checks = sorted(
        e for e in set(versions_before) | set(versions_after) if versions_before.get(e) != versions_after.get(e)
    )
    if changed_checks:
        reasons.append(catalogue.render("regrade.reason_checks", exercises=", ".join(changed_checks)))
    seed_changed = old.get("seed") != new.get("seed")
    if seed_changed:
        reasons.append(catalogue.render("regrade.reason_seed", before=str(old.get("seed")), after=str(new.get("seed"))))
    if old.get("language") != new.get("language"):
        reasons.append(
            catalogue.render("regrade.reason_language", before=str(old.get("language")), after=str(new.get("language")))
        )
    due_before, due_after = (_due(p.get("deadline")) for p in (old, new))
    if due_before != due_after:
        reasons.append(catalogue.render("regrade.reason_due", before=due_before or "-", after=due_after or "-"))
    by_before = {learner.learner: learner for learner in before.learners}
    by_after = {learner.learner: learner for learner in after.learners}
    order = [learner.learner for learner in after.learners] + [name for name in by_before if name not in by_after]
    changes, unchanged = [], 0
    for name in order:
        change = _learner_change(
            name, by_before.get(name), by_after.get(name), before, after, set(changed_checks), seed_changed, catalogue
        )
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    return RegradeDiff(labels[0], labels[1], reasons, changes, unchanged, catalogue.language)


def _learner_change(
    name: str,
    old: LearnerResult | None,
    new: LearnerResult | None,
    before: ClassResult,
    after: ClassResult,
    changed_checks: set[str],
    seed_changed: bool,
    catalogue: Catalogue,
) -> LearnerChange | None:
    if old is None or new is None:
        reason = catalogue.render("regrade.only_after" if old is None else "regrade.only_before")
        present = new or old
        assert present is not None
        score = present.run.score
        return LearnerChange(
            name,
            None if old is None else score,
            None if new is None else score,
            old.run.max_score if old else 0,
            new.run.max_score if new else 0,
            reasons=[reason],
        )
    checks = _check_changes(old, new)
    if not checks and old.run.score == new.run.score and old.run.max_score == new.run.max_score:
        return None
    reasons = []
    files = sorted(e for e in set(old.files) | set(new.files) if old.files.get(e) != new.files.get(e))
    touched = {change.exercise for change in checks}
    if files:
        reasons.append(catalogue.render("regrade.reason_file", exercises=", ".join(files)))
    commit_before = _commit(before, name)
    commit_after = _commit(after, name)
    both_due = bool(before.provenance.get("deadline")) and bool(after.provenance.get("deadline"))
    if both_due and commit_before != commit_after:
        reasons.append(
            catalogue.render("regrade.reason_commit", before=commit_before[:12] or "-", after=commit_after[:12] or "-")
        )
    if touched & changed_checks:
        reasons.append(catalogue.render("regrade.reason_checks", exercises=", ".join(sorted(touched & changed_checks))))
    if seed_changed and not reasons:
        reasons.append(catalogue.render("regrade.reason_seed_only"))
    if not reasons and not changed_checks:
        reasons.append(catalogue.render("regrade.reason_none"))
    return LearnerChange(name, old.run.score, new.run.score, old.run.max_score, new.run.max_score, checks, reasons)


def _check_changes(old: LearnerResult, new: LearnerResult) -> list[CheckChange]:
    def table(learner: LearnerResult) -> dict[tuple[str, str], Any]:
        return {(e.exercise, c.name): c for e in learner.run.exercises for c in e.checks}

    before, after = table(old), table(new)
    keys = list(after) + [key for key in before if key not in after]
    changes = []
    for key in keys:
        was, now = before.get(key), after.get(key)
        if was is not None and now is not None and (was.status, was.points) == (now.status, now.points):
            continue
        shown = now or was
        changes.append(
            CheckChange(
                exercise=key[0],
                check=key[1],
                title=shown.title,
                status_before=was.status if was else "",
                status_after=now.status if now else "",
                points_before=was.points if was else None,
                points_after=now.points if now else None,
                max_points=shown.max_points,
            )
        )
    return changes


def _due(deadline: Any) -> str:
    """``2026-12-01T23:59:00+09:00 --late-penalty 10%/day,max50%`` (``""`` without --due)."""
    if not isinstance(deadline, dict) or not deadline.get("due"):
        return ""
    penalty = str(deadline.get("late_penalty") or "")
    return str(deadline["due"]) + (f" --late-penalty {penalty}" if penalty else "")


def _commit(graded: ClassResult, learner: str) -> str:
    deadline = graded.provenance.get("deadline") or {}
    record = (deadline.get("learners") or {}).get(learner) or {}
    return str(record.get("commit", "")) if isinstance(record, dict) else ""


def regrade_report(
    parts: Sequence[str | os.PathLike],
    *,
    out: str | os.PathLike | None = None,
    language: str = "en",
    width: int = 88,
) -> tuple[RegradeDiff, str]:
    """``grade report OLD NEW``: the diff written as a page to ``out`` (then the text is empty) or as a table."""
    from pathlib import Path

    from grader.outputs.base import encodable
    from grader.outputs.regrade import render_html, render_terminal
    from grader.outputs.sanitize import CI_LOG, HTML, sanitized

    before, after = (read_part(part) for part in parts)
    medium = CI_LOG if out is None else HTML
    catalogue = catalogue_for(None, language)
    diff = diff_classes(
        sanitized(before, medium), sanitized(after, medium), catalogue, (medium.text(parts[0]), medium.text(parts[1]))
    )
    if out is None:
        return diff, render_terminal(diff, catalogue, width=width)
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.tmp")
    temp.write_text(encodable(render_html(diff, catalogue)), encoding="utf-8")
    os.replace(temp, target)
    return diff, ""
