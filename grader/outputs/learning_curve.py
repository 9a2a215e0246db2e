"""Learning curves (``--plot``): loss and val_loss per epoch, the learner's model beside the reference.

One drawing, two renderings: :func:`render_svg` writes the SVG by hand (no dependency; every label
is ``<text>``, so a browser renders Korean with its own fonts, and every string is escaped: a
learner's model name can never become markup), and :func:`write_png` draws the same figure
with matplotlib (the ``plots`` extra, imported only here and only when called: ``ImportError``
without it). The text report names the files; the HTML class report reuses :func:`render_svg`.

``curves`` is plain data, as :attr:`grader.results.ExerciseResult.learning_curves` stores it::

    {"yours": {"loss": [0.9, 0.5, ...], "val_loss": [...]}, "reference": {"loss": [...], ...}}

either series may be missing; a value may be ``None`` (not finite). ``labels`` are the strings
:func:`labels_for` renders from the catalogue, in the learner's language.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from grader.messages import Catalogue
from grader.outputs.columns import clip, display_width

SERIES = ("yours", "reference")
KINDS = ("loss", "val_loss")
COLORS = {"yours": "#1565c0", "reference": "#e65100"}  # blue, solid; orange, dashed
DASHES = {"yours": "", "reference": "7 4"}
WIDTH, HEIGHT, DPI = 800, 450, 100  # the PNG is exactly WIDTH x HEIGHT pixels; the SVG has that viewBox
LABEL_IDS = ("title", "subtitle", "epoch", "loss", "val_loss", "yours", "reference", "no_values")
FONT_STACK = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans KR', 'Malgun Gothic', 'Apple SD Gothic Neo', sans-serif"
CJK_FONTS = (  # what matplotlib may find for Korean (then Japanese/Chinese CJK fonts, which cover Hangul)
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "NanumGothic",
    "NanumBarunGothic",
    "Malgun Gothic",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "Source Han Sans K",
    "Source Han Sans KR",
    "UnDotum",
    "Baekmuk Gulim",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Droid Sans Fallback",
)

# panels: (left, right) of each plot area, and its (top, bottom), in SVG pixels
_PANELS = ((72, 382), (470, 780))
_TOP, _BOTTOM = 76, 366
_LEGEND_Y = 428
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DEFAULT_MODEL_NAME = re.compile(r"(sequential|functional|model)(_\d+)?")


#: The widest title and subtitle the figure holds, in terminal columns (a Hangul syllable is two): the title
#: is bold at 16 px (SVG) and 18 px (PNG), the subtitle 11-12.5 px, across 800 px.
TITLE_COLUMNS, SUBTITLE_COLUMNS = 72, 112


def labels_for(catalogue: Catalogue, *, exercise: str, title: str, data: Any = "", model: str = "") -> dict[str, str]:
    """Every label of the figure in ``catalogue``'s language. ``data`` is the dataset's name (a string or a
    message ref); ``model``, the learner's model name, shown unless it is Keras's default. A title or
    subtitle too wide for the figure is shortened with "…" (the exercise's title, then the line)."""
    params = {"exercise": exercise, "exercise_title": title, "data": data}
    labels = {name: catalogue.render(f"plots.{name}", **params) for name in LABEL_IDS}
    excess = display_width(labels["title"]) - TITLE_COLUMNS
    if excess > 0:
        shorter = clip(title, max(display_width(title) - excess, 8))
        labels["title"] = clip(catalogue.render("plots.title", **{**params, "exercise_title": shorter}), TITLE_COLUMNS)
    labels["subtitle"] = clip(labels["subtitle"], SUBTITLE_COLUMNS)
    shown = " ".join(str(model).split())[:40]
    if shown and not _DEFAULT_MODEL_NAME.fullmatch(shown):
        labels["yours"] = catalogue.render("plots.yours_named", model=shown)
    return labels


# ----------------------------------------------------------------------------- SVG


def render_svg(curves: Mapping[str, Mapping[str, Sequence[float | None]]], labels: Mapping[str, str]) -> str:
    """The figure as one standalone ``<svg>`` element (``WIDTH`` x ``HEIGHT``), every string escaped."""
    label = {name: _text(labels.get(name, name)) for name in LABEL_IDS}
    series = [name for name in SERIES if name in curves]
    epochs = max([len(curves[s].get(k) or ()) for s in series for k in KINDS] + [0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'font-family="{escape(FONT_STACK)}" font-size="12" role="img" aria-label="{label["title"]}">',
        f"<title>{label['title']}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{WIDTH / 2:g}" y="24" text-anchor="middle" font-size="16" font-weight="bold">'
        f"{label['title']}</text>",
        f'<text x="{WIDTH / 2:g}" y="42" text-anchor="middle" font-size="11" fill="#555555">{label["subtitle"]}</text>',
    ]
    for (left, right), kind in zip(_PANELS, KINDS):
        parts += _panel(curves, series, kind, label, left, right, epochs)
    parts += _legend(series, labels, label)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(curves: Mapping, series: list[str], kind: str, label: dict, left: float, right: float, epochs: int) -> list:
    values = [v for s in series for v in (curves[s].get(kind) or ()) if _finite(v)]
    middle = (left + right) / 2
    parts = [
        f'<g class="panel {kind}">',
        f'<text x="{middle:g}" y="{_TOP - 10}" text-anchor="middle" font-size="13">{label[kind]}</text>',
        f'<text x="{middle:g}" y="{_BOTTOM + 36}" text-anchor="middle">{label["epoch"]}</text>',
    ]
    frame = (
        f'<rect x="{left}" y="{_TOP}" width="{right - left}" height="{_BOTTOM - _TOP}" fill="none" stroke="#444444"/>'
    )
    if not values or epochs == 0:
        centre = (_TOP + _BOTTOM) / 2
        parts.append(
            f'<text x="{middle:g}" y="{centre:g}" text-anchor="middle" fill="#777777">{label["no_values"]}</text>'
        )
        return [*parts, frame, "</g>"]
    low, high = _y_range(values)

    def x_of(index: int) -> float:
        return middle if epochs == 1 else left + 8 + index * (right - left - 16) / (epochs - 1)

    def y_of(value: float) -> float:
        return _BOTTOM - (value - low) / (high - low) * (_BOTTOM - _TOP)

    for tick in _ticks(low, high):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_number(tick)}</text>')
    step = max(1, math.ceil(epochs / 10))
    for index in range(0, epochs, step):
        x = x_of(index)
        parts.append(f'<line x1="{x:.1f}" y1="{_BOTTOM}" x2="{x:.1f}" y2="{_BOTTOM + 4}" stroke="#444444"/>')
        parts.append(f'<text x="{x:.1f}" y="{_BOTTOM + 18}" text-anchor="middle" font-size="11">{index + 1}</text>')
    parts.append(frame)  # over the grid lines, under the curves
    for name in series:
        points = list(enumerate(curves[name].get(kind) or ()))
        color, dash = COLORS[name], DASHES[name]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        for segment in _segments(points):
            coordinates = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in segment)
            parts.append(
                f'<polyline class="curve {name}" data-series="{name}" data-kind="{kind}" points="{coordinates}" '
                f'fill="none" stroke="{color}" stroke-width="2.5"{dashed}/>'
            )
        if epochs <= 40:
            parts += [
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3" fill="{color}"/>' for i, v in points if _finite(v)
            ]
    parts.append("</g>")
    return parts


