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
import signal
import threading
import traceback

from grader.warm.pipe import read_frame, send_frame

POLL_S = 0.02  # how often the worker's import is looked at before it is reported over


def serve(argv: list[str]) -> None:
    """The child's whole life (see the module's docstring); it ends the process."""
    from grader.sandbox import forkserver

    requests, replies = int(argv[0]), int(argv[1])
    forkserver.start_private_server(forkserver.KERAS)
    try:
        data = read_frame(requests)
        if data is None:
            return
        request = pickle.loads(data)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        _grade(request, requests, replies)
    except Exception:  # noqa: BLE001 - a fault of ours, reported as the result's error
        try:
            send_frame(replies, json.dumps({"error": traceback.format_exc()[-4000:]}).encode())
        except OSError:
            pass


def _grade(request: dict, requests: int, replies: int) -> None:
    from grader import engine, registry
    from grader.sandbox.session import remove_on_termination

    remove_on_termination()  # SIGTERM (the grading process stopping this child) removes the session folder
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grading process's to handle
    go = threading.Event()
    threading.Thread(target=_listen, args=(requests, go), daemon=True, name="kerasdrill-go").start()

    extra = request["extra_roots"]
    if extra:
        registry.use_extra_checks([root.path for root in extra], extra[0].visibility)
    session = engine.ExerciseSession(request["exercise"], request["submission"], request["options"])
    try:
        while not session.ready() and not go.wait(POLL_S):
            pass
        send_frame(replies, json.dumps({"ready": True}).encode())
        go.wait()
        result = session.grade()
    finally:
        session.close()
    send_frame(replies, json.dumps({"result": result.to_dict()}, default=str).encode())


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
