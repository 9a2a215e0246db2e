"""What a re-grade changed (:mod:`grader.batch.regrade`), as a terminal table or one self-contained HTML page.

The diff it receives has already been made safe for its medium (``CI_LOG`` for the terminal, ``HTML`` for the
page, whose escaping is jinja2's autoescape); jinja2 is imported only when a page is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.messages import Catalogue
from grader.outputs.columns import wrap

if TYPE_CHECKING:
    from grader.batch.regrade import CheckChange, LearnerChange, RegradeDiff

TEMPLATE = Path(__file__).with_name("templates") / "regrade.html"
LABELS = ("title", "why", "learner", "before", "after", "check", "reasons", "no_changes")


def _score(points: int | None, maximum: int) -> str:
    return "-" if points is None else f"{points}/{maximum}"


def _check(change: CheckChange) -> tuple[str, str]:
    before = "-" if not change.status_before else f"{change.status_before} {change.points_before}/{change.max_points}"
    after = "-" if not change.status_after else f"{change.status_after} {change.points_after}/{change.max_points}"
    return before, after


def learner_line(change: LearnerChange) -> str:
    """``alice: 36/40 -> 40/40 (the file of exercise-05 changed)``: one changed learner on one line."""
    scores = f"{_score(change.score_before, change.max_before)} -> {_score(change.score_after, change.max_after)}"
    return f"{change.learner}: {scores} ({'; '.join(change.reasons)})"


def render_terminal(diff: RegradeDiff, catalogue: Catalogue, *, width: int = 88) -> str:
    """The class-wide reasons, then each changed learner and their changed checks."""
    lines = [catalogue.render("regrade.title"), f"  {diff.before} -> {diff.after}"]
    if diff.reasons:
        lines.extend(wrap(f"{catalogue.render('regrade.why')}: {'; '.join(diff.reasons)}", width, "", "  "))
    lines.append(catalogue.render("regrade.summary", changed=len(diff.learners), unchanged=diff.unchanged))
    lines.append("")
    for change in diff.learners:
        lines.extend(wrap(learner_line(change), width, "", "    "))
        for check in change.checks:
            before, after = _check(check)
            lines.extend(wrap(f"{check.exercise} {check.title}: {before} -> {after}", width, "    ", "      "))
    return "\n".join(lines) + "\n"


def render_html(diff: RegradeDiff, catalogue: Catalogue) -> str:
    """The whole page."""
    import jinja2

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)  # autoescape: never off
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(**_view(diff, catalogue))


def _view(diff: RegradeDiff, catalogue: Catalogue) -> dict[str, Any]:
    t = {key: catalogue.render(f"regrade.{key}") for key in LABELS}
    t["summary"] = catalogue.render("regrade.summary", changed=len(diff.learners), unchanged=diff.unchanged)
    learners = []
    for change in diff.learners:
        checks = []
        for check in change.checks:
            before, after = _check(check)
            checks.append({"exercise": check.exercise, "title": check.title, "before": before, "after": after})
        learners.append(
            {
                "name": change.learner,
                "before": _score(change.score_before, change.max_before),
                "after": _score(change.score_after, change.max_after),
                "reasons": change.reasons,
                "checks": checks,
            }
        )
    return {
        "lang": diff.language,
        "t": t,
        "before": diff.before,
        "after": diff.after,
        "reasons": diff.reasons,
        "learners": learners,
    }
