"""Learner text made safe for each place it is shown: one function per medium, one walk over the results.

A learner controls more text than their code: their folder's name (the learner id), file paths, the
values their functions returned (inside messages), their printed output, their notebook's notes (``!shell``
lines), what the worker reports about its sandbox. Each medium has its own dangers:

* ``terminal``: escape sequences (ESC[…, OSC 8 links, OSC 52 clipboard writes), C1 controls (``\\x9b`` is
  CSI), bidi overrides that reorder what is read, a carriage return that overwrites the line. Each is
  shown *visibly* (``\\x1b``, ``\\u202e``), never dropped, so an instructor sees that something was there.
* ``ci_log``: the terminal's dangers, plus GitHub Actions workflow commands (``::error …::``, ``::add-mask::``,
  ``::stop-commands::``, read at the start of a line after leading spaces, and ``##[`` commands): every
  ``::`` and ``##[`` in learner text is percent-encoded as GitHub itself encodes command data
  (``:%3A``, ``#%23[``), so a line can never begin a command whatever the text holds.
* ``csv``: a cell that a spreadsheet reads as a formula (``= + - @``, also after leading whitespace, a tab
  or CR, which LibreOffice trims: OWASP's CSV injection rules) gets a leading ``'``.
* ``xml``: characters XML 1.0 cannot hold (JUnit reports) are shown as escapes, so the file parses.
* ``markdown``: one line per table cell, every markup character backslash-escaped: no raw HTML, no link
  or image, no ``|`` that ends the cell.
* ``html``: control and bidi characters shown as escapes; jinja2's autoescape does the HTML itself.
* ``json``: kept exactly (results.json is data read back by ``--resume`` and ``grade merge``); in the text
  written, C1 controls, bidi controls and line separators are ``\\uXXXX`` escapes (the same JSON value).

:class:`Medium` bundles a medium's text function with what is done to a writer's whole output;
:func:`sanitized` applies one to every string in a result (dataclasses, lists, dicts, keys too), which is
how every writer receives its results (:class:`grader.outputs.base.Writer`), and how ``grade batch``'s
progress, ``grade report`` and the CLI's notes print learner text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Control characters (C0 but newline/tab, DEL, C1), bidi and invisible format controls, line/paragraph
# separators, the byte-order mark, XML's non-characters and lone surrogates.
_INVISIBLE = "\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\u2028\u2029\ufeff\ufff9-\ufffb\ufffe\uffff"
_UNSAFE_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f{_INVISIBLE}\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x1f{_INVISIBLE}\ud800-\udfff]")
_CI_COMMANDS = re.compile(r"::|##\[")
_FORMULA_START = ("=", "+", "-", "@")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
# What is still raw in JSON text after json.dumps(ensure_ascii=False): it escapes only C0 and quotes.
_JSON_RAW = re.compile(f"[{_INVISIBLE}\ud800-\udfff]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def terminal(text: object, *, one_line: bool = True) -> str:
    """``text`` for a terminal: every control, bidi and invisible format character shown as ``\\xNN`` /
    ``\\uNNNN``; with ``one_line=False`` newlines and tabs are kept (a message's paragraphs, printed output)."""
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE_MULTILINE).sub(_shown, str(text))


def ci_log(text: object, *, one_line: bool = True) -> str:
    """``text`` for a CI log (and any stream that may be one): :func:`terminal`, and no workflow command."""
    return _CI_COMMANDS.sub(lambda m: ":%3A" if m.group() == "::" else "#%23[", terminal(text, one_line=one_line))


def csv(text: object, *, one_line: bool = True) -> str:
    """``text`` as a spreadsheet cell: one line, never read as a formula (even after leading whitespace)."""
    shown = terminal(text, one_line=True)
    return "'" + shown if shown.lstrip().startswith(_FORMULA_START) else shown


def xml(text: object, *, one_line: bool = False) -> str:
    """``text`` that XML 1.0 can hold (newlines and tabs kept unless ``one_line``); ElementTree escapes ``<&``."""
    return terminal(text, one_line=one_line)


def markdown(text: object, *, one_line: bool = True) -> str:
    """``text`` as one Markdown table cell: one line, every markup character escaped (no HTML, link, image, ``|``)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(terminal(text, one_line=True).split()))


def html(text: object, *, one_line: bool = False) -> str:
    """``text`` for an HTML page rendered with autoescape: control and bidi characters shown as escapes."""
    return terminal(text, one_line=one_line)


def json_text(text: str) -> str:
    """Already-dumped JSON with C1, bidi and separator characters as ``\\uXXXX`` escapes (the same value)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _same(text: object, *, one_line: bool = True) -> str:
    return str(text)


def _whole(text: str) -> str:
    return text


@dataclass(frozen=True)
class Medium:
    """Where text ends up: ``text`` for every learner-controlled string, ``finish`` for the whole output."""

    name: str
    text: Callable[..., str]
    finish: Callable[[str], str] = _whole


TERMINAL = Medium("terminal", terminal)
CI_LOG = Medium("ci_log", ci_log)
CSV = Medium("csv", csv)
XML = Medium("xml", xml)
MARKDOWN = Medium("markdown", markdown)
HTML = Medium("html", html)
JSON = Medium("json", _same, json_text)  # data, kept exactly
JSON_FOR_CI = Medium("json_for_ci", ci_log, json_text)  # JSON whose texts a CI reporter prints (Classroom)
JSON_FOR_PEOPLE = Medium("json_for_people", terminal, json_text)  # JSON whose texts a page shows (Gradescope)

#: Fields whose text keeps its lines (paragraphs of a message, printed output, a traceback).
MULTILINE_FIELDS = frozenset({"message", "details", "output", "error", "hints", "example"})
#: Fields the grader alone writes and other code looks up by value: never changed.
KEPT_FIELDS = frozenset({"status", "visibility", "language", "message_id", "$message"})


def sanitized(value: Any, medium: Medium, *, one_line: bool = True) -> Any:
    """``value`` (a result, a summary, a list or dict of them, a string) with every string made safe for
    ``medium``: dataclass fields, list items, dict keys and values, at any depth. A field named in
    :data:`MULTILINE_FIELDS` keeps its newlines; one in :data:`KEPT_FIELDS` is left as it is."""
    if medium.text is _same:
        return value
    return _walk(value, medium.text, one_line, 0)


def _walk(value: Any, text: Callable[..., str], one_line: bool, depth: int) -> Any:
    if isinstance(value, str):
        return text(value, one_line=one_line)
    if depth > 40 or value is None or isinstance(value, (bool, int, float)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for item in dataclasses.fields(value):
            if item.name in KEPT_FIELDS or not item.init:
                continue
            changes[item.name] = _walk(getattr(value, item.name), text, item.name not in MULTILINE_FIELDS, depth + 1)
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {
            _walk(key, text, True, depth + 1): (
                item if key in KEPT_FIELDS else _walk(item, text, key not in MULTILINE_FIELDS and one_line, depth + 1)
            )
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        walked = [_walk(item, text, one_line, depth + 1) for item in value]
        return tuple(walked) if type(value) is tuple else walked
    return value
