"""``grade batch --similarity``: pairs of learners whose files are unusually alike, as a reason to look.

The method is winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: Local Algorithms for Document
Fingerprinting", SIGMOD 2003; the idea behind MOSS), on Python tokens:

1. :func:`tokens`: the file through :mod:`tokenize` (never imported or run). Comments, blank lines and
   indentation are dropped; every name that is not a keyword becomes ``N``, every string ``S`` and every
   number ``0``, so renaming variables or rewording comments and docstrings changes nothing.
2. :func:`kgram_hashes`: a stable 64-bit hash of every run of ``k`` tokens.
3. :func:`winnow`: in every window of ``window`` consecutive hashes, the smallest (the rightmost of equals)
   is a fingerprint; any shared passage of at least ``window + k - 1`` tokens is sure to share one.
4. What everyone shares does not count: every k-gram of the exercise's stub (its starter code, comments and
   docstrings) is removed, and so is a fingerprint found in more than :data:`COMMON_SHARE` of the class
   (the shape every correct answer takes).
5. A pair's score is the share of the smaller fingerprint set found in the other; pairs at or above
   ``threshold`` that share at least :data:`MIN_MATCHED` fingerprints (a passage, not the one classic mistake
   two learners both made) are reported, with their matching lines.

Similarity is a reason to look at two files, never proof of anything: short exercises have few ways to be
right, and learners may work together where that is allowed. The report says so.
"""

from __future__ import annotations

import hashlib
import io
import keyword
import tokenize
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

K = 10  # tokens per k-gram
WINDOW = 6  # hashes per winnowing window: any match of K + WINDOW - 1 = 15 tokens is found
THRESHOLD = 0.6
MIN_FINGERPRINTS = 6  # fewer left after stripping: too little of the learner's own code to judge
MIN_MATCHED = 10  # fewer shared: a line or two alike (one classic mistake made by both), not a passage
COMMON_SHARE = 0.25  # a fingerprint in more than this share of the class (and more than 2 learners) is common
MAX_TOKENS = 200_000
MAX_PAIRS = 30  # per exercise, highest first
MAX_BLOCKS = 4  # matching passages shown per pair
MAX_LINES = 30  # lines shown per passage and side
MAX_LINE_CHARS = 160


@dataclass(frozen=True)
class Token:
    text: str
    line: int


@dataclass
class Pair:
    """Two learners' files for one exercise: how alike, and the passages that match (line ranges, 1-based)."""

    a: str
    b: str
    score: float
    matched: int
    blocks: list[tuple[int, int, int, int]] = field(default_factory=list)


def tokens(source: str) -> list[Token]:
    """The normalised tokens of ``source`` (see the module docstring); a file that does not tokenize to the
    end gives the tokens before the problem (a syntax error is still the learner's code)."""
    found: list[Token] = []
    reader = io.StringIO(source).readline
    try:
        for item in tokenize.generate_tokens(reader):
            kind, text = item.type, item.string
            if kind in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            if kind == tokenize.ENDMARKER:
                break
            if kind == tokenize.NAME:
                text = text if keyword.iskeyword(text) else "N"
            elif kind == tokenize.STRING or kind in _FSTRING:
                text = "S"
            elif kind == tokenize.NUMBER:
                text = "0"
            found.append(Token(text, item.start[0]))
            if len(found) >= MAX_TOKENS:
                break
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError):
        pass
    return _merge_strings(found)


_FSTRING = {
    getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)
}


def _merge_strings(found: list[Token]) -> list[Token]:
    """Adjacent string pieces (an f-string's parts, implicit concatenation) as one ``S``."""
    merged: list[Token] = []
    for token in found:
        if token.text == "S" and merged and merged[-1].text == "S":
            continue
        merged.append(token)
    return merged


def _hash(texts: Sequence[str]) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest(), "big")


def kgram_hashes(found: Sequence[Token], k: int = K) -> list[int]:
    """The hash of every run of ``k`` tokens, in order."""
    texts = [token.text for token in found]
    return [_hash(texts[i : i + k]) for i in range(len(texts) - k + 1)]


def winnow(hashes: Sequence[int], window: int = WINDOW) -> list[tuple[int, int]]:
    """(hash, position) of the fingerprints: each window's minimum, the rightmost of equals, each
    position once. Fewer hashes than a window: the smallest of them."""
    if not hashes:
        return []
    if len(hashes) < window:
        low = min(hashes)
        position = max(i for i, h in enumerate(hashes) if h == low)
        return [(low, position)]
    chosen: list[tuple[int, int]] = []
    last = -1
    for start in range(len(hashes) - window + 1):
        part = hashes[start : start + window]
        low = min(part)
        position = start + max(i for i, h in enumerate(part) if h == low)
        if position != last:
            chosen.append((low, position))
            last = position
    return chosen


def fingerprints(
    source: str, ignore: set[int] = frozenset(), k: int = K, window: int = WINDOW
) -> dict[int, tuple[int, int]]:
    """Fingerprint hash -> the lines (first, last) of its first k-gram; hashes in ``ignore`` left out."""
    found = tokens(source)
    hashes = kgram_hashes(found, k)
    prints: dict[int, tuple[int, int]] = {}
    for value, position in winnow(hashes, window):
        if value not in ignore and value not in prints:
            prints[value] = (found[position].line, found[position + k - 1].line)
    return prints


