"""Learner models trained and scored in a process of their own, under a memory cap and a hard deadline.

The same process computes other reference values that need TensorFlow (:func:`seeded_draws`),
so a grading process whose checks only read plain data never imports it.

The grading process judges a learner's model from its archive and its loaded
layers; the heavy part, fitting it and scoring it on held-out data, runs in a
*trainer*: a process forked from the warm fork server (so it pays no
TensorFlow import) or, where there is none, started fresh. A trainer runs no
learner code: it loads, in safe mode, the model the grading process itself
saved from the copy it judged, trains it seeded, and replies with numbers only.

Whatever the model does to the trainer (needs more than :data:`TRAINER_MEMORY_MB`,
runs one endless batch, crashes TensorFlow) costs its own check: the trainer is
killed at the deadline or dies on its own, :func:`train_and_score` says which,
and the grading process goes on with the next check at its own small size.
"""

from __future__ import annotations

import base64
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from typing import Any

from grader.sandbox import environment, protocol

TRAINER_MEMORY_MB = 2048  # like a worker's: the course's models train in ~700 MB
START_ALLOWANCE_S = 30.0  # fork or start, load the model, trace its graph, score: on top of the fit budget


@dataclass(frozen=True)
class TrainingOutcome:
    """What a trainer reported: a ``score``, or why there is none.

    ``failure`` is ``""`` (scored), ``"too_slow"`` (the fit ran past its budget
    or the trainer past its deadline), ``"out_of_memory"`` (an allocation was
    refused), ``"crashed"`` (the trainer died without a reply: typically
    TensorFlow aborting at the memory cap) or ``"error"`` (training raised
    ``error_type``: ``error``, e.g. a loss that does not fit the labels).
    """

    score: float | None = None
    failure: str = ""
    error_type: str = ""
    error: str = ""


def train_and_score(
    model: Any,
    data: Any,
    *,
    seed: int,
    epochs: int,
    metric: str = "accuracy",
    batch_size: int = 32,
    budget_s: float = 60.0,
    memory_mb: int = TRAINER_MEMORY_MB,
) -> TrainingOutcome:
    """Fit ``model`` (already judged here) on ``data``'s training part in a trainer and score it held out.

    ``epochs=0`` only scores. ``metric`` is ``"accuracy"`` or ``"r2"``. The
    trainer is killed ``budget_s`` + :data:`START_ALLOWANCE_S` seconds after
    it was asked, whatever it is doing.
    """
    request = {
        "op": "train_and_score",
        "model": base64.b64encode(_archive_bytes(model)).decode("ascii"),
        "seed": int(seed),
        "epochs": int(epochs),
        "metric": metric,
        "batch_size": int(batch_size),
        "budget_s": float(budget_s),
    }
    codec = protocol.Codec()
    for part in ("x_train", "y_train", "x_test", "y_test"):
        request[part] = codec.encode(getattr(data, part))
    reply = _exchange(request, deadline=time.monotonic() + budget_s + START_ALLOWANCE_S, memory_mb=memory_mb)
    if reply is None:
        return TrainingOutcome(failure="crashed")
    if reply.get("failure") == "deadline":
        return TrainingOutcome(failure="too_slow")
    if reply.get("failure"):
        return TrainingOutcome(
            failure=str(reply["failure"]),
            error_type=str(reply.get("error_type", "")),
            error=str(reply.get("error", "")),
        )
    return TrainingOutcome(score=float(reply["score"]))


def seeded_draws(seed: int, timeout_s: float = START_ALLOWANCE_S) -> dict | None:
    """The random draws (:func:`grader.sandbox.probes.random_draws_after_set_seed`) of a fresh process
    seeded by ``keras.utils.set_random_seed(seed)``: what a learner's working ``set_seed`` must give.
    ``None`` if the trainer could not tell."""
    reply = _exchange({"op": "seeded_draws", "seed": int(seed)}, deadline=time.monotonic() + timeout_s)
    draws = None if reply is None else reply.get("draws")
    return draws if isinstance(draws, dict) else None


