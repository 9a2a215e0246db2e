"""The worker: the only process where learner code runs.

It is started by :class:`grader.sandbox.client.WorkerClient` through
:func:`grader.sandbox.launcher.launch` (``REQUEST_FD REPLY_FD SESSION_DIR``).
Before any learner code runs it moves the protocol onto the two inherited pipe
descriptors, points stdout/stderr at a capture file, applies resource limits and
changes into a scratch folder. Then it serves requests:

* ``{"op": "load", "path": ..., "module": ..., "units": [[first, last], ...]}`` imports the submission
  (with ``units``, a notebook's cells: each range of lines run on its own, a failure stopping only it);
* ``{"op": "call", "func": ..., "args": [...], "kwargs": {...}}`` calls one of
  its functions and replies with the value (or the learner's exception);
* ``{"op": "exit"}`` stops.

Nothing here decides a score: the worker only runs code and reports values.
Learner code may replace anything in this process; the checker treats every
reply as untrusted data.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import random
import sys
import time
import traceback
from types import ModuleType
from typing import Any

from grader.outcomes import ErrorKind
from grader.sandbox import isolation, landlock, limits, seccomp
from grader.sandbox.allowlist import View, worker_view
from grader.sandbox.capture import open_for_worker
from grader.sandbox.protocol import Codec, ProtocolError, read_message, write_message

_monotonic = time.monotonic  # taken before any learner code can replace time.monotonic

MAX_TRACEBACK_CHARS = 4000
MAX_CELL_ERRORS = 50  # a notebook's failed cells reported (a course notebook has ~100 cells)


class Worker:
    def __init__(self, requests: Any, replies: Any, session_dir: str, layers: dict[str, bool] | None = None) -> None:
        self.layers = dict(layers or {})
        self.requests = requests
        self.replies = replies
        self.session_dir = session_dir
        self.codec = Codec(os.path.join(session_dir, "exchange"))
        from grader.sandbox.keras_codec import install

        install(self.codec, load_models=True)
        from grader.sandbox import figures

        figures.install(self.codec)  # a returned matplotlib figure crosses as the data it plots
        self.module: ModuleType | None = None
        self.module_path = ""

    # ------------------------------------------------------------------ loop
    def serve(self) -> None:
        while True:
            try:
                request = read_message(self.requests)
            except EOFError:
                return
            op = request.get("op")
            if op == "exit":
                return
            handler = {"load": self.load, "call": self.call, "probe": self.probe}.get(op)
            reply = (
                handler(request)
                if handler
                else {"ok": False, "error": {"kind": ErrorKind.PROTOCOL, "message": f"unknown op {op!r}"}}
            )
            reply["id"] = request.get("id")
            try:
                write_message(self.replies, reply)  # encodes (and checks the size) before it writes
            except ProtocolError as exc:  # a value too large to send: the learner's problem, not the grader's
                too_large = {
                    "kind": ErrorKind.RAISED,
                    "type": "ValueError",
                    "message": f"the returned value is too large to send to the grader ({exc})",
                    "traceback": "",
                }
                write_message(self.replies, {"ok": False, "id": reply["id"], "error": too_large})

    # ------------------------------------------------------------------ ops
    def load(self, request: dict) -> dict:
        path = request["path"]
        self.module_path = os.path.realpath(path)
        directory = os.path.dirname(self.module_path)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        try:
            spec = importlib.util.spec_from_file_location(request["module"], path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot import {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[request["module"]] = module
            units = request.get("units")
            cell_errors = self.run_units(module, path, units) if isinstance(units, list) else []
            if not isinstance(units, list):
                spec.loader.exec_module(module)
        except BaseException as exc:  # SyntaxError, ImportError, SystemExit, ...
            return {"ok": False, "error": self.describe(exc)}
        self.module = module
        functions = sorted(name for name, value in vars(module).items() if callable(value) and not name.startswith("_"))
        # when the import ended, on the machine's monotonic clock (shared with the grading process): a
        # reply read late (a batch begins learners ahead) is judged by it. Told by learner-run code, so
        # it could be forged, to gain only that an import which is over anyway counts as in time.
        reply = {"ok": True, "functions": functions, "sandbox": self.layers, "done_at": _monotonic()}
        if cell_errors:
            reply["cell_errors"] = cell_errors
        return reply

    def run_units(self, module: ModuleType, path: str, units: list) -> list[dict]:
        """A notebook's cells, each a range of the file's lines, run in order in the module's namespace as
        a kernel runs cells: a failure stops the rest of its cell only, and is reported with the line of
        the file (the grading side maps it to the learner's cell and line). Each range is compiled with
        the file's name and its own line numbers, so tracebacks and ``inspect.getsource`` see the file;
        a ``from __future__`` import holds for the later cells, as in IPython."""
        import __future__

        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
        future = 0
        every_future = 0
        for feature in __future__.all_feature_names:
            every_future |= getattr(__future__, feature).compiler_flag
        errors: list[dict] = []
        for unit in units:
            first, last = int(unit[0]), int(unit[1])
            try:
                try:  # parsed alone, then moved to its place in the file: linear however many cells come before
                    tree = ast.parse("\n".join(lines[first - 1 : last]) + "\n", path)
                except SyntaxError as exc:
                    exc.lineno = (exc.lineno or 1) + first - 1
                    raise
                ast.increment_lineno(tree, first - 1)
                code = compile(tree, path, "exec", flags=future, dont_inherit=True)
                future |= code.co_flags & every_future
                exec(code, module.__dict__)  # noqa: S102 - the learner's cell, in the worker only
            except BaseException as exc:  # as a kernel: the cell stops, the notebook goes on
                if len(errors) < MAX_CELL_ERRORS:
                    try:
                        line = self.failed_line(exc, first)
                    except Exception:  # a lying exception object: the cell's first line
                        line = first
                    errors.append({**self.describe(exc), "line": line})
        return errors

    def failed_line(self, exc: BaseException, first: int) -> int:
        """The line of the file where a cell stopped: the cell's own statement that raised (its outermost
        frame in the file), or a syntax error's line."""
        if isinstance(exc, SyntaxError) and exc.lineno:
            return int(exc.lineno)
        for frame in traceback.extract_tb(exc.__traceback__):
            if os.path.realpath(frame.filename) == self.module_path and frame.lineno:
                return int(frame.lineno)
        return first

    def call(self, request: dict) -> dict:
        if self.module is None:
            return {"ok": False, "error": {"kind": ErrorKind.NOT_LOADED, "message": "submission not loaded"}}
        name = request["func"]
        function = getattr(self.module, name, None)
        if function is None or not callable(function):
            return {"ok": False, "error": {"kind": ErrorKind.MISSING, "message": name}}
        try:
            args = self.codec.decode(request.get("args", []))
            kwargs = self.codec.decode(request.get("kwargs", {}))
        except Exception as exc:
            return {"ok": False, "error": {"kind": ErrorKind.PROTOCOL, "message": f"bad arguments: {exc}"}}
        seed_everything(request.get("seed"))
        try:
            value = function(*args, **kwargs)
        except BaseException as exc:
            return {"ok": False, "error": self.describe(exc)}
        try:
            reply = {"ok": True, "value": self.codec.encode(value)}
            if request.get("echo_args"):
                reply["args"] = self.codec.encode(list(args))
        except BaseException as exc:
            return {"ok": False, "error": self.describe(exc)}
        return reply

    def probe(self, request: dict) -> dict:
        """Run a grader-owned probe from :mod:`grader.sandbox.probes` (e.g. "is the random state
        reproducible after the learner's set_seed?"). Its result is data like any other reply."""
        from grader.sandbox import probes

        function = getattr(probes, str(request.get("name", "")), None)
        if function is None or not getattr(function, "is_probe", False):
            return {"ok": False, "error": {"kind": ErrorKind.PROTOCOL, "message": f"no probe {request.get('name')!r}"}}
        try:
            args = self.codec.decode(request.get("args", []))
            value = function(self.module, *args)
            return {"ok": True, "value": self.codec.encode(value)}
        except BaseException as exc:
            return {"ok": False, "error": self.describe(exc)}

    # ------------------------------------------------------------------ errors
    def describe(self, exc: BaseException) -> dict:
        """A learner exception as data: type, message and the learner's own frames."""
        kind = ErrorKind.RAISED
        if isinstance(exc, NotImplementedError):
            kind = ErrorKind.NOT_IMPLEMENTED
        elif isinstance(exc, SystemExit):
            kind = ErrorKind.EXIT
        elif isinstance(exc, SyntaxError):
            kind = ErrorKind.SYNTAX
        elif isinstance(exc, MemoryError):
            kind = ErrorKind.MEMORY
        try:
            message = str(exc)
        except Exception:
            message = ""
        return {
            "kind": kind,
            "type": type(exc).__name__,
            "message": message[:2000],
            "traceback": self.learner_traceback(exc),
        }

    def learner_traceback(self, exc: BaseException) -> str:
        try:
            frames = [
                f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == self.module_path
            ]
            lines = traceback.format_list(frames)
            lines += traceback.format_exception_only(type(exc), exc)
            text = "".join(lines).replace(os.path.dirname(self.module_path) + os.sep, "")
        except Exception:
            text = f"{type(exc).__name__}"
        return text[-MAX_TRACEBACK_CHARS:]


