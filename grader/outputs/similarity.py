"""The class report's "similar submissions" section (``grade batch --similarity``), for the page and the terminal.

It reads ``provenance.similarity`` as :func:`grader.batch.similarity.class_similarity` stored it, already made
safe for its medium (the whole result goes through :func:`grader.outputs.sanitize.sanitized` first); on the page
jinja2's autoescape does the HTML. Each pair shows its matching lines side by side, and the section always
says that similarity is a reason to look, never proof.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.messages import Catalogue
from grader.outputs.columns import clip

TEMPLATE = Path(__file__).with_name("templates") / "similarity.html"


def _pairs(record: Any) -> list[tuple[str, list[dict]]]:
    exercises = record.get("exercises") if isinstance(record, dict) else None
    if not isinstance(exercises, dict):
        return []
    return [
        (str(exercise), [p for p in pairs if isinstance(p, dict)]) for exercise, pairs in exercises.items() if pairs
    ]


def render_terminal_section(record: Any, catalogue: Catalogue, *, width: int = 88) -> str:
    """A few lines: each pair with its score; empty when no pair was found or none was looked for."""
    if not isinstance(record, dict):
        return ""
    lines = [catalogue.render("similarity.heading"), "  " + catalogue.render("similarity.caution")]
    found = _pairs(record)
    if not found:
        lines.append("  " + catalogue.render("similarity.none"))
    for exercise, pairs in found:
        for pair in pairs:
            text = catalogue.render(
                "similarity.pair",
                exercise=exercise,
                a=str(pair.get("a", "")),
                b=str(pair.get("b", "")),
                percent=f"{100 * float(pair.get('score', 0)):.0f}",
                passages=len(pair.get("passages") or []),
            )
            lines.append("  " + clip(text, width - 2))
    return "\n".join(lines) + "\n"


def render_html_section(record: Any, catalogue: Catalogue, jinja2: Any) -> Any:
    """The section as markup for the class report page (``""`` when ``--similarity`` was not used)."""
    if not isinstance(record, dict):
        return ""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)  # autoescape: never off
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    exercises = []
    for exercise, pairs in _pairs(record):
        shown = []
        for pair in pairs:
            passages = []
            for passage in pair.get("passages") or []:
                a_lines, b_lines = passage.get("a_lines") or [0, 0], passage.get("b_lines") or [0, 0]
                passages.append(
                    {
                        "a_where": catalogue.render("similarity.lines", first=a_lines[0], last=a_lines[-1]),
                        "b_where": catalogue.render("similarity.lines", first=b_lines[0], last=b_lines[-1]),
                        "a": "\n".join(map(str, passage.get("a") or [])),
                        "b": "\n".join(map(str, passage.get("b") or [])),
                    }
                )
            shown.append(
                {
                    "a": str(pair.get("a", "")),
                    "b": str(pair.get("b", "")),
                    "percent": f"{100 * float(pair.get('score', 0)):.0f}",
                    "passages": passages,
                }
            )
        exercises.append({"id": exercise, "pairs": shown})
    labels = {key: catalogue.render(f"similarity.{key}") for key in ("heading", "caution", "none", "method_label")}
    return jinja2.utils.markupsafe.Markup(
        template.render(t=labels, exercises=exercises, method=str(record.get("method", "")))
    )
