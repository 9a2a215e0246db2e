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
killed at the deadline or dies on its own, :func:`start_training` says which,
and the grading process goes on with the next check at its own small size.

Learning curves (``--plot``) never change a score: while a :class:`TrainingRecorder` is
:func:`recording`, :func:`start_training` keeps what it was asked to train (the archive, the
data, the settings) without changing that training; after the checks, :func:`learning_curve`
has another trainer fit the same archive again, seeded, with the held-out part as validation
data, and reply with ``loss`` and ``val_loss`` per epoch.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import math
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from grader.sandbox import environment, protocol

TRAINER_MEMORY_MB = 2048  # like a worker's: the course's models train in ~700 MB
START_ALLOWANCE_S = 30.0  # fork or start, load the model, trace its graph, score: on top of the fit budget
VALIDATION_ALLOWANCE = 1.5  # a learning curve's fit also scores the held-out part after every epoch
#: The module a trainer runs (it imports Keras and :mod:`grader.checking.models`; this one imports neither).
PROCESS = "grader.checking.trainer_process"


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


class PendingTraining:
    """A trainer at work on one request (:func:`start_training`): :meth:`outcome` waits for its reply."""

    def __init__(self, exchange: _Exchange, record: TrainingRecord | None) -> None:
        self._exchange = exchange
        self._record = record
        self._outcome: TrainingOutcome | None = None

    def outcome(self) -> TrainingOutcome:
        """The trainer's reply (waited for until its deadline; the trainer is then stopped)."""
        if self._outcome is None:
            reply = self._exchange.reply()
            outcome = _outcome(reply)
            if self._record is not None:
                self._record.failure, self._record.error_type, self._record.error = (
                    outcome.failure,
                    outcome.error_type,
                    outcome.error,
                )
            self._outcome = outcome if outcome.failure else TrainingOutcome(score=float(reply["score"]))
        return self._outcome

    def cancel(self) -> None:
        """Stop the trainer without waiting for it (its outcome is never asked for)."""
        self._exchange.close()


def start_training(
    model: Any,
    data: Any,
    *,
    seed: int,
    epochs: int,
    metric: str = "accuracy",
    batch_size: int = 32,
    budget_s: float = 60.0,
    memory_mb: int = TRAINER_MEMORY_MB,
) -> PendingTraining:
    """Begin fitting ``model`` (already judged here) on ``data``'s training part in a trainer, scored held out;
    :meth:`PendingTraining.outcome` waits for it, and the caller goes on meanwhile.

    ``epochs=0`` only scores. ``metric`` is ``"accuracy"`` or ``"r2"``. The
    trainer is killed ``budget_s`` + :data:`START_ALLOWANCE_S` seconds after
    it was asked, whatever it is doing. While a :class:`TrainingRecorder` is :func:`recording`,
    a fit (``epochs > 0``) is also kept for a learning curve; the fit itself is the same.
    """
    archive = archive_bytes(model)
    recorder = _RECORDER.get()
    record = None
    if recorder is not None and epochs > 0:
        settings = {"seed": seed, "epochs": epochs, "metric": metric, "batch_size": batch_size, "budget_s": budget_s}
        record = recorder.offer(archive, data, model_name=str(getattr(model, "name", "") or ""), **settings)
        if recorder.record_only:
            raise RecordedOnly(f"recorded, not trained: {data.name}, {epochs} epochs")
    request = {
        "op": "train_and_score",
        "model": base64.b64encode(archive).decode("ascii"),
        "seed": int(seed),
        "epochs": int(epochs),
        "metric": metric,
        "batch_size": int(batch_size),
        "budget_s": float(budget_s),
        **_encoded_data(data),
    }
    exchange = _Exchange(request, deadline=time.monotonic() + budget_s + START_ALLOWANCE_S, memory_mb=memory_mb)
    return PendingTraining(exchange, record)


def _encoded_data(data: Any) -> dict:
    codec = protocol.Codec()
    return {part: codec.encode(getattr(data, part)) for part in ("x_train", "y_train", "x_test", "y_test")}


