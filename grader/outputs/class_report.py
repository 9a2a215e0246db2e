"""``grade report``: a class's results as one self-contained HTML page, or as a terminal table.

The numbers come from :func:`grader.batch.analysis.summarize`; this module only draws them. The
page has no external script, style or font: inline CSS, inline SVG charts (the browser draws Korean
labels with its own fonts), each chart with a table of its numbers for screen readers and print,
and a few lines of script that sort the learners' table. Everything a learner controls (folder
names, messages with their values, printed output) is escaped by jinja2's autoescape, and no
learner text is ever placed inside the script; anchors are numbered, never made from names.

jinja2 is imported only here, when a report is written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from grader.batch.analysis import BUCKETS, ClassSummary, ExerciseSummary
from grader.messages import Catalogue
from grader.outputs.columns import clip, display_width, ljust, rjust, wrap

TEMPLATE = Path(__file__).with_name("templates") / "class_report.html"
HIST_WIDTH, HIST_HEIGHT, HIST_BASE = 380, 190, 160
PROBLEM_KINDS = ("not_attempted", "timeout", "crashed", "broken", "grader")
SHOWN_CURVES = 6  # learning curves per exercise on the page (the first learners that have them)


def render_html(summary: ClassSummary, catalogue: Catalogue) -> str:
    """The whole report page."""
    import jinja2

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)  # autoescape: never off
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(**_view(summary, catalogue, jinja2))


def _view(summary: ClassSummary, catalogue: Catalogue, jinja2: Any) -> dict[str, Any]:
    anchors = {row.learner: f"learner-{index}" for index, row in enumerate(summary.learners, start=1)}
    exercises = [_exercise_view(ex, len(summary.learners), anchors, catalogue, jinja2) for ex in summary.exercises]
    learners = []
    for row in summary.learners:
        learners.append(
            {
                "name": row.learner,
                "anchor": anchors[row.learner],
                "scores": [row.scores.get(ex.exercise, 0) for ex in summary.exercises],
                "total": row.total,
                "percent": f"{row.percent:.0f}",
                "exercises": [],
            }
        )
    details = _learner_details(summary)
    for view in learners:
        view["exercises"] = details.get(view["name"], [])
    provenance = summary.provenance
    t = {key: _label(catalogue, key) for key in LABELS}
    t["summary"] = catalogue.render(
        "class_report.summary",
        learners=len(summary.learners),
        exercises=len(summary.exercises),
        date=str(provenance.get("finished") or provenance.get("started") or time.strftime("%Y-%m-%d"))[:16].replace(
            "T", " "
        ),
    )
    t["provenance"] = catalogue.render(
        "class_report.provenance",
        version=str(provenance.get("grader_version", "")),
        seed=str(provenance.get("seed", "")),
    )
    return {
        "lang": summary.language,
        "t": t,
        "exercises": exercises,
        "learners": learners,
        "max_score": summary.max_score,
        "complete": summary.complete,
        "similarity": _similarity(provenance, catalogue, jinja2),
    }


def _similarity(provenance: dict, catalogue: Catalogue, jinja2: Any) -> Any:
    """``grade batch --similarity``'s pairs as the page's last section ("" without it)."""
    from grader.outputs.similarity import render_html_section

    return render_html_section(provenance.get("similarity"), catalogue, jinja2)


LABELS = (
    "title",
    "incomplete",
    "exercises",
    "learners",
    "learner",
    "mean",
    "passed",
    "attempted",
    "score_axis",
    "bucket",
    "problems",
    "no_problems",
    "checks_heading",
    "check",
    "failed",
    "failure_rate",
    "diagnoses_heading",
    "no_diagnoses",
    "curves_heading",
    "total",
)


def _label(catalogue: Catalogue, key: str) -> str:
    return catalogue.render(f"class_report.{key}")


def bucket_label(index: int) -> str:
    low, high = BUCKETS[index]
    return "100%" if low == 100 else f"{low}–{high}%"


def _exercise_view(
    ex: ExerciseSummary, learners: int, anchors: dict[str, str], catalogue: Catalogue, jinja2: Any
) -> dict[str, Any]:
    tallest = max(ex.histogram + [1])
    slot = (HIST_WIDTH - 36) / len(BUCKETS)
    bars = []
    for index, count in enumerate(ex.histogram):
        height = round((HIST_BASE - 20) * count / tallest, 1)
        low, _ = BUCKETS[index]
        bars.append(
            {
                "x": round(32 + index * slot + 2, 1),
                "y": round(HIST_BASE - height, 1),
                "w": round(slot - 4, 1),
                "h": height,
                "count": count,
                "label": bucket_label(index),
                "short": "100" if low == 100 else str(low),
            }
        )
    problems = [
        {
            "label": _label(catalogue, f"problem_{kind}"),
            "learners": [{"name": name, "anchor": anchors[name]} for name in ex.problems[kind]],
        }
        for kind in PROBLEM_KINDS
        if ex.problems.get(kind)
    ]
    checks = [
        {
            "title": stats.title,
            "max_points": stats.max_points,
            "failed": stats.failed,
            "attempted": stats.attempted,
            "rate": f"{stats.failure_rate:.4f}",
            "percent": f"{100 * stats.failure_rate:.0f}",
            "bar": round(60 * stats.failure_rate),
        }
        for stats in ex.checks
    ]
    diagnoses = [
        {"message_id": d.message_id, "count": d.count, "checks": ", ".join(d.checks), "example": d.example}
        for d in ex.diagnoses
    ]
    return {
        "id": ex.exercise,
        "anchor": ex.exercise,
        "title": ex.title,
        "max_score": ex.max_score,
        "mean": f"{ex.mean:.1f}",
        "passed": ex.passed,
        "attempted": ex.attempted,
        "learners": learners,
        "histogram": {
            "width": HIST_WIDTH,
            "height": HIST_HEIGHT,
            "base": HIST_BASE,
            "bars": bars,
            "label": catalogue.render("class_report.histogram", exercise=ex.exercise, count=len(ex.scores)),
        },
        "problems": problems,
        "checks": checks,
        "diagnoses": diagnoses,
        "curves": _curves(ex, anchors, catalogue, jinja2),
    }


def _curves(ex: ExerciseSummary, anchors: dict[str, str], catalogue: Catalogue, jinja2: Any) -> list[dict]:
    """The learners' learning curves (``grade --plot`` data in their results), drawn as the report draws them."""
    if not ex.curves:
        return []
    from grader.outputs.learning_curve import labels_for, render_svg

    drawn = []
    for learner, curves in list(ex.curves.items())[:SHOWN_CURVES]:
        series = curves.get("series") if isinstance(curves, dict) else None
        if not isinstance(series, dict):
            continue
        labels = labels_for(catalogue, exercise=ex.exercise, title=ex.title, data=curves.get("data", ""))
        svg = render_svg(series, labels)  # every text in it escaped by render_svg itself
        drawn.append({"name": learner, "anchor": anchors[learner], "svg": jinja2.utils.markupsafe.Markup(svg)})
    return drawn


