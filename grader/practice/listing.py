"""``grade list`` and ``grade next`` as text: every exercise's status and scores, and where to go next."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from grader.messages import Catalogue, catalogue_for
from grader.outputs.base import plain
from grader.outputs.columns import clip, display_width, ljust, rjust
from grader.practice.progress import IN_PROGRESS, PASSED, progress_rows
from grader.registry import Exercise, all_exercises

STATUS_MARKS = {PASSED: "✓", IN_PROGRESS: "…", "not_started": "·"}
ASCII_STATUS_MARKS = {PASSED: "+", IN_PROGRESS: "~", "not_started": "."}
STATUS_COLORS = {PASSED: "green", IN_PROGRESS: "yellow", "not_started": "bright_black"}


def render_list(
    rows: list[dict[str, Any]],
    *,
    catalogue: Catalogue | None = None,
    style: Callable[..., str] = plain,
    ascii_only: bool = False,
    width: int = 88,
) -> str:
    """The ``grade list`` table (columns by display width: Korean titles line up) and the next step."""
    catalogue = catalogue or catalogue_for(None)
    marks = ASCII_STATUS_MARKS if ascii_only else STATUS_MARKS
    statuses = {row["status"]: catalogue.render(f"progress.status_{row['status']}") for row in rows}
    status_width = max([display_width(s) for s in statuses.values()] + [display_width(_h(catalogue, "status"))])
    title_width = max(16, min(40, width - status_width - 48))
    head = (
        f"    {ljust(_h(catalogue, 'exercise'), 11)}  {ljust(_h(catalogue, 'title'), 22 + 1 + title_width)}  "
        f"{ljust(_h(catalogue, 'status'), status_width)}  "
        f"{rjust(_h(catalogue, 'last'), 7)}  {rjust(_h(catalogue, 'best'), 7)}"
    )
    lines = [style(head.rstrip(), bold=True)]
    for row in rows:
        key = row["status"]
        mark = style(marks[key], fg=STATUS_COLORS[key], bold=True)
        scores = [_score(row["last_score"], row["max_score"]), _score(row["best_score"], row["max_score"])]
        title = ljust(clip(row["title"], title_width, "..." if ascii_only else "…"), title_width)
        status = style(ljust(statuses[key], status_width), fg=STATUS_COLORS[key])
        line = (
            f"  {mark} {row['exercise']}  {row['slug'].ljust(22)} {title}  {status}  "
            f"{rjust(scores[0], 7)}  {rjust(scores[1], 7)}"
        )
        if row["next"]:
            line += "  " + style(
                "← " + catalogue.render("list.next_marker") if not ascii_only else "<- next", bold=True
            )
        lines.append(line.rstrip())
    upcoming = next((row for row in rows if row["next"]), None)
    lines.append("")
    if upcoming is None:
        lines.append(style(catalogue.render("list.all_passed"), fg="green"))
    else:
        lines.append(catalogue.render("list.next", exercise=upcoming["exercise"], title=upcoming["title"]))
    return "\n".join(lines) + "\n"


def render_next(exercise: Exercise | None, workspace: str | os.PathLike | None = None, language: str = "en") -> str:
    """``grade next``: the next exercise's title, its file and the first check's nudge; nothing is opened."""
    from grader.practice.hints import first_hint
    from grader.submissions import candidate_paths

    if exercise is None:
        return catalogue_for(None, language).render("next.all_passed") + "\n"
    catalogue = catalogue_for(exercise, language)
    candidates = candidate_paths(exercise, workspace)
    existing = [path for path in candidates if path.is_file()]
    shown = existing[0] if existing else candidates[0]
    lines = [
        catalogue.render("next.title", exercise=exercise.id, title=catalogue.title()),
        catalogue.render("next.file" if existing else "next.no_file", path=_relative(shown)),
    ]
    check, hint = first_hint(exercise, catalogue)
    if hint:
        lines.append(catalogue.render("next.start_with", check=check, hint=hint))
    lines.append(catalogue.render("next.run", exercise=exercise.id))
    return "\n".join(lines) + "\n"


def list_text(workspace: str | os.PathLike | None = None, **kwargs: Any) -> tuple[str, list[str]]:
    """(the table for every exercise, the progress file's notes rendered) for ``grade list``."""
    from grader.practice.progress import load_progress

    catalogue = kwargs.get("catalogue") or catalogue_for(None)
    progress = load_progress(workspace)  # once: a corrupt file is moved aside by the first read
    notes = [catalogue.render(n["$message"], **n["params"]) for n in progress.notes]
    rows = progress_rows(all_exercises(), workspace, progress, catalogue.language)
    return render_list(rows, **kwargs), notes


def _h(catalogue: Catalogue, name: str) -> str:
    return catalogue.render(f"list.heading_{name}")


def _score(score: int | None, max_score: int | None) -> str:
    return "-" if score is None else f"{score}/{max_score}"


def _relative(path: Any) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
