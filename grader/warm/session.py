"""The grading process's side: one submission graded in a child of the warm Keras fork server.

:class:`ForkedSession` looks like :class:`grader.engine.ExerciseSession` to whoever holds it
(``ready``, ``load_fd``, ``grade``, ``close``): it is begun at once (the child forks, reads its
request and starts the learner's worker), reports when the worker's import is over, grades when
asked, and hands back an :class:`~grader.results.ExerciseResult`. If the server cannot fork the
child, ``grade`` grades in this process instead (``fallback``), as before there was a server.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from grader.results import ExerciseResult
from grader.sandbox import environment, forkserver
from grader.sandbox.client import GRADER_ROOT
from grader.warm.pipe import read_frame, send_frame

CHILD_ENTRY = "grader.warm.child:serve"
GO = b"G"  # the one byte that lets a child run its checks
STOP_GRACE_S = 5.0  # a child told to stop (SIGTERM) removes its session folder first; then it is killed


class NoChild(Exception):
    """The fork server could not fork a grading child."""


def request_for(exercise: Any, submission: Any, options: Any, extra_roots: tuple) -> bytes:
    """What a child needs to grade as this process would: the exercise, the submission (with its one
    read, if done), the options, the instructor roots, and this process's environment and folder.
    Pickled: both ends are the grader's own processes, and the child unpickles before any learner code runs."""
    return pickle.dumps(
        {
            "exercise": exercise,
            "submission": submission,
            "options": options,
            "extra_roots": extra_roots,
            "env": dict(os.environ),
            "cwd": os.getcwd(),
        },
        protocol=pickle.HIGHEST_PROTOCOL,
    )


class ForkedSession:
    """A submission being graded in a forked child (see the module's docstring)."""

    dir = None  # the session folder is the child's, and the child removes it

    def __init__(self, exercise: Any, request: bytes, fallback: Callable[[], Any]) -> None:
        self.exercise = exercise
        self._fallback = fallback
        self._pid: int | None = None
        self._ready = False
        self._finished = False
        to_child_r, self._requests = os.pipe()
        self._replies, from_child_w = os.pipe()
        child_fds = (to_child_r, from_child_w)

        def launch() -> int:
            try:
                env = environment.base_environment()
                pid = forkserver.spawn_worker(GRADER_ROOT, env, ["{0}", "{1}"], env, os.sep, child_fds, CHILD_ENTRY)
            finally:
                for fd in child_fds:
                    os.close(fd)
            if pid is None:
                raise NoChild
            self._pid = pid
            send_frame(self._requests, request)
            return pid

        # the server may still be importing Keras: whoever began this session does not wait for it here
        self._launched: Future = forkserver.run_in_background(launch)

    def _launch_failed(self) -> bool:
        return self._launched.done() and self._launched.exception() is not None

    def ready(self) -> bool:
        """Whether :meth:`grade` would start at once: the child's worker has imported the submission."""
        if self._ready or self._launch_failed():
            return True
        if not self._launched.done() or not select.select([self._replies], [], [], 0)[0]:
            return False
        self._read_ready()
        return True

    def _read_ready(self) -> None:
        frame = read_frame(self._replies)
        self._ready = True
        if frame is None:
            self._finished = True  # the child ended: grade() says so

    def load_fd(self) -> int | None:
        """What to ``select`` on to wait until :meth:`ready` may have changed."""
        return None if self._ready or not self._launched.done() else self._replies

    def grade(self) -> ExerciseResult:
        """Let the child run its checks; its result (or, if no child could be forked, this process's)."""
        try:
            self._launched.result()
        except NoChild:
            self.close()
            return self._fallback()
        try:
            if not self._ready:
                self._read_ready()
            frame = None
            if not self._finished:
                os.write(self._requests, GO)
                frame = read_frame(self._replies)
            self._finished = True
        except OSError:
            frame = None
        finally:
            self.close()
        reply = json.loads(frame) if frame else {}
        if isinstance(reply.get("result"), dict):
            return ExerciseResult.from_dict(reply["result"])
        result = ExerciseResult.from_dict({"exercise": self.exercise.id, "slug": self.exercise.slug, "checks": []})
        result.error = str(reply.get("error") or "the grading process forked for this exercise ended without a result")
        return result

    def close(self) -> None:
        """Stop the child (it removes its session folder first) unless it has finished, in which case it
        is given :data:`STOP_GRACE_S` to end by itself; let the pipes go. No process of it outlives this."""
        pid, self._pid = self._pid, None
        if pid is not None and not (self._finished and _ended(pid, STOP_GRACE_S)):
            _stop(pid)
        for fd in (self._requests, self._replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self._requests = self._replies = -1


def _ended(pid: int, wait_s: float) -> bool:
    """Whether process ``pid`` ends within ``wait_s`` (a finished child exits right after its reply)."""
    deadline = time.monotonic() + wait_s
    while forkserver.is_running(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.002)
    return True


def _stop(pid: int) -> None:
    """SIGTERM the child's group, wait up to :data:`STOP_GRACE_S` for it to go, then SIGKILL it.
    (It is the server's child, not this process's: it is reaped there.)"""
    for number, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pid, number)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not forkserver.is_running(pid):
                return
            time.sleep(0.02)
