"""Outcomes, in one place both sides of the trust boundary import.

* :class:`Status`: what a check's result says (``passed``, ``failed``, ``error``, ``timeout``);
* :class:`ErrorKind`: how the worker classifies what the learner's code did instead of returning
  (the ``kind`` of an error reply on the wire);
* the learner-problem taxonomy: :class:`LearnerProblem` and its subclasses, raised in the grading
  process when a call did not produce a value, each knowing the check status it causes and the
  catalogue message that explains it. :data:`PROBLEM_BY_KIND` maps a worker's error kind to one.

Plain constants and exceptions, standard library only: the worker imports this module.
"""

from __future__ import annotations

from typing import Any


class Status:
    """A check result's status."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"  # the learner's code raised or crashed (or, with ``internal``, the grader did)
    TIMEOUT = "timeout"


STATUSES = (Status.PASSED, Status.FAILED, Status.ERROR, Status.TIMEOUT)


class ErrorKind:
    """The ``kind`` of an error reply from the worker."""

    NOT_IMPLEMENTED = "not_implemented"  # the stub's NotImplementedError: not attempted yet
    MISSING = "missing"  # no such function in the learner's module
    RAISED = "raised"
    SYNTAX = "syntax"
    EXIT = "exit"  # sys.exit / SystemExit
    MEMORY = "memory"  # MemoryError under the worker's memory cap
    PROTOCOL = "protocol"  # a malformed request (the grader's side) or argument
    NOT_LOADED = "not_loaded"


def problem_ref(message_id: str, /, **params: Any) -> dict:
    """A catalogue message as a problem's parameter (``{"$message": id, "params": ...}``, the shape
    :func:`grader.messages.message_ref` makes), for the learner's side, which imports no catalogue."""
    return {"$message": message_id, "params": params}


class LearnerProblem(Exception):
    """Something in the learner's code stopped a check from getting a value.

    ``status`` is the check outcome it causes; ``message_id``/``params`` render
    the learner-facing explanation from the message catalogue.
    """

    status = Status.ERROR
    attempted = True
    message_id = "engine.raised"

    def __init__(self, **params: Any) -> None:
        super().__init__(params)
        self.params = params
        self.details = str(params.get("traceback", ""))


class NotAttempted(LearnerProblem):
    status = Status.FAILED
    attempted = False
    message_id = "engine.not_attempted"


class MissingFunction(LearnerProblem):
    status = Status.FAILED
    message_id = "engine.missing_function"


class LearnerRaised(LearnerProblem):
    message_id = "engine.raised"


class LearnerExited(LearnerProblem):
    message_id = "engine.exited"


class LearnerOutOfMemory(LearnerProblem):
    message_id = "engine.memory"


class LearnerTimeout(LearnerProblem):
    status = Status.TIMEOUT
    message_id = "engine.timeout"


class LearnerCrashed(LearnerProblem):
    message_id = "engine.crashed"


class SubmissionBroken(LearnerProblem):
    """The submission could not be imported at all (syntax error, import error, loop at import)."""

    message_id = "engine.load_failed"


PROBLEM_BY_KIND: dict[str, type[LearnerProblem]] = {
    ErrorKind.NOT_IMPLEMENTED: NotAttempted,
    ErrorKind.MISSING: MissingFunction,
    ErrorKind.EXIT: LearnerExited,
    ErrorKind.MEMORY: LearnerOutOfMemory,
    ErrorKind.RAISED: LearnerRaised,
    ErrorKind.SYNTAX: LearnerRaised,
}
