"""A warm TensorFlow for workers: fork them from a process that has already imported Keras.

Importing TensorFlow costs about 4 s. The fork server imports Keras once (and
runs no TensorFlow op: a process that has run one cannot fork safely) and then,
for each model-exercise worker, forks a child that becomes the worker. A child
starts with Keras already imported, so the learner's ``import tensorflow`` is free.

The grading process talks to the server over a Unix socket pair: it sends the
child's entry point, argv, environment and folder, plus the two protocol pipe
descriptors (``SCM_RIGHTS``), and gets back the child's pid. The entry point is
``"module:function"``, imported in the child: :data:`WORKER_ENTRY` (through the
launcher) for a learner's worker, or the grading side's trainer
(``grader.checking.trainer:serve``, which runs no learner code). Only the
grading process holds the socket, so only it chooses. The child calls
``os.setsid()``, so the grading process can kill its whole process group as it
would a worker it had started itself. Plain-data exercises never use the
server, so they never import TensorFlow.

If the server cannot be started or dies (learner code can find and kill it),
:func:`spawn_worker` returns ``None`` and the client starts the worker directly.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

_MAX_MESSAGE = 1 << 20
#: What a forked child runs unless told otherwise: the learner's worker, through its launcher.
WORKER_ENTRY = "grader.sandbox.launcher:launch"
#: What a server imports before it forks: Keras for model exercises; numpy alone for plain-data
#: workers in a batch, where one server serves many learners (a worker's own start costs ~0.35 s).
KERAS = ("keras",)
NUMPY = ("numpy",)


class ForkServer:
    """The grading process's handle on one fork-server process."""

    def __init__(self, grader_root: str, env: dict[str, str], warm: tuple[str, ...] = KERAS) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        bootstrap = (  # nothing from a working folder is importable (no '' on sys.path), and it has its own: /
            f"import sys; sys.path[:] = [p for p in sys.path if p]; sys.path.insert(0, {grader_root!r}); "
            f"from grader.sandbox.forkserver import serve; serve({theirs.fileno()}, {tuple(warm)!r}, {os.getpid()})"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-c", bootstrap],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=os.sep,
            start_new_session=True,
        )
        theirs.close()
        self.pid = self.process.pid
        self.socket = ours
        self.lock = threading.Lock()
        self.owned = True

    @classmethod
    def attached(cls, pid: int, channel: socket.socket, *, owned: bool = True) -> ForkServer:
        """The handle on a server this process did not start with ``Popen``: one it forked itself
        (:func:`start_private_server`), a link (:func:`use_link`), or, not ``owned``, the user's warm
        grading server (:mod:`grader.warm.server`), which closing the handle leaves running."""
        server = cls.__new__(cls)
        server.process, server.pid, server.socket, server.lock = None, pid, channel, threading.Lock()
        server.owned = owned
        return server

    def spawn(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: str,
        fds: tuple[int, int],
        timeout: float = 60.0,
        entry: str = WORKER_ENTRY,
    ) -> int:
        """Fork a child that runs ``entry`` ("module:function") with ``argv``, which uses ``{0}``/``{1}``
        where the child's pipe descriptors go."""
        with self.lock:
            self.socket.settimeout(timeout)
            payload = json.dumps({"entry": entry, "argv": argv, "env": env, "cwd": cwd}).encode()
            socket.send_fds(self.socket, [len(payload).to_bytes(4, "big") + payload], list(fds))
            reply = self.socket.recv(64)
        if not reply:
            raise ConnectionError("fork server closed the connection")
        pid = int(reply.decode())
        if pid <= 0:
            raise ConnectionError("the fork server refused the request")
        return pid

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:  # a link (:func:`open_link`): another process's child
            return is_running(self.pid)

    def close(self) -> None:
        self.socket.close()
        if self.owned:  # a shared server (the warm grading server) goes on serving others
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                if self.process is not None:
                    self.process.wait(timeout=5)
                else:
                    os.waitpid(self.pid, 0)
            except (subprocess.TimeoutExpired, ChildProcessError):  # pragma: no cover
                pass


_servers: dict[tuple[str, ...], ForkServer] = {}  # by what they import
_server_lock = threading.Lock()


def spawn_worker(
    grader_root: str,
    server_env: dict[str, str],
    argv: list[str],
    env: dict[str, str],
    cwd: str,
    fds: tuple[int, int],
    entry: str = WORKER_ENTRY,
    warm: tuple[str, ...] = KERAS,
) -> int | None:
    """Fork a child running ``entry`` from the (lazily started) server that imported ``warm``;
    ``None`` if that is not possible."""
    with _server_lock:
        server = _servers.get(warm)
        try:
            if server is None or not server.alive():
                if server is not None:
                    server.close()
                server = _servers[warm] = ForkServer(grader_root, server_env, warm)
                atexit.register(server.close)
            return server.spawn(argv, env, cwd, fds, entry=entry)
        except (OSError, ValueError, ConnectionError):
            if server is not None:
                server.close()
            _servers.pop(warm, None)
            return None


#: What a server's child runs to become a copy of it that serves another process (:func:`open_link`).
LINK_ENTRY = f"{__name__}:serve_link"


