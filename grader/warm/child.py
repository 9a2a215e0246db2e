"""The child's side: grade one submission in a process forked from the warm Keras fork server.

Runs as the fork server's entry point ``grader.warm.child:serve`` with ``argv = [requests_fd,
replies_fd]``. In order:

1. fork a private copy of the server (:func:`~grader.sandbox.forkserver.start_private_server`), while
   this process still holds nothing but what the server held: its workers and trainers come from there;
2. read the request (:func:`grader.warm.session.request_for`), take on the grading process's
   environment and folder, and begin the session: the learner's worker starts importing;
3. say ``ready`` once that import is over, wait for the go, run the checks, send the result as JSON.

The grading process closing its end (it ended, however) stops this child as SIGTERM does: the
session folder is removed first.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import signal
import socket
import threading
import traceback
from dataclasses import replace
from typing import Any

from grader.warm.pipe import read_frame, send_frame

POLL_S = 0.02  # how often the go is looked at while the worker imports the submission
LAUNCH_POLL_S = 0.002  # how often a worker still being launched is looked at


def serve(argv: list[str]) -> None:
    """The child's whole life (see the module's docstring); it ends the process."""
    from grader.sandbox import forkserver

    forkserver.start_private_server(forkserver.KERAS)
    grade_request(int(argv[0]), int(argv[1]))


def serve_spare(control: socket.socket) -> None:
    """A child the warm grading server (:mod:`grader.warm.server`) forks ahead of time: its private
    server forked, then the grading side imported (pytest, the engine), it waits for a ``grade``'s two
    pipes; so a warm ``grade`` starts grading at once. Its plain-data workers are forked too."""
    from grader.sandbox import forkserver, isolation

    forkserver.start_private_server(forkserver.KERAS, forkserver.NUMPY)
    isolation.die_with_parent()  # the server ended (idle) before handing this spare a request
    import pytest  # noqa: F401

    import grader.checking.fixtures  # noqa: F401 - what every grading imports, imported while nobody waits
    import grader.engine  # noqa: F401

    _, fds, _, _ = socket.recv_fds(control, 16, 2)
    control.close()
    if len(fds) != 2:
        return
    isolation.outlive_parent()  # graded from now on whatever becomes of the server: the pipes say when to stop
    grade_request(fds[0], fds[1], warm_numpy=True)


def grade_request(requests: int, replies: int, *, warm_numpy: bool = False) -> None:
    """Read one request from ``requests``, grade it, and answer on ``replies``."""
    try:
        data = read_frame(requests)
        if data is None:
            return
        request = pickle.loads(data)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        if warm_numpy:  # the spare's private server stands for numpy too: plain-data workers start forked
            request["options"] = replace(request["options"], warm_numpy=True)
        _grade(request, requests, replies)
    except Exception:  # noqa: BLE001 - a fault of ours, reported as the result's error
        try:
            send_frame(replies, json.dumps({"error": traceback.format_exc()[-4000:]}).encode())
        except OSError:
            pass


def _grade(request: dict, requests: int, replies: int) -> None:
    from grader import engine, registry
    from grader.checking.trainer import TRAINER_MEMORY_MB
    from grader.sandbox.limits import cap_memory
    from grader.sandbox.session import remove_on_termination

    # A learner's model is loaded here (safe mode, after the archive budget): under the trainer's memory cap,
    # never in the grading process that started this child. Set after the private server was forked.
    cap_memory(TRAINER_MEMORY_MB)
    remove_on_termination()  # SIGTERM (the grading process stopping this child) removes the session folder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grading process's to handle
    go = threading.Event()
    threading.Thread(target=_listen, args=(requests, go), daemon=True, name="kerasdrill-go").start()

    extra = request["extra_roots"]
    if extra:
        registry.use_extra_checks([root.path for root in extra], extra[0].visibility)
    session = engine.ExerciseSession(request["exercise"], request["submission"], request["options"])
    try:
        _wait_until_imported(session, go)
        send_frame(replies, json.dumps({"ready": True}).encode())
        go.wait()
        result = session.grade()
    finally:
        session.close()
    send_frame(replies, json.dumps({"result": result.to_dict()}, default=str).encode())


def _wait_until_imported(session: Any, go: threading.Event) -> None:
    """Until the learner's worker has imported the submission (or the grading process says go): woken by
    the import's reply itself, so a warm grade loses no poll interval between the import and its checks."""
    while not session.ready() and not go.is_set():
        fd = session.load_fd()
        if fd is None:  # the worker's launch is still under way
            go.wait(LAUNCH_POLL_S)
        else:
            select.select([fd], [], [], POLL_S)  # the go arrives on another thread: looked at every POLL_S


def _listen(requests: int, go: threading.Event) -> None:
    """The go, and then the end of the pipe: the grading process gone, this child stops as if by SIGTERM."""
    try:
        while True:
            byte = os.read(requests, 1)
            if not byte:
                break
            go.set()
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)
