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
import queue
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.engine import ExerciseSession, GradeOptions, grade_exercises, start_exercise
from grader.registry import Exercise, find_exercise, use_extra_checks
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


class PendingLearner:
    """One learner a grading process has begun: their files located and hashed, their first
    exercise's worker already importing the submission (:func:`~grader.engine.start_exercise`)."""

    def __init__(self, request: dict[str, Any]) -> None:
        from grader.batch.layout import LearnerFolder, submission_hashes

        root = request.get("root")
        self.learner = LearnerFolder(request["learner"], Path(request["folder"]), Path(root) if root else None)
        self.options = options_from_dict(request["options"])
        use_extra_checks(self.options.extra_checks, self.options.extra_visibility)  # the same course as the batch's
        exercises = [find_exercise(name) for name in request["exercises"]]
        self.items = [(exercise, self.learner.submission(exercise)) for exercise in exercises]
        self.files = submission_hashes(self.items)
        notes = []
        if self.learner.is_empty():
            notes.append("empty folder")
        unrecognised = self.learner.unrecognised(list(exercises))
        if unrecognised:
            notes.append("files named like no exercise: " + ", ".join(unrecognised[:5]))
        self.note = "; ".join(notes)
        self.started: dict[int, ExerciseSession] = {}
        first = next((i for i, (_, submission) in enumerate(self.items) if submission is not None), None)
        if first is not None:
            exercise, submission = self.items[first]
            self.started[first] = start_exercise(exercise, submission, self.options)

    def ready(self) -> bool:
        """Whether grading would start at once (the first worker's import is over)."""
        return all(session.ready() for session in self.started.values())

    def load_fds(self) -> list[int]:
        return [fd for session in self.started.values() if (fd := session.load_fd()) is not None]

    def grade(self) -> dict[str, Any]:
        """Grade every requested exercise; the :class:`~grader.results.LearnerResult` as a dict."""
        started, self.started = self.started, {}
        run = grade_exercises(self.items, self.options, started=started)
        return LearnerResult(self.learner.learner, run, self.files, self.note).to_dict()


def grade_learner(request: dict[str, Any]) -> dict[str, Any]:
    """Grade one learner's folder for the requested exercises (in this process); the result as a dict."""
    return PendingLearner(request).grade()


#: Learners a grading process holds at once, one being graded and the rest importing meanwhile.
#: A plain-data worker is small; a model exercise's worker grows to hundreds of MB once checked.
AT_ONCE_PLAIN = 8
AT_ONCE_MODEL = 2


def learners_at_once(exercises: Sequence[Exercise]) -> int:
    """How many learners to send a grading process before waiting for its first result."""
    return AT_ONCE_MODEL if any(exercise.needs_tf for exercise in exercises) else AT_ONCE_PLAIN


POLL_S = 0.02  # how often a grading process with no learner ready looks for new requests and launches


