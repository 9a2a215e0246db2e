"""Warm grading processes for a batch: each grades one learner at a time, many learners in turn.

A grading process runs no learner code (each learner's code runs in its own sandboxed worker,
started by the grading process for that learner alone), so it is safe to reuse: its pytest,
its TensorFlow import and its fork server are paid once per process, not once per learner.

The parent speaks to each over its stdin/stdout: one JSON line per learner each way (a request
names the learner's folder, the exercises and the grading options; the reply is the
:class:`~grader.results.LearnerResult` as a dict). Anything the grading process itself prints
goes to its stderr, never into the replies.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.engine import GradeOptions, grade_exercises
from grader.registry import find_exercise, use_extra_checks
from grader.results import LearnerResult, RunResult
from grader.sandbox.client import grader_python
from grader.sandbox.limits import WorkerLimits


def options_to_dict(options: GradeOptions) -> dict[str, Any]:
    data = asdict(options)
    data["hidden"] = list(options.hidden)
    data["extra_checks"] = list(options.extra_checks)
    return data


def options_from_dict(data: dict[str, Any]) -> GradeOptions:
    return GradeOptions(
        **{
            **data,
            "limits": WorkerLimits(**data["limits"]),
            "hidden": tuple(data["hidden"]),
            "extra_checks": tuple(data["extra_checks"]),
        }
    )


def grade_learner(request: dict[str, Any]) -> dict[str, Any]:
    """Grade one learner's folder for the requested exercises (in this process); the result as a dict."""
    from grader.batch.layout import LearnerFolder
    from grader.batch.runner import submission_hashes

    learner = LearnerFolder(request["learner"], Path(request["folder"]))
    options = options_from_dict(request["options"])
    use_extra_checks(options.extra_checks, options.extra_visibility)  # the same course as the batch's
    exercises = [find_exercise(name) for name in request["exercises"]]
    items = [(exercise, learner.submission(exercise)) for exercise in exercises]
    files = submission_hashes(items)
    notes = []
    if learner.is_empty():
        notes.append("empty folder")
    unrecognised = learner.unrecognised(list(exercises))
    if unrecognised:
        notes.append("files named like no exercise: " + ", ".join(unrecognised[:5]))
    run = grade_exercises(items, options)
    return LearnerResult(learner.learner, run, files, "; ".join(notes)).to_dict()


def serve() -> None:
    """The grading process's loop: a request line in, a result line out, until stdin closes."""
    replies = os.fdopen(os.dup(1), "w", encoding="ascii")
    os.dup2(2, 1)  # pytest or a library printing must never garble a reply
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    for line in sys.stdin:
        request = json.loads(line)
        try:
            reply = grade_learner(request)
        except Exception as exc:  # noqa: BLE001 - a fault of ours: this learner's row says so
            reply = fault_result(request["learner"], f"{type(exc).__name__}: {exc}")
        replies.write(json.dumps(reply, ensure_ascii=True) + "\n")
        replies.flush()


def fault_result(learner: str, error: str) -> dict[str, Any]:
    """A learner's row when the grader itself failed them: no exercise graded, the error named."""
    return LearnerResult(learner, RunResult(complete=False), error=error[:2000]).to_dict()


class GradingProcess:
    """One warm grading process, restarted if it dies."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                grader_python(f"from {__name__} import serve; serve()"),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=self.env,
                text=True,
                encoding="ascii",
                start_new_session=True,  # Ctrl-C reaches the parent only; it stops these itself
            )
        return self.process

    def grade(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one learner; wait for their result (a fault row if the process died meanwhile)."""
        with self.lock:
            process = self._start()
            try:
                process.stdin.write(json.dumps(request, ensure_ascii=True) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if not line:
                self.stop()
                return fault_result(request["learner"], "the grading process stopped")
            return json.loads(line)

    def stop(self, grace_s: float = 5.0) -> None:
        """Let the process finish (its stdin closed, it stops its fork server); kill it after ``grace_s``."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
            process.wait(timeout=grace_s)
        except (OSError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
