"""The checker's side of the worker: start it, call learner functions, survive it.

:class:`WorkerClient` owns one worker process. Every call has a deadline; when
it passes, the whole process group is killed and the next call starts a fresh
worker (which imports the submission again). A crash, ``sys.exit`` or
``os._exit`` in learner code ends only the call that caused it.

:class:`Learner` is what checks see: ``learner.dense_params(784, 100)`` sends
the arguments, waits, and returns the decoded value or raises a
:class:`LearnerProblem` that the pytest plugin turns into a check outcome.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.outcomes import (
    PROBLEM_BY_KIND,
    LearnerCrashed,
    LearnerProblem,
    LearnerTimeout,
    SubmissionBroken,
    problem_ref,
)
from grader.sandbox import environment, figures, isolation, protocol
from grader.sandbox.capture import OUTPUT_FILE, open_capture, read_output
from grader.sandbox.fair_time import FairDeadline, cpu_wait_s, worker_pid
from grader.sandbox.keras_codec import install as install_keras_codec
from grader.sandbox.limits import WorkerLimits, memory_cgroup_exhausted, remove_cgroups
from grader.sandbox.protocol import Codec, ProtocolError
from grader.sandbox.session import SpaceWatch

GRADER_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the grader package
SPACE_LOOK_S = 0.25  # how often a waiting grader looks at the session folder's size (ordinary users)


def grader_python(code: str) -> list[str]:
    """The command line of a fresh Python that imports this grader and runs ``code``: no user site,
    and nothing from its working folder (``-c`` would put it first on ``sys.path``: a ``json.py``
    beside a class would be imported instead of the standard library's)."""
    isolate = f"import sys; sys.path[:] = [p for p in sys.path if p]; sys.path.insert(0, {GRADER_ROOT!r})"
    return [sys.executable, "-s", "-c", f"{isolate}; {code}"]


# ----------------------------------------------------------------------------- client


@dataclass
class _Process:
    launched: Future  # -> (Popen, pid), or (None, pid) when the fork server forked it (not our child)
    requests: int  # fd we write to
    replies: int  # fd we read from
    buffer: bytearray

    @property
    def popen(self) -> subprocess.Popen | None:
        return self.launched.result()[0]

    @property
    def pid(self) -> int:
        return self.launched.result()[1]


def _inside_session(path: str, session_dir: str) -> str:
    """``path``, or its copy in ``session_dir``: the worker's view may show nothing outside it."""
    if os.path.dirname(os.path.realpath(path)) == os.path.realpath(session_dir):
        return path
    import shutil

    target = os.path.join(session_dir, os.path.basename(path))
    shutil.copyfile(path, target)
    return target


def forkserver_modules(keras: bool, numpy: bool) -> tuple[str, ...] | None:
    """What the fork server a worker comes from has imported (``None``: start the worker afresh)."""
    if not (keras or numpy):
        return None  # a single plain-data grade starts its one worker afresh: no server, nor its module
    from grader.sandbox import forkserver

    return forkserver.KERAS if keras else forkserver.NUMPY if numpy else None


def _done(value: Any) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


class WorkerClient:
    """One worker process running one submission file, restarted on demand."""

    def __init__(
        self,
        submission_path: str | os.PathLike,
        session_dir: str | os.PathLike,
        *,
        module_name: str = "submission",
        limits: WorkerLimits | None = None,
        load_timeout: float = 30.0,
        warm_tensorflow: bool = False,
        warm_numpy: bool = False,
        hidden: list[str] | tuple[str, ...] = (),
        unprivileged: bool = False,
        units: list[tuple[int, int]] | None = None,
    ) -> None:
        self.units = units  # a notebook's cells as line ranges, run one by one (None: import the file whole)
        self.session_dir = os.path.abspath(session_dir)
        os.makedirs(self.session_dir, exist_ok=True)
        self.submission_path = _inside_session(os.path.abspath(submission_path), self.session_dir)
        self.module_name = module_name
        self.limits = limits or WorkerLimits()
        self.load_timeout = load_timeout
        # fork from a process that already imported Keras (or numpy alone: worth it when one
        # grading process starts many workers, as in a batch)
        self.warm: tuple[str, ...] | None = forkserver_modules(warm_tensorflow, warm_numpy)
        self.hidden = [os.path.abspath(p) for p in hidden]  # folders the worker's view leaves empty (as root)
        # only the layers an ordinary user gets, even as root (also set by the grading process's environment)
        self.unprivileged = unprivileged or os.environ.get(environment.UNPRIVILEGED_VARIABLE) == "1"
        os.makedirs(os.path.join(self.session_dir, "exchange"), exist_ok=True)
        for private in ("home", "tmp"):  # the worker's HOME and TMPDIR: deleted with the session
            os.makedirs(os.path.join(self.session_dir, private), exist_ok=True)
        self._output_fd = open_capture(self.session_dir)  # read through this descriptor, never by path
        self.codec = Codec(os.path.join(self.session_dir, "exchange"))
        install_keras_codec(self.codec)
        figures.install(self.codec)
        self._process: _Process | None = None
        self._next_id = 0
        self._load_reply: dict | None = None
        self._worker_pid: int | None = None
        self._load_deadline = FairDeadline(self.load_timeout, lambda: None)
        self._broken: SubmissionBroken | None = None
        self._space = SpaceWatch(self.session_dir)  # the session's size, where no tmpfs caps it
        self.restarts = 0
        self.timed_out_functions: dict[str, LearnerTimeout] = {}  # shared by every Learner of this submission
        self.once_results: dict[str, tuple[bool, Any]] = {}  # Learner.once: one expensive call, several checks

    def alike(self, submission_path: str | os.PathLike, session_dir: str | os.PathLike) -> WorkerClient:
        """A client for another module, with this one's limits, view and fork server (a worker of its own)."""
        client = WorkerClient(
            submission_path,
            session_dir,
            module_name=self.module_name,
            limits=self.limits,
            load_timeout=self.load_timeout,
            hidden=self.hidden,
            unprivileged=self.unprivileged,
        )
        client.warm = self.warm
        return client

    @property
    def cgroup_name(self) -> str:
        return "kerasdrill-" + os.path.basename(self.session_dir.rstrip(os.sep))

    def sandbox_layers(self) -> dict[str, bool]:
        """The sandbox layers the worker reported as in place (``{}`` before it loaded).

        As told by the worker before any learner code ran; for the report, never for the verdict.
        """
        layers = (self._load_reply or {}).get("sandbox", {})
        told = {str(k): v is True for k, v in layers.items()} if isinstance(layers, dict) else {}
        if told:  # the grading side's own layer: the session folder's size
            told["session size cap"] = self._space.enforced
            if not self._space.enforced:
                told["session size watched"] = True
        return told

    def cell_errors(self) -> list[dict]:
        """The notebook cells that stopped while the submission was imported (see ``units``), as the
        worker told them: ``{"line", "type", "message", "traceback"}``, checked and made plain (the
        reply is learner-controlled data). Empty before the import's reply, or for a ``.py``."""
        reply = self._load_reply if isinstance(self._load_reply, dict) else {}
        found = reply.get("cell_errors")
        errors: list[dict] = []
        for error in found[:50] if isinstance(found, list) else []:
            if not isinstance(error, dict) or not isinstance(error.get("line"), int):
                continue
            plain = _error_of({"error": error})
            errors.append(
                {
                    "line": error["line"],
                    "type": str(plain.get("type", ""))[:100],
                    "message": str(plain.get("message", ""))[:500],
                    "traceback": str(plain.get("traceback", ""))[:4000],
                }
            )
        return errors

    def captured_output(self) -> tuple[str, int]:
        """What the learner's code printed (see :func:`~grader.sandbox.capture.read_output`); then lets the file go."""
        if self._output_fd < 0:
            return "", 0
        try:
            return read_output(self._output_fd)
        finally:
            os.close(self._output_fd)
            self._output_fd = -1

    # --------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Spawn the worker and ask it to import the submission; does not wait."""
        if self._process is not None:
            return
        isolation.make_untraceable()  # learner code must not read the expected values out of this process
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        base_env = environment.base_environment()
        limits_env = dict(self.limits.to_env(), KERASDRILL_CGROUP=self.cgroup_name)
        limits_env[environment.HIDE_VARIABLE] = os.pathsep.join(self.hidden)
        if self.unprivileged:
            limits_env[environment.UNPRIVILEGED_VARIABLE] = "1"
        env = environment.worker_environment(base_env, self.session_dir, limits_env)
        child_fds = (to_worker_r, from_worker_w)
        argv = [str(to_worker_r), str(from_worker_w), self.session_dir]

        def launch() -> tuple[subprocess.Popen | None, int]:
            try:
                if self.warm is not None:
                    from grader.sandbox import forkserver

                    pid = forkserver.spawn_worker(
                        GRADER_ROOT,
                        base_env,
                        ["{0}", "{1}", self.session_dir],
                        env,
                        self.session_dir,
                        child_fds,
                        warm=self.warm,
                    )
                    if pid is not None:
                        return None, pid
                popen = subprocess.Popen(
                    [*grader_python("from grader.sandbox.launcher import launch; launch()"), *argv],
                    pass_fds=child_fds,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    cwd=self.session_dir,
                    env=env,
                    start_new_session=True,
                )
                return popen, popen.pid
            finally:
                for fd in child_fds:
                    os.close(fd)

        if self.warm is not None:  # the fork server may still be importing Keras: do not wait for it here
            from grader.sandbox import forkserver

            launched = forkserver.run_in_background(launch)
        else:
            launched = _done(launch())
        os.set_blocking(to_worker_w, False)
        self._process = _Process(launched, to_worker_w, from_worker_r, bytearray())
        self._load_reply = None
        self._worker_pid = None
        self._load_deadline = FairDeadline(self.load_timeout, self._worker)  # from now: the import's limit
        load = {"op": "load", "path": self.submission_path, "module": self.module_name}
        if self.units is not None:
            load["units"] = [list(unit) for unit in self.units]
        self._send(load, FairDeadline(5, lambda: None, start=self._load_deadline.start))

    def stop(self) -> None:
        """Kill the worker and everything it started."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if process.popen is not None:
            try:
                process.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - unkillable
                pass
        else:
            _wait_until_gone(process.pid)
        for fd in (process.requests, process.replies):
            try:
                os.close(fd)
            except OSError:
                pass
        remove_cgroups(self.cgroup_name)

    close = stop

    def __enter__(self) -> WorkerClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _worker(self) -> int | None:
        """The worker's pid (under its launcher), once it is known; for :class:`FairDeadline`."""
        if self._worker_pid is None and self._process is not None and self._process.launched.done():
            self._worker_pid = worker_pid(self._process.pid)
        return self._worker_pid

    def load_finished(self) -> bool:
        """Whether the submission's import is over (a reply waits, the worker died, or its time is up),
        so :meth:`ensure_loaded` would not wait; never waits itself. False before :meth:`start`."""
        process = self._process
        if self._broken is not None or self._load_reply is not None:
            return True
        if process is None:
            return False
        if process.buffer or self._load_deadline.remaining() <= 0:
            return True
        if not process.launched.done():
            return False
        readable, _, _ = select.select([process.replies], [], [], 0)
        return bool(readable)

    def load_fd(self) -> int | None:
        """The descriptor the import's reply arrives on, to wait for several workers at once
        (``None``: not started, or its launch is still under way)."""
        process = self._process
        return process.replies if process is not None and process.launched.done() else None

    # --------------------------------------------------------------- calls
    def ensure_loaded(self) -> dict:
        """Start the worker if needed and wait for the submission import to finish."""
        if self._broken is not None:
            raise self._broken
        self.start()
        if self._load_reply is None:
            try:
                self._load_reply = self._receive(self._load_deadline)
                done_at = self._load_reply.get("done_at")
                if isinstance(done_at, float) and done_at > self._load_deadline.end:
                    raise LearnerTimeout(seconds=None)  # over, but only after its time: as if read then
            except LearnerTimeout:
                self.stop()
                self._broken = SubmissionBroken(
                    error_type="timeout",
                    error=f"importing the file took longer than {self.load_timeout:g} s",
                    traceback="",
                    timeout=True,
                )
                raise self._broken from None
            except LearnerCrashed as crash:
                self.stop()
                self._broken = SubmissionBroken(
                    error_type="crash", error=crash.params.get("detail", problem_ref("crash.stopped")), traceback=""
                )
                raise self._broken from None
            if not self._load_reply.get("ok"):
                error = _error_of(self._load_reply)
                self.stop()
                self._broken = SubmissionBroken(
                    error_type=str(error.get("type", "Error")),
                    error=str(error.get("message", ""))[:2000],
                    traceback=str(error.get("traceback", "")),
                )
                raise self._broken
        return self._load_reply

    def call(
        self,
        func: str,
        args: tuple = (),
        kwargs: dict | None = None,
        *,
        timeout: float = 10.0,
        seed: int | None = None,
        echo_args: bool = False,
    ) -> dict:
        """Call ``func(*args, **kwargs)`` in the worker; return the raw reply.

        Raises :class:`LearnerTimeout` (worker killed) or :class:`LearnerCrashed`
        (worker died); the next call restarts the worker.
        """
        return self._request(
            {
                "op": "call",
                "func": func,
                "args": self.codec.encode(list(args)),
                "kwargs": self.codec.encode(dict(kwargs or {})),
                "seed": seed,
                "echo_args": echo_args,
            },
            timeout,
        )

    def probe(self, name: str, args: tuple = (), *, timeout: float = 10.0) -> dict:
        """Run the grader-owned probe ``grader.sandbox.probes.<name>(module, *args)`` in the worker."""
        return self._request({"op": "probe", "name": name, "args": self.codec.encode(list(args))}, timeout)

    def _request(self, request: dict, timeout: float) -> dict:
        """Send one request and wait for its reply; a timeout or crash stops the worker."""
        self.ensure_loaded()
        self._next_id += 1
        request["id"] = self._next_id
        deadline = FairDeadline(timeout, self._worker, waited=cpu_wait_s(self._worker()))
        try:
            self._send(request, deadline)
            reply = self._receive(deadline)
        except (LearnerTimeout, LearnerCrashed):
            self.stop()
            self.restarts += 1
            raise
        if reply.get("id") != self._next_id:
            self.stop()
            raise LearnerCrashed(detail=problem_ref("crash.out_of_turn"))
        return reply

    def decode(self, tree: Any) -> Any:
        return self.codec.decode(tree)

    # --------------------------------------------------------------- wire
    def _send(self, message: dict, deadline: FairDeadline) -> None:
        assert self._process is not None
        data = memoryview(_frame(message))
        fd = self._process.requests
        while data:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise LearnerTimeout(seconds=None)
            _, writable, _ = select.select([], [fd], [], remaining)
            if not writable:
                continue
            try:
                written = os.write(fd, data)
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise LearnerCrashed(detail=self._exit_detail()) from None
            data = data[written:]

    def _receive(self, deadline: FairDeadline) -> dict:
        assert self._process is not None
        process = self._process
        buffer = process.buffer
        last_look = False
        while True:
            if len(buffer) >= protocol.HEADER_SIZE:
                try:
                    length = protocol.frame_length(bytes(buffer[: protocol.HEADER_SIZE]))
                except ProtocolError as exc:  # e.g. learner code wrote a forged header to the reply pipe
                    raise LearnerCrashed(detail=problem_ref("crash.garbled", error=str(exc))) from None
                end = protocol.HEADER_SIZE + length
                if len(buffer) >= end:
                    body = bytes(buffer[protocol.HEADER_SIZE : end])
                    del buffer[:end]
                    if self._space.exceeded():  # past the cap before the watch looked: no answer counts
                        self._reclaim_space()
                        raise LearnerCrashed(detail=problem_ref("crash.disk", mb=self._space.cap // (1024 * 1024)))
                    try:
                        return protocol.decode_frame(b"", body)
                    except ProtocolError as exc:
                        raise LearnerCrashed(detail=problem_ref("crash.garbled", error=str(exc))) from None
            remaining = deadline.remaining()
            if remaining <= 0:
                if last_look:
                    raise LearnerTimeout(seconds=None)
                # One look at what is already there: a reply that came in time but was not read then
                # (a batch begins learners ahead and grades them later). Once only, so a worker that
                # keeps writing cannot hold us past the limit.
                last_look, remaining = True, 0.0
            readable, _, _ = select.select([process.replies], [], [], min(remaining, SPACE_LOOK_S))
            if not readable:
                if self._space.exceeded():
                    self._reclaim_space()
                    raise LearnerCrashed(detail=problem_ref("crash.disk", mb=self._space.cap // (1024 * 1024)))
                continue
            chunk = os.read(process.replies, 1 << 20)
            if not chunk:
                raise LearnerCrashed(detail=self._exit_detail())
            buffer.extend(chunk)

    def _reclaim_space(self) -> None:
        """Stop the worker and empty what it could write, so the next check starts within the cap."""
        from grader.sandbox.session import remove_tree

        self.stop()
        kept = {OUTPUT_FILE, os.path.basename(self.submission_path)}
        for entry in os.listdir(self.session_dir):
            if entry not in kept:
                remove_tree(os.path.join(self.session_dir, entry))
        for private in ("exchange", "home", "tmp"):
            os.makedirs(os.path.join(self.session_dir, private), exist_ok=True)
        self._space = SpaceWatch(self.session_dir)

    def _exit_detail(self) -> dict:
        """How the worker ended, as a catalogue message (rendered in the reader's language)."""
        process = self._process
        if process is None:
            return problem_ref("crash.stopped")
        if process.popen is None:
            _wait_until_gone(process.pid, 2.0)
            if memory_cgroup_exhausted(self.cgroup_name):
                return problem_ref("crash.memory", mb=self.limits.memory_mb)
            return problem_ref("crash.ended")
        try:
            code = process.popen.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return problem_ref("crash.closed")
        if memory_cgroup_exhausted(self.cgroup_name):
            return problem_ref("crash.memory", mb=self.limits.memory_mb)
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return problem_ref("crash.signal", signal=name)
        return problem_ref("crash.exit_code", code=code)


def _wait_until_gone(pid: int, seconds: float = 5.0) -> None:
    """Wait for a process that is not our child (the fork server's) to disappear."""
    try:
        handle = os.pidfd_open(pid)  # readable once the process has ended: no polling
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # not Linux 5.3+: poll its state instead
        handle = None
    if handle is not None:
        try:
            select.select([handle], [], [], seconds)
        finally:
            os.close(handle)
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().split(") ", 1)[-1].startswith("Z"):
                    return
        except OSError:
            return
        time.sleep(0.01)


def _frame(message: dict) -> bytes:
    import io

    buffer = io.BytesIO()
    protocol.write_message(buffer, message)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- learner proxy


def call_repr(func: str, args: tuple, kwargs: dict) -> str:
    """``dense_params(784, 100, use_bias=False)`` with long values shortened (arrays by their shape)."""
    parts = [_argument(a) for a in args]
    parts += [f"{k}={_argument(v)}" for k, v in kwargs.items()]
    return f"{func}({', '.join(parts)})"


def _argument(value: Any) -> str:
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray) and value.size > 8:
        return f"<array of shape {value.shape}>"  # the numbers of x_train tell a learner nothing
    return protocol.preview(value, 60)


class Learner:
    """The learner's module as the checks see it: attribute access returns callables.

    ``learner.conv_output_size(28, 3)`` runs in the worker and returns a safe
    value. A function that timed out once is not called again in this session:
    later calls fail at once with the same timeout (so one infinite loop costs
    one time limit, not one per check).
    """

    def __init__(self, client: WorkerClient, *, timeout: float = 10.0, seed: int | None = None) -> None:
        self._client = client
        self._timeout = timeout
        self._seed = seed
        self._timed_out = client.timed_out_functions

    def with_timeout(self, seconds: float) -> Learner:
        """The same learner with another per-call time limit (e.g. for training)."""
        return Learner(self._client, timeout=seconds, seed=self._seed)

    def with_seed(self, seed: int | None) -> Learner:
        """The same learner, seeding the worker with ``seed`` before each call (``None``: no seeding)."""
        return Learner(self._client, timeout=self._timeout, seed=seed)

    def once(self, key: str, compute: Any) -> Any:
        """``compute()`` the first time ``key`` is asked for in this submission's session, its value (or its
        exception, raised again) every later time: one training run that several checks judge, each for its
        own points (exercise 16's early stopping), costs one fit. The key names the call and its inputs."""
        results = self._client.once_results
        if key not in results:
            try:
                results[key] = (True, compute())
            except Exception as exc:  # a learner problem or a failed check: the same for every check that asks
                results[key] = (False, exc)
        ok, value = results[key]
        if not ok:
            raise value
        return value

    def probe(self, name: str, *args: Any, _shown: str | None = None) -> Any:
        """Run the grader-owned probe ``grader.sandbox.probes.<name>`` in the worker and return its value.

        ``_shown``: the call a learner reads in a failure (a probe that calls the learner's function names
        that call, never the probe)."""
        shown = _shown or f"{name}(...)"
        reply = self._exchange(name, shown, lambda: self._client.probe(name, args, timeout=self._timeout))
        return self._decode(shown, reply.get("value"))

    def call(self, func: str, *args: Any, _echo_args: bool = False, **kwargs: Any) -> Any:
        """Call ``func`` and return its value, or the value and the (mutated) arguments with ``_echo_args``."""
        shown = call_repr(func, args, kwargs)
        if func in self._timed_out:
            raise LearnerTimeout(call=shown, seconds=self._timed_out[func].params.get("seconds"), repeated=True)

        def send() -> dict:
            return self._client.call(func, args, kwargs, timeout=self._timeout, seed=self._seed, echo_args=_echo_args)

        reply = self._exchange(func, shown, send, remember_timeout=True)
        value = self._decode(shown, reply.get("value"))
        if _echo_args:
            return value, tuple(self._decode(shown, reply.get("args", [])))
        return value

    def _exchange(self, name: str, shown: str, send: Any, *, remember_timeout: bool = False) -> dict:
        """Send a request; a timeout, a crash or the learner's exception becomes a
        :class:`LearnerProblem` about ``shown``."""
        try:
            reply = send()
        except LearnerTimeout:
            problem = LearnerTimeout(call=shown, seconds=f"{self._timeout:g}", repeated=False)
            if remember_timeout:  # a function that timed out once is not called again
                self._timed_out[name] = problem
            raise problem from None
        except LearnerCrashed as crash:
            raise LearnerCrashed(call=shown, detail=crash.params.get("detail", "")) from None
        if not reply.get("ok"):
            raise _problem_from_error(name, shown, _error_of(reply))
        return reply

    def _decode(self, shown: str, encoded: Any) -> Any:
        try:
            return self._client.decode(encoded)
        except Exception as exc:  # the reply is learner-controlled data: any decoding fault is the learner's
            raise LearnerCrashed(call=shown, detail=problem_ref("crash.unreadable_value", error=_short(exc))) from None

    def functions(self) -> list[str]:
        """Names of the public callables the submission defines."""
        functions = self._client.ensure_loaded().get("functions", [])
        return [str(name) for name in functions] if isinstance(functions, list) else []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def learner_function(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs)

        learner_function.__name__ = name
        return learner_function


def _short(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    except Exception:
        return type(exc).__name__


def _error_of(reply: dict) -> dict:
    """The worker's error report, its texts made plain (no terminal escapes, no lone surrogates)."""
    error = reply.get("error")
    if not isinstance(error, dict):
        return {}
    return {key: protocol.printable(value) if isinstance(value, str) else value for key, value in error.items()}


def _problem_from_error(func: str, shown: str, error: dict) -> LearnerProblem:
    kind = error.get("kind")
    params = {
        "call": shown,
        "function": func,
        "error_type": str(error.get("type", "")),
        "error": str(error.get("message", ""))[:2000],
        "traceback": str(error.get("traceback", "")),
    }
    problem = PROBLEM_BY_KIND.get(str(kind))
    if problem is not None:
        return problem(**params)
    return LearnerCrashed(call=shown, detail=str(error.get("message", kind)))


def sandbox_report(limits: WorkerLimits | None = None, *, unprivileged: bool = False) -> dict[str, bool]:
    """The sandbox layers a worker gets on this machine: starts one on an empty module and asks."""
    from grader.sandbox.session import new_session, remove_tree

    session = new_session("kerasdrill-probe-")
    try:
        module = os.path.join(session, "probe.py")
        with open(module, "w", encoding="utf-8") as handle:
            handle.write("")
        client = WorkerClient(module, session, module_name="probe", limits=limits, unprivileged=unprivileged)
        try:
            client.ensure_loaded()
            return client.sandbox_layers()
        finally:
            client.close()
            client.captured_output()
    finally:
        remove_tree(session)