def _outcome(reply: dict | None) -> TrainingOutcome:
    """A reply's failure as a :class:`TrainingOutcome` (``failure == ""``: the reply has the values)."""
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
    return TrainingOutcome()


# ----------------------------------------------------------------------------- learning curves (--plot)


class RecordedOnly(Exception):
    """Raised by :func:`start_training` under a ``record_only`` recorder: the run was only asked what it
    would train (the reference solution's, for its learning curve), so nothing is trained or scored."""


@dataclass
class TrainingRecord:
    """One fit the grader asked a trainer for: enough to run it again with validation data."""

    archive: bytes
    data: Any  # a grader.datasets.Split (x_train, y_train, x_test, y_test, name)
    seed: int
    epochs: int
    batch_size: int = 32
    metric: str = "accuracy"
    budget_s: float = 60.0
    model_name: str = ""  # the model's own name (the learner's choice: shown escaped, never trusted)
    failure: str = ""  # how the graded fit ended: "" (scored) or TrainingOutcome.failure, with its error
    error_type: str = ""
    error: str = ""
    curve: CurveOutcome | None = None  # a fit already run (the learner's own, in the worker): drawn as it is

    @property
    def key(self) -> str:
        """Which fit this is, the same for every submission of an exercise: data, seed, epochs, batch size."""
        return f"{self.data.name}:{self.seed}:{self.epochs}:{self.batch_size}"


@dataclass
class TrainingRecorder:
    """The fits of one grading run, the first of each :attr:`TrainingRecord.key`, kept while :func:`recording`.

    ``record_only``: keep them but train nothing (:class:`RecordedOnly` ends that check instead).
    """

    record_only: bool = False
    records: list[TrainingRecord] = field(default_factory=list)
    limit: int = 4

    def offer(self, archive: bytes, data: Any, **settings: Any) -> TrainingRecord | None:
        """Keep this fit unless one with its key (or :attr:`limit` fits) is kept already."""
        record = TrainingRecord(archive=archive, data=data, **settings)
        if len(self.records) >= self.limit or any(kept.key == record.key for kept in self.records):
            return None
        self.records.append(record)
        return record

    def first(self) -> TrainingRecord | None:
        return self.records[0] if self.records else None

    def matching(self, key: str | None) -> TrainingRecord | None:
        """The fit with ``key``, else the first one (``None`` if there is none)."""
        return next((record for record in self.records if record.key == key), self.first())


_RECORDER: contextvars.ContextVar[TrainingRecorder | None] = contextvars.ContextVar("training_recorder", default=None)


@contextlib.contextmanager
def recording(recorder: TrainingRecorder | None) -> Iterator[TrainingRecorder | None]:
    """Have :func:`start_training` (and :func:`current_recorder`) see ``recorder`` for this block (``None``: off)."""
    token = _RECORDER.set(recorder)
    try:
        yield recorder
    finally:
        _RECORDER.reset(token)


def current_recorder() -> TrainingRecorder | None:
    """The recorder of the run in progress, if ``--plot`` asked for one."""
    return _RECORDER.get()


@dataclass(frozen=True)
class CurveOutcome:
    """What a learning-curve trainer reported: per-epoch ``loss`` and ``val_loss`` (``None``: not finite),
    or ``failure`` as in :class:`TrainingOutcome`."""

    loss: tuple = ()
    val_loss: tuple = ()
    failure: str = ""
    error_type: str = ""
    error: str = ""


def learning_curve(record: TrainingRecord, *, memory_mb: int = TRAINER_MEMORY_MB) -> CurveOutcome:
    """Fit ``record``'s archive again in a trainer, seeded, validating on the held-out part after every
    epoch; bounded like :func:`start_training` (memory cap, hard deadline)."""
    budget_s = record.budget_s * VALIDATION_ALLOWANCE
    request = {
        "op": "learning_curve",
        "model": base64.b64encode(record.archive).decode("ascii"),
        "seed": int(record.seed),
        "epochs": int(record.epochs),
        "batch_size": int(record.batch_size),
        "budget_s": float(budget_s),
        **_encoded_data(record.data),
    }
    reply = _exchange(request, deadline=time.monotonic() + budget_s + START_ALLOWANCE_S, memory_mb=memory_mb)
    failed = _outcome(reply)
    if failed.failure:
        return CurveOutcome(failure=failed.failure, error_type=failed.error_type, error=failed.error)
    return CurveOutcome(loss=_per_epoch(reply.get("loss")), val_loss=_per_epoch(reply.get("val_loss")))


