"""How deep a JSON text nests, found before it is parsed and in time linear in its length.

``json.loads`` recurses once per level, so a learner's file of 100,000 ``[`` raises RecursionError
wherever the stack happens to be, and a tree it did parse is unsafe to walk recursively. The
grading side (a notebook, a model's ``config.json``) asks :func:`json_depth` first and refuses a
text past its own bound. Standard library only; used by ``submissions/`` and ``checking/``.
"""

from __future__ import annotations

import re
import sys

# A JSON string, escapes included. Written as an unrolled loop (no two ways to match the same
# characters), so it is linear; possessive where Python has them (3.11+), so an unterminated
# string is given up at once rather than character by character.
_POSSESSIVE = "+" if sys.version_info >= (3, 11) else ""
_STRING = re.compile(rf'"[^"\\]*{_POSSESSIVE}(?:\\.[^"\\]*{_POSSESSIVE})*{_POSSESSIVE}"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


MAX_BRACKETS = 1_000_000  # lists and objects in one text: a 10,000-cell notebook has ~200,000


def json_depth(text: str | bytes, limit: int) -> int:
    """How many ``[``/``{`` are open at the deepest point of ``text`` (brackets inside strings do not
    count); the count stops just past ``limit``, so ``json_depth(t, n) > n`` means "too deep". A text
    of more than :data:`MAX_BRACKETS` lists and objects counts as too deep as well. Malformed text
    gives some depth: the parser refuses it afterwards."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) > 2 * MAX_BRACKETS:
        return limit + 1
    depth = deepest = 0
    for char in brackets:  # only brackets are left: one loop step per bracket, C regexes did the rest
        if char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        else:
            depth -= 1
    return deepest