def similar_pairs(
    sources: Mapping[str, str],
    stub: str = "",
    *,
    threshold: float = THRESHOLD,
    k: int = K,
    window: int = WINDOW,
) -> list[Pair]:
    """Pairs of ``sources`` (learner -> file text) whose own code is alike, highest score first."""
    stub_grams = set(kgram_hashes(tokens(stub), k)) if stub else set()
    prints = {name: fingerprints(text, stub_grams, k, window) for name, text in sources.items()}
    holders: dict[int, list[str]] = defaultdict(list)
    for name, found in prints.items():
        for value in found:
            holders[value].append(name)
    limit = max(2, int(COMMON_SHARE * len(prints)))
    own = {name: {v: lines for v, lines in found.items() if len(holders[v]) <= limit} for name, found in prints.items()}
    shared: Counter = Counter()
    for names in holders.values():
        if len(names) <= limit:
            for i, a in enumerate(sorted(names)):
                for b in sorted(names)[i + 1 :]:
                    shared[(a, b)] += 1
    pairs = []
    for (a, b), count in shared.items():
        smaller = min(len(own[a]), len(own[b]))
        if smaller < MIN_FINGERPRINTS or count < MIN_MATCHED:
            continue
        score = count / smaller
        if score >= threshold:
            pairs.append(Pair(a, b, round(score, 3), count, _blocks(own[a], own[b])))
    pairs.sort(key=lambda p: (-p.score, -p.matched, p.a, p.b))
    return pairs[:MAX_PAIRS]


def _blocks(a: dict[int, tuple[int, int]], b: dict[int, tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """The matching passages: shared fingerprints' line ranges, joined where both sides run on."""
    spans = sorted((*a[v], *b[v]) for v in a.keys() & b.keys())
    blocks: list[list[int]] = []
    for a1, a2, b1, b2 in spans:
        if blocks and a1 <= blocks[-1][1] + 1 and blocks[-1][2] - 1 <= b1 <= blocks[-1][3] + 1:
            block = blocks[-1]
            block[1], block[3] = max(block[1], a2), max(block[3], b2)
        else:
            blocks.append([a1, a2, b1, b2])
    blocks.sort(key=lambda x: -(x[1] - x[0]))
    return [(a1, a2, b1, b2) for a1, a2, b1, b2 in sorted(blocks[:MAX_BLOCKS])]


def excerpt(source: str, first: int, last: int) -> list[str]:
    """Lines ``first``..``last`` (1-based) of ``source``, at most :data:`MAX_LINES`, each clipped."""
    lines = source.splitlines()[first - 1 : min(last, first + MAX_LINES - 1)]
    return [line[:MAX_LINE_CHARS] for line in lines]


def class_similarity(
    files: Mapping[str, Mapping[str, str]], stubs: Mapping[str, str], *, threshold: float = THRESHOLD
) -> dict[str, Any]:
    """``provenance.similarity`` for a class: ``files`` exercise -> learner -> text, ``stubs`` exercise -> stub.
    Each pair with its score and passages (the lines themselves, so the report needs no learner file)."""
    exercises: dict[str, list[dict[str, Any]]] = {}
    for exercise, sources in files.items():
        found = similar_pairs(sources, stubs.get(exercise, ""), threshold=threshold)
        if found:
            exercises[exercise] = [
                {
                    "a": pair.a,
                    "b": pair.b,
                    "score": pair.score,
                    "matched": pair.matched,
                    "passages": [
                        {
                            "a_lines": [a1, a2],
                            "b_lines": [b1, b2],
                            "a": excerpt(sources[pair.a], a1, a2),
                            "b": excerpt(sources[pair.b], b1, b2),
                        }
                        for a1, a2, b1, b2 in pair.blocks
                    ],
                }
                for pair in found
            ]
    return {
        "method": f"winnowing, {K}-token k-grams, window {WINDOW}; stub and common code removed",
        "threshold": threshold,
        "exercises": exercises,
    }


def learner_sources(learners: Sequence[Any], exercises: Sequence[Any]) -> dict[str, dict[str, str]]:
    """exercise id -> learner -> the text of their file, read through the intake (size-capped, no link
    followed; a notebook's code cells joined). A file that cannot be read is left out."""
    from grader.submissions.intake import UnreadableSubmission
    from grader.submissions.notebook import read_code_cells

    files: dict[str, dict[str, str]] = {}
    for exercise in exercises:
        for learner in learners:
            submission = learner.submission(exercise)
            if submission is None:
                continue
            try:
                intake = submission.read()
                if intake.suffix == ".ipynb":
                    text = "\n".join(source for _, source in read_code_cells(intake.data)[0])
                else:
                    text = intake.data.decode("utf-8-sig", "replace")
            except (UnreadableSubmission, OSError, ValueError):
                continue
            files.setdefault(exercise.id, {})[learner.learner] = text
    return files