def open_link(grader_root: str, server_env: dict[str, str], warm: tuple[str, ...] = KERAS) -> tuple[int, int] | None:
    """A copy of this process's (lazily started) server for another process to use: ``(pid, descriptor)``
    of its socket, which that process hands to :func:`use_link`; ``None`` if there is no server.

    A batch's grading processes each get one, so a class pays one Keras import, not one per process.
    Blocks until the server has imported ``warm``."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fds = (theirs.fileno(),)
    try:  # on the launcher thread, which lives as long as this process: a server's parent-death signal
        # follows the thread that started it
        pid = run_in_background(
            lambda: spawn_worker(grader_root, server_env, ["{0}"], server_env, os.sep, fds, LINK_ENTRY, warm)
        ).result()
    finally:
        theirs.close()
    if pid is None:
        ours.close()
        return None
    return pid, ours.detach()


def use_link(pid: int, fd: int, warm: tuple[str, ...] = KERAS) -> None:
    """Fork this process's ``warm`` workers from the copy another process opened (:func:`open_link`)."""
    with _server_lock:
        _servers[warm] = ForkServer.attached(pid, socket.socket(fileno=fd))


def serve_link(argv: list[str]) -> None:
    """Run in a child of the server (:data:`LINK_ENTRY`): serve the process at the other end of ``argv[0]``;
    end with the server (the grading process that started it ended), or when that process lets go."""
    from grader.sandbox import isolation

    isolation.die_with_parent()
    _serve_forks(socket.socket(fileno=int(argv[0])))


def is_running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


_launcher = None


def run_in_background(job: Any) -> Any:
    """Run ``job`` on the single launcher thread (requests reach the server in order); return its Future."""
    global _launcher
    with _server_lock:
        if _launcher is None:
            from concurrent.futures import ThreadPoolExecutor

            _launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kerasdrill-launcher")
    return _launcher.submit(job)


def shutdown() -> None:
    """Stop every fork server that is running."""
    with _server_lock:
        for server in _servers.values():
            server.close()
        _servers.clear()


# ----------------------------------------------------------------------------- the server process


def _receive(channel: socket.socket) -> tuple[dict, list[int]] | None:
    data, fds, _, _ = socket.recv_fds(channel, _MAX_MESSAGE + 4, 2)
    if not data:
        return None
    size = int.from_bytes(data[:4], "big")
    body = data[4:]
    while len(body) < size:
        more = channel.recv(size - len(body))
        if not more:
            return None
        body += more
    return json.loads(body.decode()), list(fds)


def serve(channel_fd: int, warm: tuple[str, ...] = KERAS, parent: int | None = None) -> None:
    """Run in the fork-server process: import ``warm`` (Keras) once, then fork a worker per request.
    It dies with the grading process (``parent``), however that ends."""
    import importlib

    from grader.sandbox import isolation

    isolation.die_with_parent(parent=parent)
    isolation.make_untraceable()  # workers of other submissions are forked from here
    for module in warm:  # the whole point: children start with it imported (no TensorFlow op is run)
        importlib.import_module(module)
    importlib.import_module(WORKER_ENTRY.split(":")[0])  # and with the worker's own modules
    from grader.sandbox import seccomp

    seccomp.available()  # finds and loads libseccomp here, once, rather than in every worker

    _serve_forks(socket.socket(fileno=channel_fd))


def start_private_server(*warm: tuple[str, ...]) -> None:
    """In a child of the server that grades (:mod:`grader.warm`): fork, before this process runs
    anything, a copy of the server that serves this process alone, and use it for ``warm``.

    Workers and trainers must be forked from a process that has run no TensorFlow op and holds no
    secret; this process is about to do both, its copy never will. The copy dies with this process.
    ``warm``: the modules it stands for (default: Keras; the warm grading server's children: numpy too)."""
    from grader.sandbox import isolation

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    owner = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            ours.close()
            os.setsid()  # its own group, so closing the handle kills it as it would a started server
            isolation.die_with_parent(parent=owner)
            _serve_forks(theirs)
        finally:
            os._exit(0)
    theirs.close()
    handle = ForkServer.attached(pid, ours)
    with _server_lock:
        for modules in warm or (KERAS,):
            _servers[modules] = handle


def use_shared_server(handle: ForkServer) -> None:
    """Fork this process's workers (both kinds) from ``handle``, a server others use too."""
    with _server_lock:
        _servers[KERAS] = _servers[NUMPY] = handle


def shared_server() -> ForkServer | None:
    """The server :func:`use_shared_server` set, while it is alive."""
    with _server_lock:
        server = _servers.get(KERAS)
    return server if server is not None and not server.owned and server.alive() else None


def _serve_forks(channel: socket.socket) -> None:
    """The server's loop: a forked child per request, until the channel closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    while True:
        try:
            received = _receive(channel)
        except OSError:
            return
        if received is None:
            return
        request, fds = received
        pid = os.fork()
        if pid == 0:
            _become_worker(channel, request, fds)
        for fd in fds:
            os.close(fd)
        channel.sendall(str(pid).encode())


def _become_worker(channel: socket.socket | None, request: dict, fds: list[int]) -> None:
    try:
        if channel is not None:
            channel.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        argv = [a.format(*fds) for a in request["argv"]]
        import importlib

        module, function = str(request.get("entry", WORKER_ENTRY)).split(":")
        getattr(importlib.import_module(module), function)(argv)
    finally:
        os._exit(70)