def serve(parent: int | None = None, link: tuple[int, int] | None = None) -> None:
    """The grading process's loop: learners' requests in, their results out, until stdin closes.

    The parent may send several requests ahead (:class:`GradingProcess`). Each is begun as it
    arrives (its worker starts importing), and the learner whose import is over first is graded
    first, so a learner whose file sleeps or computes at import holds no one up. Every reply names
    its request's ``index``. Learners' code runs in their own workers, never together in one.
    """
    from grader.sandbox.isolation import die_with_parent
    from grader.sandbox.session import remove_on_termination

    remove_on_termination()
    die_with_parent(signal.SIGTERM, parent=parent)  # `grade batch` killed: remove its sessions, then end
    if link is not None:
        from grader.sandbox import forkserver

        forkserver.use_link(*link)  # the batch's one warm Keras server, through a copy of it
    replies = os.fdopen(os.dup(1), "w", encoding="ascii")
    os.dup2(2, 1)  # pytest or a library printing must never garble a reply
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C stops
    requests: queue.Queue[dict | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            requests.put(json.loads(line))
        requests.put(None)

    threading.Thread(target=read, daemon=True, name="kerasdrill-requests").start()
    waiting: list[tuple[dict, PendingLearner | str]] = []  # in arrival order; a str: why it could not begin
    more = True
    while more or waiting:
        while more:  # begin every learner sent so far
            try:
                request = requests.get(block=not waiting)
            except queue.Empty:
                break
            if request is None:
                more = False
            else:
                waiting.append((request, _begin(request)))
        chosen = next((entry for entry in waiting if isinstance(entry[1], str) or entry[1].ready()), None)
        if chosen is None:
            if waiting:
                fds = [fd for _, pending in waiting for fd in pending.load_fds()]  # type: ignore[union-attr]
                select.select(fds, [], [], POLL_S)
            continue
        waiting.remove(chosen)
        request, pending = chosen
        if isinstance(pending, str):
            reply = fault_result(request["learner"], pending)
        else:
            try:
                reply = pending.grade()
            except Exception as exc:  # noqa: BLE001 - a fault of ours: this learner's row says so
                reply = fault_result(request["learner"], f"{type(exc).__name__}: {exc}")
        replies.write(json.dumps({"index": request.get("index"), "result": reply}, ensure_ascii=True) + "\n")
        replies.flush()


def _begin(request: dict) -> PendingLearner | str:
    """The learner begun, or why that failed (a fault of ours, told in their row when their turn comes)."""
    try:
        return PendingLearner(request)
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


def fault_result(learner: str, error: str) -> dict[str, Any]:
    """A learner's row when the grader itself failed them: no exercise graded, the error named."""
    return LearnerResult(learner, RunResult(complete=False), error=error[:2000]).to_dict()


class GradingProcess:
    """One warm grading process, restarted if it dies.

    Its owner may :meth:`send` several learners before it :meth:`receive` s the first result
    (:func:`learners_at_once`): the process begins each at once and grades whichever is ready first.
    """

    def __init__(self, env: dict[str, str] | None = None, *, warm_link: bool = False) -> None:
        self.env = env
        self.warm_link = warm_link  # model exercises: fork from a copy of this process's one Keras server
        self.process: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.process is None or self.process.poll() is not None:
            link = None
            if self.warm_link:  # one Keras import for the class, in this process's server; not one per process
                from grader.sandbox import environment, forkserver
                from grader.sandbox.client import GRADER_ROOT

                link = forkserver.open_link(GRADER_ROOT, environment.base_environment())
            try:
                self.process = subprocess.Popen(
                    grader_python(f"from {__name__} import serve; serve({os.getpid()}, link={link!r})"),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    env=self.env,
                    text=True,
                    encoding="ascii",
                    start_new_session=True,  # Ctrl-C reaches the parent only; it stops these itself
                    pass_fds=(link[1],) if link else (),
                )
            finally:
                if link:
                    os.close(link[1])
        return self.process

    def send(self, request: dict[str, Any]) -> bool:
        """Send one learner's request (it carries an ``index``); False if the process is gone."""
        process = self._start()
        try:
            process.stdin.write(json.dumps(request, ensure_ascii=True) + "\n")
            process.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def receive(self) -> tuple[int, dict[str, Any]] | None:
        """The next finished learner: ``(index, result as a dict)``, in the order they finish;
        ``None`` if the process stopped (it is restarted on the next :meth:`send`)."""
        process = self.process
        try:
            line = process.stdout.readline() if process is not None else ""
        except (OSError, ValueError):
            line = ""
        if not line:
            self.stop()
            return None
        reply = json.loads(line)
        return int(reply["index"]), reply["result"]

    def close_input(self) -> None:
        """Tell the process no more learners are coming: it finishes those it holds, then exits."""
        if self.process is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass

    def stop(self, grace_s: float = 5.0) -> None:
        """Let the process finish (its stdin closed, it stops its fork server); kill it after ``grace_s``."""
        self.close_input()
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()


def stop_all(processes: Sequence[GradingProcess], grace_s: float = 5.0) -> None:
    """:meth:`GradingProcess.stop` them all, letting them end side by side rather than in turn."""
    for process in processes:
        process.close_input()
    for process in processes:
        process.stop(grace_s)