def _learner_details(summary: ClassSummary) -> dict[str, list[dict]]:
    """Per learner, per exercise: the score, what went wrong, and the failing checks' messages."""
    details: dict[str, list[dict]] = {}
    for row in summary.learners:
        entries = []
        for ex in summary.exercises:
            kinds = [kind for kind in PROBLEM_KINDS if row.learner in ex.problems.get(kind, [])]
            entries.append(
                {
                    "id": ex.exercise,
                    "score": row.scores.get(ex.exercise, 0),
                    "max_score": ex.max_score,
                    "problems": ", ".join(kinds),
                    "failing": row.failing.get(ex.exercise, []),
                }
            )
        details[row.learner] = entries
    return details


# ----------------------------------------------------------------------------- the terminal


def render_terminal(summary: ClassSummary, catalogue: Catalogue, *, width: int = 88, top: int = 5) -> str:
    """Per exercise: the mean, the checks most learners fail and the most frequent diagnoses."""
    lines = [catalogue.render("class_report.title"), ""]
    rate_heading = _label(catalogue, "failed")
    for ex in summary.exercises:
        lines.append(f"{ex.exercise} · {ex.title}")
        lines.append(
            "  "
            + catalogue.render(
                "class_report.terminal_stats",
                mean=f"{ex.mean:.1f}",
                max_score=ex.max_score,
                passed=ex.passed,
                attempted=ex.attempted,
                learners=len(ex.scores),
            )
        )
        failing = [stats for stats in ex.checks if stats.failed][:top]
        if failing:
            title_width = min(width - 22, max(display_width(s.title) for s in failing))
            lines.append(f"    {ljust(_label(catalogue, 'check'), title_width)}  {rjust(rate_heading, 12)}")
            for stats in failing:
                rate = f"{stats.failed}/{stats.attempted} {100 * stats.failure_rate:3.0f}%"
                lines.append(f"    {ljust(clip(stats.title, title_width), title_width)}  {rjust(rate, 12)}")
        for diagnosis in ex.diagnoses[:3]:
            example = diagnosis.example.splitlines()[0] if diagnosis.example else ""
            text = f"{diagnosis.count}× {diagnosis.message_id}: {example}"
            lines.extend(wrap(text, width, initial_indent="    ", subsequent_indent="        ")[:2])
        for kind in PROBLEM_KINDS:
            names = ex.problems.get(kind, [])
            if names and kind != "not_attempted":
                shown = ", ".join(names[:8]) + (" …" if len(names) > 8 else "")
                lines.append(f"    {_label(catalogue, f'problem_{kind}')} ({len(names)}): {shown}")
        lines.append("")
    return "\n".join(lines)