def lock_down(session_dir: str, layers: dict[str, bool], view: View) -> dict[str, bool]:
    """The last steps before learner code. Each step is recorded in ``layers`` (True: in place).

    As root, inside the allowlisted root (:func:`~grader.sandbox.isolation.allowlisted_root`): the
    worker becomes its own unprivileged user and gives up every capability. Without that root (an
    ordinary user), Landlock enforces the same allowlist. Then the seccomp filter, either way."""
    if layers.get("allowlisted files"):
        layers["read-only files"] = _read_only(["/", *view.read_only, *view.package_members])
        isolation.drop_bounding_set()  # while root: the bounding set needs CAP_SETPCAP
        layers["unprivileged user"] = isolation.become_worker_user(session_dir, view.uid, view.gid)
        isolation.die_with_parent()  # a change of user clears the parent-death signal: set it again
    else:
        layers["read-only files"] = layers["unprivileged user"] = False
    layers["no capabilities"] = isolation.drop_all_capabilities()
    if not layers.get("allowlisted files"):
        layers["landlock"] = landlock.restrict(view)
    layers["seccomp"] = seccomp.install()
    return layers


def _read_only(paths: list[str]) -> bool:
    try:
        return all(os.statvfs(path).f_flag & os.ST_RDONLY for path in paths)
    except OSError:
        return False