def _archive_bytes(model: Any) -> bytes:
    """The model as the grading process holds it, saved again (never the learner's own file)."""
    folder = tempfile.mkdtemp(prefix="kerasdrill-trainer-")
    try:
        path = os.path.join(folder, "model.keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.save(path)
        with open(path, "rb") as handle:
            return handle.read()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ----------------------------------------------------------------------------- the grading side of the pipe


def _exchange(request: dict, *, deadline: float, memory_mb: int = TRAINER_MEMORY_MB) -> dict | None:
    """Start a trainer, send ``request``, and return its reply; ``{"failure": "deadline"}`` when it is
    past ``deadline``; ``None`` when it died without one. The trainer never outlives this call."""
    to_trainer_r, to_trainer_w = os.pipe()
    from_trainer_r, from_trainer_w = os.pipe()
    child_fds = (to_trainer_r, from_trainer_w)
    pid, popen = _start(child_fds, memory_mb)
    try:
        for fd in child_fds:
            os.close(fd)
        frame = protocol.encode_message(request)
        if not _write_all(to_trainer_w, frame, deadline):
            return {"failure": "deadline"} if time.monotonic() >= deadline else None
        return _read_frame(from_trainer_r, deadline)
    finally:
        for fd in (to_trainer_w, from_trainer_r):
            os.close(fd)
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if popen is not None:
            popen.wait()


def _start(fds: tuple[int, int], memory_mb: int) -> tuple[int, subprocess.Popen | None]:
    from grader.sandbox import forkserver
    from grader.sandbox.client import GRADER_ROOT, grader_python

    env = environment.base_environment()
    cwd = tempfile.gettempdir()
    pid = forkserver.spawn_worker(
        GRADER_ROOT, env, ["{0}", "{1}", str(memory_mb)], env, cwd, fds, entry=f"{__name__}:serve"
    )
    if pid is not None:
        return pid, None
    popen = subprocess.Popen(
        [*grader_python(f"from {__name__} import serve; serve(sys.argv[1:])"), *map(str, fds), str(memory_mb)],
        pass_fds=fds,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    return popen.pid, popen


def _write_all(fd: int, data: bytes, deadline: float) -> bool:
    os.set_blocking(fd, False)
    view = memoryview(data)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        _, writable, _ = select.select([], [fd], [], remaining)
        if not writable:
            continue
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            continue
        except (BrokenPipeError, OSError):
            return False
    return True


def _read_frame(fd: int, deadline: float) -> dict | None:
    buffer = bytearray()
    while True:
        if len(buffer) >= protocol.HEADER_SIZE:
            end = protocol.HEADER_SIZE + protocol.frame_length(bytes(buffer[: protocol.HEADER_SIZE]))
            if len(buffer) >= end:
                return protocol.decode_frame(b"", bytes(buffer[protocol.HEADER_SIZE : end]))
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {"failure": "deadline"}
        readable, _, _ = select.select([fd], [], [], remaining)
        if readable:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            buffer.extend(chunk)


# ----------------------------------------------------------------------------- the trainer process


def serve(argv: list[str]) -> None:
    """Run in the trainer: ``argv`` is ``[request_fd, reply_fd, memory_mb]``. Answers one request
    (its ``"op"`` names one of :data:`OPS`), then exits."""
    from grader.sandbox import isolation
    from grader.sandbox.limits import cap_memory

    try:
        isolation.die_with_parent()  # the fork server, or the grading process that started it
        cap_memory(int(argv[2]))
        with os.fdopen(int(argv[0]), "rb") as requests:
            request = protocol.read_message(requests)
        reply = OPS[request["op"]](request)
        with os.fdopen(int(argv[1]), "wb") as replies:
            protocol.write_message(replies, reply)
    finally:
        os._exit(0)  # no TensorFlow teardown: the reply is all that matters


def _train(request: dict) -> dict:
    from grader.checking import models

    codec = protocol.Codec()
    data = {part: codec.decode(request[part]) for part in ("x_train", "y_train", "x_test", "y_test")}
    folder = tempfile.mkdtemp(prefix="kerasdrill-trainer-")
    try:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as handle:
            handle.write(base64.b64decode(request["model"]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keras

            # A Dropout (any seeded random layer) draws its seed generator's state from Python's random
            # module while it is loaded: seeded first, or it would be the fork server's, new every run.
            models.deterministic(request["seed"])
            model = keras.saving.load_model(path, safe_mode=True)
        if request["epochs"] > 0:
            models.train(
                model,
                data["x_train"],
                data["y_train"],
                seed=request["seed"],
                epochs=request["epochs"],
                batch_size=request["batch_size"],
                budget_s=request["budget_s"],
            )
        if request["metric"] == "r2":
            score = models.r2_score(data["y_test"], models.predict(model, data["x_test"]))
        else:
            score = models.accuracy(model, data["x_test"], data["y_test"])
        return {"score": score}
    except models.TrainingTooSlow:
        return {"failure": "too_slow"}
    except MemoryError:
        return {"failure": "out_of_memory"}
    except Exception as exc:  # the model cannot be trained as built and compiled
        if type(exc).__name__ == "ResourceExhaustedError":  # TensorFlow's out-of-memory
            return {"failure": "out_of_memory"}
        return {"failure": "error", "error_type": type(exc).__name__, "error": models._error_text(exc)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _seeded_draws(request: dict) -> dict:
    from types import SimpleNamespace

    import keras

    from grader.sandbox.probes import random_draws_after_set_seed

    return {
        "draws": random_draws_after_set_seed(SimpleNamespace(set_seed=keras.utils.set_random_seed), request["seed"])
    }


#: What a trainer can be asked: op -> handler(request) -> reply.
OPS = {"train_and_score": _train, "seeded_draws": _seeded_draws}
