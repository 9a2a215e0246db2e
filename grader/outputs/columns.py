"""Text columns measured as a terminal draws them: a Hangul or CJK character takes two columns.

``str.ljust`` counts characters, so a Korean title pushes every later column out of line;
these count display columns (:func:`unicodedata.east_asian_width` "W"/"F" is two, a combining
mark zero) and cut over-long text at a column boundary with an ellipsis.
"""

from __future__ import annotations

import os
import shutil
import unicodedata

DEFAULT_WIDTH = 88
MIN_WIDTH, MAX_WIDTH = 60, 120


def char_width(char: str) -> int:
    """How many columns ``char`` takes in a terminal: 0, 1 or 2."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """The columns ``text`` takes (no ANSI escapes expected: style after padding)."""
    return sum(char_width(char) for char in text)


def clip(text: str, width: int, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``width`` columns, ending in ``ellipsis`` when cut."""
    if display_width(text) <= width:
        return text
    room, out = width - display_width(ellipsis), []
    for char in text:
        room -= char_width(char)
        if room < 0:
            break
        out.append(char)
    return "".join(out) + ellipsis


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces on the right to ``width`` columns."""
    return text + " " * max(0, width - display_width(text))


def rjust(text: str, width: int) -> str:
    """``text`` padded with spaces on the left to ``width`` columns."""
    return " " * max(0, width - display_width(text)) + text


def terminal_width(default: int = DEFAULT_WIDTH) -> int:
    """The report's width: the terminal's (``$COLUMNS`` too), kept between 60 and 120 columns so a
    narrow pane still reads and a wide one does not stretch paragraphs."""
    if "COLUMNS" not in os.environ and not os.isatty(1):
        return default
    columns = shutil.get_terminal_size((default, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """``textwrap.wrap`` by display columns: words stay whole unless one alone is wider than a line."""
    lines: list[str] = []
    line, filled = initial_indent, False  # filled: the line holds a word already

    def add(word: str) -> None:
        nonlocal line, filled
        line, filled = (line + " " + word) if filled else (line + word), True

    def end_line() -> None:
        nonlocal line, filled
        lines.append(line)
        line, filled = subsequent_indent, False

    for word in text.split():
        if filled and display_width(line) + 1 + display_width(word) > width:
            end_line()
        while display_width(line) + (1 if filled else 0) + display_width(word) > width and len(word) > 1:
            head = clip(word, max(width - display_width(line) - (1 if filled else 0), 1), ellipsis="")
            if not head:
                break
            add(head)
            end_line()
            word = word[len(head) :]
        add(word)
    if filled:
        lines.append(line)
    return lines
