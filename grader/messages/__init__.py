"""The message catalogue: every learner-facing string, by id, per language.

Engine messages live in ``grader/messages/<lang>.json``; each exercise keeps its
own in ``grader/exercises/<exercise>/messages/<lang>.json``::

    {
      "title": "CNN shape arithmetic",
      "checks": {"conv_valid": {"title": "...", "hint": ["a nudge", "the formula"]}},
      "messages": {"conv_wrong": "{call} returned {found}; expected {expected}. ..."}
    }

Look-ups fall back to English, then to the id itself, so a missing Korean
string never breaks a report. Messages are ``str.format`` templates; a missing
parameter is left as ``{name}`` rather than raising.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from grader.registry import Exercise

DEFAULT_LANGUAGE = "en"
_ENGINE_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _load(path: Path) -> dict:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_message(template: str, params: dict[str, Any]) -> str:
    """``template.format(**params)`` that never raises on a missing or odd parameter."""
    try:
        return template.format_map(_KeepMissing(params))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


class Catalogue:
    """Messages for one language, optionally with one exercise's own strings first."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, exercise_dir: Path | None = None) -> None:
        self.language = language
        self._layers: list[dict[str, Any]] = []
        for lang in dict.fromkeys([language, DEFAULT_LANGUAGE]):
            if exercise_dir is not None:
                self._layers.append(_load(exercise_dir / "messages" / f"{lang}.json"))
            self._layers.append(_flatten(_load(_ENGINE_DIR / f"{lang}.json")))

    def lookup(self, key: str) -> Any:
        """The raw entry for ``key`` (exercise ``messages`` first, then the engine), or ``None``."""
        for layer in self._layers:
            if "messages" in layer and key in layer["messages"]:
                return layer["messages"][key]
            if key in layer and not isinstance(layer.get(key), dict):
                return layer[key]
        return None

    def render(self, key: str, **params: Any) -> str:
        template = self.lookup(key)
        if not isinstance(template, str):
            return key if not params else f"{key}: {params}"
        return format_message(template, params)

    def title(self) -> str:
        for layer in self._layers:
            if isinstance(layer.get("title"), str):
                return layer["title"]
        return ""

    def check_entry(self, check_name: str) -> dict:
        for layer in self._layers:
            entry = layer.get("checks", {}).get(check_name)
            if isinstance(entry, dict):
                return entry
        return {}

    def check_title(self, check_name: str) -> str:
        return str(self.check_entry(check_name).get("title") or check_name.replace("_", " "))

    def hints(self, check_name: str) -> list[str]:
        hint = self.check_entry(check_name).get("hint", [])
        return [hint] if isinstance(hint, str) else [str(h) for h in hint]


def catalogue_for(exercise: "Exercise | None" = None, language: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The catalogue for ``exercise`` (or the engine alone) in ``language``."""
    return Catalogue(language, exercise.directory if exercise is not None else None)