def _legend(series: list[str], labels: dict, shown: dict) -> list[str]:
    """One entry per series (a line sample, then its label), centred under the panels."""
    widths = [42 + _text_width(str(labels.get(name, name))) for name in series]
    x = (WIDTH - sum(widths) - 28 * (len(series) - 1)) / 2
    parts = ['<g class="legend">']
    for name, width in zip(series, widths):
        dash = f' stroke-dasharray="{DASHES[name]}"' if DASHES[name] else ""
        parts.append(
            f'<line x1="{x:.1f}" y1="{_LEGEND_Y - 4}" x2="{x + 34:.1f}" y2="{_LEGEND_Y - 4}" '
            f'stroke="{COLORS[name]}" stroke-width="2.5"{dash}/>'
        )
        parts.append(f'<text x="{x + 42:.1f}" y="{_LEGEND_Y}">{shown[name]}</text>')
        x += width + 28
    parts.append("</g>")
    return parts


def _text_width(text: str, size: float = 12) -> float:
    """About how wide ``text`` is at ``size`` pixels: CJK characters full width, others about 0.6 of it."""
    return sum(size if ord(ch) >= 0x1100 else size * 0.6 for ch in text)


def write_svg(curves: Mapping, path: str | os.PathLike, labels: Mapping[str, str]) -> None:
    """:func:`render_svg` to ``path`` (replaced whole: a browser watching it never reads half a file)."""
    _replace(path, render_svg(curves, labels).encode("utf-8"))


# ----------------------------------------------------------------------------- PNG (matplotlib)


