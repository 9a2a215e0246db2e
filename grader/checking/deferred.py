"""A check's training overlapping the checks after it.

A check marked ``@check(..., trains=True)`` ends by training the learner's model in a trainer
(:func:`grader.checking.models.fit_and_score` as its last statement). Such checks run first; while
one runs, :func:`finish_later` lets ``fit_and_score`` hand the trainer its request and stop the
check there with :class:`Deferred`, whose ``finish`` waits for the reply and gives the verdict. The
collector keeps it pending and settles it after the exercise's other checks, which run meanwhile: on
two cores a ConvNet trains while its layer tables are judged, and nothing about the check changes
(the same request, the same verdict code, only later).

Anywhere else (a check not so marked, an instructor's check, a caller outside pytest),
:func:`finish_later` finishes at once, as a plain call would.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

_ALLOWED: contextvars.ContextVar[bool] = contextvars.ContextVar("kerasdrill_deferral_allowed", default=False)


class Deferred(BaseException):
    """A check that handed its work on: ``finish()`` gives its verdict (returns, or raises as the check
    would have); ``cancel()`` stops the work if the verdict is never asked for. A ``BaseException``, so
    that no ``except Exception`` of a check on the way takes it for a failure."""

    def __init__(self, finish: Callable[[], Any], cancel: Callable[[], None]) -> None:
        super().__init__("deferred")
        self.finish = finish
        self.cancel = cancel


@contextlib.contextmanager
def deferral_allowed() -> Iterator[None]:
    """While a check marked ``trains=True`` runs (the collector's fixtures set it around the call)."""
    token = _ALLOWED.set(True)
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def finish_later(finish: Callable[[], Any], cancel: Callable[[], None]) -> Any:
    """Raise :class:`Deferred` if the running check may be settled later; else ``finish()`` now."""
    if _ALLOWED.get():
        _ALLOWED.set(False)  # one deferral per check: the check stops here
        raise Deferred(finish, cancel)
    return finish()