def _per_epoch(values: Any) -> tuple:
    """A reply's list as floats, ``None`` where a value is missing or not finite."""
    if not isinstance(values, list):
        return ()
    numbers = (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in values)
    return tuple(v if v is not None and math.isfinite(v) else None for v in numbers)


def seeded_draws(seed: int, timeout_s: float = START_ALLOWANCE_S) -> dict | None:
    """The random draws (:func:`grader.sandbox.probes.random_draws_after_set_seed`) of a fresh process
    seeded by ``keras.utils.set_random_seed(seed)``: what a learner's working ``set_seed`` must give.
    ``None`` if the trainer could not tell."""
    reply = _exchange({"op": "seeded_draws", "seed": int(seed)}, deadline=time.monotonic() + timeout_s)
    draws = None if reply is None else reply.get("draws")
    return draws if isinstance(draws, dict) else None


def archive_bytes(model: Any) -> bytes:
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
    return _Exchange(request, deadline=deadline, memory_mb=memory_mb).reply()


class _Exchange:
    """One trainer, started with ``request`` sent; :meth:`reply` waits for its answer (see :func:`_exchange`).
    The trainer never outlives :meth:`reply` or :meth:`close`."""

    def __init__(self, request: dict, *, deadline: float, memory_mb: int) -> None:
        from grader.sandbox.session import new_session

        self.deadline = deadline
        # The trainer's files go in a folder of ours: a trainer killed at its deadline, or with this
        # process (SIGTERM removes every session folder), cleans nothing up itself.
        self.folder: str | None = new_session("kerasdrill-trainer-", capped=False)
        request = {**request, "folder": self.folder}
        to_trainer_r, to_trainer_w = os.pipe()
        from_trainer_r, from_trainer_w = os.pipe()
        child_fds = (to_trainer_r, from_trainer_w)
        self._fds: tuple[int, ...] = (to_trainer_w, from_trainer_r)
        self._from_trainer = from_trainer_r
        self.pid: int | None = None
        self.popen: subprocess.Popen | None = None
        try:
            self.pid, self.popen = _start(child_fds, memory_mb)
        except BaseException:
            self.close()
            raise
        finally:
            for fd in child_fds:
                os.close(fd)
        self.sent = _write_all(to_trainer_w, protocol.encode_message(request), deadline)

    def reply(self) -> dict | None:
        try:
            if not self.sent:
                return {"failure": "deadline"} if time.monotonic() >= self.deadline else None
            return _read_frame(self._from_trainer, self.deadline)
        finally:
            self.close()

    def close(self) -> None:
        fds, self._fds = self._fds, ()
        for fd in fds:
            os.close(fd)
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.pid = None
        if self.popen is not None:
            self.popen.wait()
            self.popen = None
        if self.folder is not None:
            from grader.sandbox.session import remove_tree

            remove_tree(self.folder)
            self.folder = None


def _start(fds: tuple[int, int], memory_mb: int) -> tuple[int, subprocess.Popen | None]:
    from grader.sandbox import forkserver
    from grader.sandbox.client import GRADER_ROOT, grader_python

    env = environment.base_environment()
    cwd = tempfile.gettempdir()
    pid = forkserver.spawn_worker(
        GRADER_ROOT, env, ["{0}", "{1}", str(memory_mb)], env, cwd, fds, entry=f"{PROCESS}:serve"
    )
    if pid is not None:
        return pid, None
    popen = subprocess.Popen(
        [*grader_python(f"from {PROCESS} import serve; serve(sys.argv[1:])"), *map(str, fds), str(memory_mb)],
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