def seed_everything(seed: int | None) -> None:
    """Seed Python, numpy and (if the learner imported it) Keras before a call."""
    if seed is None:
        return
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed % 2**32)
    keras = sys.modules.get("keras")
    if keras is not None:
        try:
            keras.utils.set_random_seed(seed % 2**32)
        except Exception:
            pass


def main(
    argv: list[str] | None = None,
    layers: dict[str, bool] | None = None,
    *,
    view: View | None = None,
) -> None:
    """Entry point of the worker process. ``layers``: the sandbox layers the launcher set up;
    ``view``: what the worker may see (:func:`~grader.sandbox.allowlist.worker_view`)."""
    request_fd, reply_fd, session_dir = (argv or sys.argv[1:])[:3]
    requests = os.fdopen(int(request_fd), "rb", buffering=0)
    replies = os.fdopen(int(reply_fd), "wb", buffering=0)
    output = open_for_worker(session_dir)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.close(devnull)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", buffering=1, closefd=False)
    import tempfile

    tempfile.tempdir = None  # the fork server's cached temp folder is not this session's: recomputed from TMPDIR
    scratch = os.path.join(session_dir, "scratch")
    os.makedirs(scratch, exist_ok=True)
    os.chdir(scratch)
    limits.apply_worker_limits()
    layers = lock_down(session_dir, dict(layers or {}), view or worker_view(session_dir))
    Worker(requests, replies, session_dir, layers).serve()
    sys.stdout.flush()
    os._exit(0)
