"""Consoles that cannot show every character: ASCII stand-ins instead of a UnicodeEncodeError.

A Korean Windows console redirected to a file writes cp949, which has Hangul but not ✓, ✗ or •;
an old terminal may be ASCII. :func:`use_fallbacks` makes the streams replace what their encoding
lacks with an ASCII stand-in (``✓`` → ``+``), or ``?`` where there is none, so a report is never
lost to one symbol.
"""

from __future__ import annotations

import codecs
import sys
from typing import TextIO

ERRORS = "kerasdrill-fallback"

FALLBACKS = {
    "✓": "+",
    "✗": "x",
    "⏱": "T",
    "·": ".",
    "│": "|",
    "…": "...",
    "←": "<-",
    "→": "->",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "•": "*",
    "≥": ">=",
    "≤": "<=",
    "×": "x",
}


def _fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start : error.end]
    return "".join(FALLBACKS.get(char, "?") for char in text), error.end


codecs.register_error(ERRORS, _fallback)


def use_fallbacks(*streams: TextIO) -> None:
    """Let ``streams`` (default: stdout and stderr) write what their encoding lacks as ASCII stand-ins."""
    for stream in streams or (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if reconfigure is None or encoding in ("utf8", "utf16", "utf32"):
            continue
        try:
            reconfigure(errors=ERRORS)
        except (ValueError, OSError):  # a stream already written to in a way that forbids it
            pass
