"""Turn a learner's exception into a teaching tip when we recognise the mistake.

Mostly Keras-2 habits that Keras 3 rejects (``Adam(lr=...)``,
``Sequential(Dense(...))`` without a list, ``nb_epoch``, ``predict_classes``):
the learner gets the Keras 3 form instead of only a traceback. Each rule maps an
exception type and a pattern in its message to a catalogue message id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    error_type: str  # exception class name, or "*" for any
    pattern: str  # regular expression searched in the exception message
    message_id: str


RULES: list[Rule] = [
    Rule("ValueError", r"Argument\(s\) not recognized: \{'lr'", "explain.optimizer_lr"),
    Rule("TypeError", r"object is not iterable", "explain.sequential_list"),
    Rule("TypeError", r"unexpected keyword argument 'nb_epoch'", "explain.nb_epoch"),
    Rule("AttributeError", r"has no attribute 'predict_classes'", "explain.predict_classes"),
]


def explain(error_type: str, error: str) -> str | None:
    """The message id of a tip for this exception, or ``None``."""
    for rule in RULES:
        if rule.error_type in ("*", error_type) and re.search(rule.pattern, error or ""):
            return rule.message_id
    return None