def write_png(
    curves: Mapping,
    path: str | os.PathLike,
    labels: Mapping[str, str],
    fallback_labels: Mapping[str, str] | None = None,
) -> None:
    """The same figure as a ``WIDTH`` x ``HEIGHT`` PNG drawn by matplotlib (Agg, no pyplot, no display).

    Labels that need a CJK font are drawn with one if matplotlib finds it, else ``fallback_labels``
    (English) are used. Raises ``ImportError`` when matplotlib is not installed.
    """
    import matplotlib  # noqa: F401  (ImportError here: the caller says how to install it)
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = _cjk_font() if _needs_cjk(labels) else None
    if font is None and _needs_cjk(labels) and fallback_labels is not None:
        labels = fallback_labels
    settings: dict[str, Any] = {"text.parse_math": False, "text.usetex": False}  # a "$" in a name is text
    if font is not None:
        settings["font.family"] = [font, "DejaVu Sans"]
    series = [name for name in SERIES if name in curves]
    with rc_context(settings), _quiet_fonts():
        figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(figure)
        axes = figure.subplots(1, 2)
        for axis, kind in zip(axes, KINDS):
            for name in series:
                values = [math.nan if not _finite(v) else float(v) for v in (curves[name].get(kind) or ())]
                axis.plot(
                    range(1, len(values) + 1),
                    values,
                    color=COLORS[name],
                    linestyle="--" if DASHES[name] else "-",
                    linewidth=2.5,
                    marker="o" if len(values) <= 40 else None,
                    markersize=4,
                    label=str(labels.get(name, name)),
                )
            finite = [float(v) for name in series for v in (curves[name].get(kind) or ()) if _finite(v)]
            if finite:
                axis.set_ylim(*_y_range(finite))
            axis.set_title(str(labels.get(kind, kind)), fontsize=11)
            axis.set_xlabel(str(labels.get("epoch", "epoch")))
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.grid(True, color="#e4e4e4")
        handles, names = axes[0].get_legend_handles_labels()
        if handles:
            figure.legend(handles, names, loc="lower center", ncol=len(handles), frameon=False)
        figure.suptitle(str(labels.get("title", "")), fontsize=13, fontweight="bold", y=0.975)
        figure.text(0.5, 0.895, str(labels.get("subtitle", "")), ha="center", fontsize=9, color="#555555")
        figure.subplots_adjust(left=0.08, right=0.98, top=0.8, bottom=0.22, wspace=0.22)
        folder = os.path.dirname(os.path.abspath(path))
        temporary = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp")
        figure.savefig(temporary, dpi=DPI, format="png", facecolor="white")
    os.replace(temporary, path)


def _needs_cjk(labels: Mapping[str, str]) -> bool:
    """Whether a label has Hangul, kana or CJK ideographs (which DejaVu Sans, matplotlib's default, lacks)."""
    return any(ord(ch) >= 0x1100 for text in labels.values() for ch in str(text))


def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for name in CJK_FONTS:
        try:
            font_manager.findfont(font_manager.FontProperties(family=name), fallback_to_default=False)
            return name
        except ValueError:
            continue
    return None


class _quiet_fonts:
    """matplotlib's "font not found" / "glyph missing" warnings and log lines, silenced for one figure."""

    def __enter__(self) -> None:
        import logging
        import warnings

        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        self._logger = logging.getLogger("matplotlib.font_manager")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        self._logger.setLevel(self._level)
        self._warnings.__exit__(*exc)


# ----------------------------------------------------------------------------- shared


def _text(value: Any) -> str:
    """``value`` as XML character data and attribute-safe text: escaped, and without characters XML forbids."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), {'"': "&quot;", "'": "&#x27;"})


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _segments(points: list[tuple[int, Any]]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive finite values (a polyline breaks where a value is missing)."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in points:
        if _finite(value):
            runs[-1].append((index, float(value)))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if len(run) > 1]


def _y_range(values: list[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    if low >= 0 and low <= 0.5 * high:
        low = 0.0  # losses: from zero, so the drop reads at its true size
    if high - low < 1e-12:
        low, high = low - max(0.5, abs(low) * 0.1), high + max(0.5, abs(high) * 0.1)
    pad = (high - low) * 0.05
    return (low if low == 0.0 else low - pad), high + pad


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers between ``low`` and ``high``, about ``count`` of them."""
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step) + 1)]


def _number(value: float) -> str:
    return f"{value:.3g}"


def _replace(path: str | os.PathLike, data: bytes) -> None:
    temporary = f"{os.fspath(path)}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
