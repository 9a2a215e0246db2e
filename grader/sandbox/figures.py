"""A matplotlib figure across the pipe as the data it plots: never pixels, never a pickle.

Registered on every :class:`grader.sandbox.protocol.Codec`. In the worker, :func:`encode` turns a
returned ``Figure`` (or one ``Axes`` of it) into plain data: per axes its labels, title and legend
texts, and per line its label and its x/y values (numpy arrays, which cross as ``.npy``). It looks
only at values whose type comes from ``matplotlib``, so matplotlib is imported only where the
learner's code imported it (exercise 16's ``plot_learning_curves``); nothing here imports it.

On the grading side :func:`decode` rebuilds a :class:`FigureData` and bounds it: more axes, lines,
points or text than a learning curve needs (:data:`MAX_AXES`, :data:`MAX_LINES`, :data:`MAX_POINTS`)
arrive as a ``FigureData`` whose ``problem`` says so, for the check to fail with a message, and so
does anything malformed (learner code in the worker may replace this encoder).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from grader.sandbox.protocol import Codec, ProtocolError

MAX_AXES = 16
MAX_LINES = 64  # per axes
MAX_POINTS = 10_000  # per line: a learning curve has one point per epoch
MAX_TEXT = 200  # characters of a label, a title, a legend entry


@dataclass(frozen=True)
class LineData:
    """One plotted line: its label (matplotlib's ``_child0`` when none was given) and its values."""

    label: str
    x: Any  # 1-D float64 numpy array, or None when the values were not numbers
    y: Any


@dataclass(frozen=True)
class AxesData:
    xlabel: str = ""
    ylabel: str = ""
    title: str = ""
    lines: tuple[LineData, ...] = ()
    legend: tuple[str, ...] | None = None  # the axes' legend texts; None: no legend


@dataclass(frozen=True)
class FigureData:
    """What a returned figure plots. ``problem`` (e.g. ``"points"``) names a bound it broke, or ``"malformed"``;
    ``returned`` is what the function returned (``"Figure"``, ``"Axes"``)."""

    axes: tuple[AxesData, ...] = ()
    legends: tuple[str, ...] = ()  # figure-level legends (fig.legend())
    returned: str = "Figure"
    problem: str = ""
    size: int = 0  # the count that broke the bound

    def all_legend_texts(self, axes: AxesData) -> tuple[str, ...]:
        """The legend entries that describe ``axes``: its own legend's, or the figure's."""
        return (axes.legend or ()) + self.legends


# ------------------------------------------------------------------------ the worker's side


def encode(value: Any, codec: Codec) -> Any:
    module = type(value).__module__ or ""
    if not module.startswith("matplotlib") or "matplotlib" not in sys.modules:
        return NotImplemented
    from matplotlib.axes import Axes
    from matplotlib.figure import FigureBase

    if isinstance(value, Axes):
        returned, figure, axes = "Axes", value.figure, [value]
    elif isinstance(value, FigureBase):
        returned, figure, axes = "Figure", value, list(value.get_axes())
    else:
        return NotImplemented
    return {
        "__figure__": returned,
        "axes": [_axes(a, codec) for a in axes[: MAX_AXES + 1]],
        "axes_count": len(axes),
        "legends": [_text(t.get_text()) for legend in getattr(figure, "legends", [])[:MAX_LINES] for t in legend.texts],
    }


def _axes(axes: Any, codec: Codec) -> dict:
    legend = axes.get_legend()
    lines = list(axes.get_lines())
    return {
        "xlabel": _text(axes.get_xlabel()),
        "ylabel": _text(axes.get_ylabel()),
        "title": _text(axes.get_title()),
        "lines": [_line(line, codec) for line in lines[: MAX_LINES + 1]],
        "line_count": len(lines),
        "legend": None if legend is None else [_text(t.get_text()) for t in legend.get_texts()[: MAX_LINES + 1]],
    }


def _line(line: Any, codec: Codec) -> dict:
    import numpy

    values = {}
    for axis, data in (("x", line.get_xdata(orig=True)), ("y", line.get_ydata(orig=True))):
        try:
            array = numpy.asarray(data, dtype=numpy.float64).reshape(-1)
        except (TypeError, ValueError):  # dates, categories: no numbers to compare
            array = None
        values[axis] = None if array is None else codec.encode(array[: MAX_POINTS + 1])
        values[axis + "_count"] = int(numpy.size(data)) if array is not None else 0
    return {"label": _text(line.get_label()), **values}


def _text(value: Any) -> str:
    return str(value)[: MAX_TEXT + 1]


# ------------------------------------------------------------------------ the grading side


class _Malformed(Exception):
    pass


def decode(tree: dict, codec: Codec) -> FigureData:
    returned = tree.get("__figure__")
    returned = returned if returned in ("Figure", "Axes") else "Figure"
    try:
        axes_trees = _list(tree.get("axes"))
        axes_count = max(len(axes_trees), _count(tree.get("axes_count")))
        if axes_count > MAX_AXES:
            return FigureData(returned=returned, problem="axes", size=axes_count)
        axes = []
        for axes_tree in axes_trees:
            if not isinstance(axes_tree, dict):
                raise _Malformed
            line_trees = _list(axes_tree.get("lines"))
            line_count = max(len(line_trees), _count(axes_tree.get("line_count")))
            if line_count > MAX_LINES:
                return FigureData(returned=returned, problem="lines", size=line_count)
            lines = []
            for line_tree in line_trees:
                if not isinstance(line_tree, dict):
                    raise _Malformed
                points = max(_count(line_tree.get("x_count")), _count(line_tree.get("y_count")))
                x, y = _values(line_tree.get("x"), codec), _values(line_tree.get("y"), codec)
                points = max(points, *(len(v) for v in (x, y) if v is not None), 0)
                if points > MAX_POINTS:
                    return FigureData(returned=returned, problem="points", size=points)
                lines.append(LineData(_string(line_tree.get("label")), x, y))
            legend = axes_tree.get("legend")
            axes.append(
                AxesData(
                    xlabel=_string(axes_tree.get("xlabel")),
                    ylabel=_string(axes_tree.get("ylabel")),
                    title=_string(axes_tree.get("title")),
                    lines=tuple(lines),
                    legend=None if legend is None else _strings(legend),
                )
            )
        return FigureData(tuple(axes), _strings(tree.get("legends") or []), returned)
    except (_Malformed, ProtocolError, TypeError, ValueError, KeyError):
        return FigureData(returned=returned, problem="malformed")


def _list(value: Any) -> list:
    if not isinstance(value, list):
        raise _Malformed
    return value


def _count(value: Any) -> int:
    return value if type(value) is int and value >= 0 else 0


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Malformed
    return value[:MAX_TEXT]


def _strings(value: Any) -> tuple[str, ...]:
    items = _list(value)
    if len(items) > MAX_LINES + 1:
        raise _Malformed
    return tuple(_string(item) for item in items)


def _values(tree: Any, codec: Codec) -> Any:
    """A line's x or y values as a 1-D float64 array (``None``: not numbers), read without pickle."""
    if tree is None:
        return None
    import numpy

    array = codec.decode(tree)
    if not isinstance(array, numpy.ndarray) or array.dtype.kind not in "fiub":
        raise _Malformed
    return array.astype(numpy.float64).reshape(-1)


def install(codec: Codec) -> None:
    """Register the figure encoder and decoder on ``codec``."""
    codec.add_encoder(encode)
    codec.add_decoder("__figure__", decode)
