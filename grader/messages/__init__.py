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
parameter is left as ``{name}`` rather than raising. A parameter may itself be
a message (:func:`message_ref`, e.g. the advice inside "wrong loss: {advice}"
or a dataset's name), or a list of messages (one line each): it is rendered in
the same language when its parent is,
so a stored result can be re-rendered in another language without grading again.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from grader.registry import Exercise

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "ko")
_ENGINE_DIR = Path(__file__).resolve().parent
#: Where the language comes from when ``--lang`` is not given, first set wins (POSIX order for messages).
LANGUAGE_VARIABLES = ("KERASDRILL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
_LOCALE_NAMES = {"korean": "ko", "english": "en"}  # Windows' locale names: Korean_Korea.949, English_United States


@cache
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


MESSAGE_REF_KEY = "$message"
# the checks' pseudo-code for an input they do not show: "<uint8 images of shape (5, 8, 8)>", "train of shape (20, 3)"
_SHAPED = re.compile(r"<(?P<what>[A-Za-z0-9_ ]{1,40}?) of shape (?P<shape>\([0-9, ]{0,60}\))(?P<rest>, [^<>]{1,60})?>")
_NAMED_SHAPED = re.compile(r"\b(?P<name>[A-Za-z_][A-Za-z0-9_]{0,40}) of shape (?P<shape>\([0-9, ]{0,60}\))")
_MAX_NESTING = 4


class MessageRef(dict):
    """A catalogue message as a parameter: ``{"$message": id, "params": {...}}``, JSON as it is.

    Its own type so that check helpers can tell a grader-made reference from a
    dict the learner's code returned (which is shown as data, never looked up).
    """


def message_ref(message_id: str, /, **params: Any) -> MessageRef:
    """A catalogue message as a JSON-safe value, to pass as another message's parameter."""
    return MessageRef({MESSAGE_REF_KEY: message_id, "params": params})


def is_message_ref(value: Any) -> bool:
    """Whether ``value`` was made by :func:`message_ref`."""
    return (
        isinstance(value, dict)
        and isinstance(value.get(MESSAGE_REF_KEY), str)
        and isinstance(value.get("params", {}), dict)
    )


class _KeepMissing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_message(template: str, params: dict[str, Any]) -> str:
    """``template.format(**params)`` that never raises on a missing or odd parameter."""
    try:
        return template.format_map(_KeepMissing(params))
    except Exception:  # a format spec that does not fit its value ("{x:d}" with a str): the template, visibly unfilled
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

    def render(self, key: str, /, **params: Any) -> str:
        """The message ``key`` with ``params`` filled in; parameters made by :func:`message_ref` are rendered too.

        ``key`` is positional-only, so a parameter may have any name (``key=`` included). Never raises.
        """
        return self._render(key, params, _MAX_NESTING)

    def render_check_message(self, key: str, params: dict[str, Any]) -> str:
        """A check's message: ``key`` with ``params``, then the place in ``params["place"]`` and the
        teaching tip in ``params["tip"]`` (each a :func:`message_ref`), if any.

        This is how a stored :class:`~grader.results.CheckResult` (``message_id`` + ``params``) is re-rendered.
        """
        from grader.sandbox.protocol import printable  # stdlib only; stored messages are plain text

        text = self.render(key, **params)
        place = params.get("place")  # where in a notebook it happened (cell and line), said after the message
        if is_message_ref(place):
            text += " " + self._render(place[MESSAGE_REF_KEY], place.get("params", {}), _MAX_NESTING)
        tip = params.get("tip")
        if is_message_ref(tip):
            text += "\n" + self._render(tip[MESSAGE_REF_KEY], tip.get("params", {}), _MAX_NESTING)
        return printable(text)

    def _render(self, key: str, params: dict[str, Any], depth: int) -> str:
        if depth > 0:
            params = {name: self._render_parameter(value, depth) for name, value in params.items()}
        if isinstance(params.get("call"), str):
            params = dict(params, call=self.call_in_language(params["call"]))
        template = self.lookup(key)
        if not isinstance(template, str):
            return key if not params else f"{key}: {params}"
        return format_message(template, params)

    def call_in_language(self, call: str) -> str:
        """A check's description of a call with its pseudo-code in this language: the checks write an input
        they do not show as ``<uint8 images of shape (5, 8, 8)>`` or ``train of shape (20, 3)``; the nouns and
        the phrase come from the catalogue's ``call_terms`` (Korean: ``<uint8 이미지, 모양 (5, 8, 8)>``)."""

        def term(text: str) -> str:
            found = self.lookup(f"call_terms.{text}")
            return found if isinstance(found, str) else text

        def shaped(match: re.Match) -> str:
            rest = match.group("rest") or ""
            if rest:
                rest = ", " + term(rest[2:])
            return format_message(
                term("shaped"), {"what": term(match.group("what")), "shape": match.group("shape"), "rest": rest}
            )

        call = _SHAPED.sub(shaped, call)
        return _NAMED_SHAPED.sub(
            lambda m: format_message(term("named"), {"name": m.group("name"), "shape": m.group("shape")}), call
        )

    def _render_parameter(self, value: Any, depth: int) -> Any:
        if is_message_ref(value):
            return self._render(value[MESSAGE_REF_KEY], value.get("params", {}), depth - 1)
        if isinstance(value, list) and value and all(is_message_ref(item) for item in value):
            # several findings in one message ("also: ..."), one line each
            lines = (self._render(item[MESSAGE_REF_KEY], item.get("params", {}), depth - 1) for item in value)
            return "\n".join(f"• {line}" for line in lines)
        return value

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


def language_of_locale(name: str) -> str | None:
    """``"ko"`` for ``ko_KR.UTF-8``, ``ko``, ``Korean_Korea.949``; ``"en"`` for ``en_US``, ``C``, ``POSIX``;
    ``None`` for a language kerasdrill has no messages in."""
    tag = name.strip().split(".")[0].split("@")[0]
    if not tag:
        return None
    if tag in ("C", "POSIX"):
        return DEFAULT_LANGUAGE
    language = tag.replace("-", "_").split("_")[0].lower()
    language = _LOCALE_NAMES.get(language, language)
    return language if language in LANGUAGES else None


def detect_language(environ: dict[str, str] | None = None) -> str:
    """The learner's language: ``$KERASDRILL_LANG``, then ``$LANGUAGE`` (a list: its first language we
    have), ``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG``, then (Windows, where none is set) the system locale.
    The first variable that is set decides; English when it names a language we have no messages in."""
    import os

    source = os.environ if environ is None else environ
    for variable in LANGUAGE_VARIABLES:
        value = source.get(variable, "")
        if not value:
            continue
        if variable == "LANGUAGE":  # "ko:en_US": a preference list; skip it if it names none of ours
            found = next((lang for lang in map(language_of_locale, value.split(":")) if lang), None)
            if found:
                return found
            continue
        return language_of_locale(value) or DEFAULT_LANGUAGE
    if environ is None:
        import locale

        try:
            name = locale.getlocale()[0] or ""
        except ValueError:
            name = ""
        return language_of_locale(name) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def catalogue_for(exercise: Exercise | None = None, language: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The catalogue for ``exercise`` (or the engine alone) in ``language``."""
    return Catalogue(language, exercise.directory if exercise is not None else None)


class Localized(Exception):
    """An error a person reads (an instructor's bad roster, a shard that does not fit): a catalogue message
    (``ref``) that each front end renders in its reader's language; ``str()`` is the English text, for logs
    and callers that do not translate."""

    def __init__(self, message_id: str, /, **params: Any) -> None:
        self.ref = message_ref(message_id, **params)
        super().__init__(Catalogue(DEFAULT_LANGUAGE).render(message_id, **params))

    def render(self, catalogue: Catalogue) -> str:
        """The message in ``catalogue``'s language."""
        return catalogue.render(self.ref[MESSAGE_REF_KEY], **self.ref["params"])
