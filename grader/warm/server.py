"""The warm grading server: repeated ``grade EXERCISE`` on one machine reuse warm processes.

``grade EXERCISE`` and ``grade all`` (and nothing else: never ``grade batch``, never with ``CI`` set,
never as root, unless ``KERASDRILL_WARM_SERVER=1``; ``=0`` turns it off) look for the user's server
at a socket in a private runtime folder (:func:`runtime_dir`, mode 0700, checked). If none answers,
they start one and use it at once. The server is a Keras fork server that listens on that socket:
a ``grade`` connected to it asks it to fork a grading child (:mod:`grader.warm.child`), as it would
ask a fork server it had started itself. One child is forked ahead of time, has imported the grading
side and waits (the spare), so a warm grade starts grading at once; a new spare is forked as soon as
one is taken. Every submission still gets a fresh sandboxed worker, forked from its grading child's
private copy of the server; the server itself never grades and never runs learner code.

Who may use it: the server accepts connections from its own user only (``SO_PEERCRED``) and forks
nothing but grading children (any other request is refused). It is used only where the worker's
system-call filter is in place (:mod:`grader.sandbox.seccomp`): a worker cannot create a socket, so
learner code cannot reach it. It runs with the clean worker environment; the grading secret of a
``grade`` reaches only that grade's child, over its pipe.

How it ends: after :data:`IDLE_S` seconds (``KERASDRILL_WARM_IDLE_S``) with no ``grade`` connected,
or at ``grade --stop-server``. The socket's name carries a fingerprint of the interpreter and of the
grader's files, so an edited or upgraded grader starts a server of its own; the old one ends idle.
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.sandbox import forkserver
from grader.sandbox.client import GRADER_ROOT
from grader.warm.session import CHILD_ENTRY  # the one thing the server forks on request

ENABLE_VARIABLE = "KERASDRILL_WARM_SERVER"  # "1": use it even as root or in CI; "0": never
IDLE_VARIABLE = "KERASDRILL_WARM_IDLE_S"
IDLE_S = 600.0
CONNECT_WAIT_S = 5.0  # how long a `grade` that started the server waits for its socket to appear
HELLO_S = 0.5  # a warm server answers at once; one that is still importing Keras is not waited for...
START_WAIT_S = 120.0  # ...unless the grade needs Keras anyway
_ours = Path(__file__).resolve().parents[1]


def wanted() -> bool:
    """Whether this ``grade`` should use (and start) the warm server: see the module's docstring."""
    setting = os.environ.get(ENABLE_VARIABLE, "")
    if setting == "0":
        return False
    if setting != "1" and (os.environ.get("CI") or os.geteuid() == 0):
        return False
    if not sys.platform.startswith("linux"):
        return False
    from grader.sandbox import seccomp

    return seccomp.available()


def runtime_dir() -> Path | None:
    """The user's private folder for the server's socket (``$XDG_RUNTIME_DIR/kerasdrill``, else
    ``kerasdrill-UID`` in the temp folder), made with mode 0700; ``None`` if it is not a folder of this
    user's that only they can enter (a link, another owner, wider permissions)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) / "kerasdrill" if runtime and os.path.isdir(runtime) else None
    path = base or Path(tempfile.gettempdir()) / f"kerasdrill-{os.getuid()}"
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(path)
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077
    return path if private else None


def fingerprint() -> str:
    """The interpreter and every file of the grader package (path, size, modification time)."""
    digest = hashlib.sha256(f"{sys.executable}\0{GRADER_ROOT}\0".encode())
    for folder, folders, files in os.walk(_ours):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".json")):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def socket_path(folder: Path) -> Path:
    return folder / f"grade-{fingerprint()}.sock"


class _Address:
    """``path`` as a socket address: a socket's path may hold only 107 bytes, so a longer one (a deep
    temp folder) is reached through a descriptor of its folder, ``/proc/self/fd/N/name``."""

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        self.folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY) if len(os.fsencode(path)) > 100 else -1
        self.address = f"/proc/self/fd/{self.folder}/{path.name}" if self.folder >= 0 else str(path)

    def __enter__(self) -> str:
        return self.address

    def __exit__(self, *exc: object) -> None:
        if self.folder >= 0:
            os.close(self.folder)


def _connect(path: Path, wait_s: float = HELLO_S) -> tuple[socket.socket, int] | None:
    """A connection to the server at ``path`` and its pid (its first line, sent once it has imported
    Keras: ``wait_s`` is how long to wait for that), or ``None``."""
    channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        channel.settimeout(wait_s)
        with _Address(path) as address:
            channel.connect(address)
        hello = b""
        while not hello.endswith(b"\n") and len(hello) < 32:
            more = channel.recv(32 - len(hello))
            if not more:
                raise ConnectionError("closed")
            hello += more
        channel.settimeout(None)
        return channel, int(hello)
    except (OSError, ValueError):
        channel.close()
        return None


def use_warm_server(*, wait: bool = False) -> bool:
    """If :func:`wanted`, connect this process to the user's server (starting it if none answers) and
    fork every exercise's grading from it; whether that happened. ``wait``: wait for a server still
    importing Keras (a model exercise would wait as long for a fork server of its own); otherwise this
    run grades as if there were no server, and the next finds it warm."""
    if not wanted():
        return False
    folder = runtime_dir()
    if folder is None:
        return False
    path = socket_path(folder)
    connected = _connect(path, START_WAIT_S if wait else HELLO_S)
    if connected is None:
        _start(path)
        deadline = time.monotonic() + CONNECT_WAIT_S
        while wait and not path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)  # bound in a moment; it says hello once Keras is imported
        connected = _connect(path, START_WAIT_S) if wait else None
    if connected is None:
        return False
    channel, pid = connected
    forkserver.use_shared_server(forkserver.ForkServer.attached(pid, channel, owned=False))
    return True


def _listening(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe, _Address(path) as address:
        try:
            probe.connect(address)
            return True
        except OSError:
            return False


def _start(path: Path) -> None:
    from grader.sandbox.environment import base_environment

    idle = os.environ.get(IDLE_VARIABLE, "")
    bootstrap = (  # as a fork server is started: nothing from a working folder importable
        f"import sys; sys.path[:] = [p for p in sys.path if p]; sys.path.insert(0, {GRADER_ROOT!r}); "
        f"from grader.warm.server import serve; serve({str(path)!r}, {idle!r})"
    )
    subprocess.Popen(
        [sys.executable, "-s", "-c", bootstrap],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=base_environment(),
        cwd=os.sep,
        start_new_session=True,  # outlives this `grade`
    )


def stop_servers() -> int:
    """Stop every warm server of this user (``grade --stop-server``); how many were running."""
    folder = runtime_dir()
    if folder is None:
        return 0
    stopped = 0
    for path in sorted(folder.glob("grade-*.sock")):
        connected = _connect(path, START_WAIT_S)  # one still importing Keras answers when it is done
        if connected is None:
            if not _listening(path):
                path.unlink(missing_ok=True)  # nobody listens: a server that was killed
            continue
        channel, pid = connected
        with channel:
            payload = json.dumps({"op": "stop"}).encode()
            channel.sendall(len(payload).to_bytes(4, "big") + payload)
            channel.settimeout(5.0)
            try:
                channel.recv(16)  # closed once the server has let go of its socket
            except OSError:
                pass
        stopped += 1
    return stopped


# ----------------------------------------------------------------------------- the server process


def serve(path: str, idle: str = "") -> None:
    """The server's life (see the module's docstring); started detached by :func:`_start`."""
    import fcntl
    import importlib

    from grader.sandbox import isolation, seccomp

    idle_s = float(idle) if idle else IDLE_S
    isolation.make_untraceable()
    lock = open(path + ".lock", "w")  # noqa: SIM115 - held for the server's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another `grade` started one for these files first
    if os.path.exists(path):
        os.unlink(path)  # a server that was killed: nobody holds the lock
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)
    try:
        with _Address(path) as address:
            listener.bind(address)
    finally:
        os.umask(old_umask)
    listener.listen(16)
    bound = os.stat(path).st_ino
    for module in forkserver.KERAS:  # as a fork server does: imported once, no TensorFlow op run
        importlib.import_module(module)
    importlib.import_module(forkserver.WORKER_ENTRY.split(":")[0])
    importlib.import_module(CHILD_ENTRY.split(":")[0])
    seccomp.available()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    server = _Server(listener, idle_s)
    try:
        server.run()
    finally:
        try:
            if os.stat(path).st_ino == bound:
                os.unlink(path)
        except OSError:
            pass
        for channel in server.connections:
            channel.close()  # the one who asked to stop learns the socket is gone
    os._exit(0)


class _Server:
    def __init__(self, listener: socket.socket, idle_s: float) -> None:
        self.listener = listener
        self.idle_s = idle_s
        self.connections: list[socket.socket] = []
        self.spare: tuple[int, socket.socket] | None = None
        self.last = time.monotonic()

    def run(self) -> None:
        self._fork_spare()
        while True:
            timeout = None if self.connections else self.idle_s - (time.monotonic() - self.last)
            if timeout is not None and timeout <= 0:
                return
            readable, _, _ = select.select([self.listener, *self.connections], [], [], timeout)
            for channel in readable:
                self.last = time.monotonic()
                if channel is self.listener:
                    self._accept()
                elif not self._answer(channel):
                    return

    def _accept(self) -> None:
        try:
            channel, _ = self.listener.accept()
        except OSError:
            return
        credentials = channel.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        uid = int.from_bytes(credentials[4:8], sys.byteorder)
        if uid != os.getuid():
            channel.close()
            return
        try:
            channel.sendall(f"{os.getpid()}\n".encode())
        except OSError:  # a `grade` that stopped waiting
            channel.close()
            return
        self.connections.append(channel)

    def _answer(self, channel: socket.socket) -> bool:
        """One request of a connected ``grade``; False: stop the server."""
        try:
            received = forkserver._receive(channel)
        except (OSError, ValueError):
            received = None
        if received is None:
            self.connections.remove(channel)
            channel.close()
            return True
        request, fds = received
        if request.get("op") == "stop":
            return False
        try:
            if request.get("entry") != CHILD_ENTRY or len(fds) != 2:
                channel.sendall(b"-1")  # refused: this server forks grading children only
                return True
            pid = self._hand_to_spare(fds) or self._fork_child(request, fds)
            channel.sendall(str(pid).encode())
        except OSError:
            self.connections.remove(channel)
            channel.close()
        finally:
            for fd in fds:
                os.close(fd)
        return True

    def _hand_to_spare(self, fds: list[int]) -> int | None:
        spare, self.spare = self.spare, None
        pid = None
        if spare is not None and forkserver.is_running(spare[0]):
            try:
                socket.send_fds(spare[1], [b"go"], fds)
                pid = spare[0]
            except OSError:
                pid = None
        if spare is not None:
            spare[1].close()
        self._fork_spare()
        return pid

    def _in_child(self, *keep: socket.socket) -> None:
        """In a forked child: let go of every socket of the server's but ``keep``."""
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for channel in [self.listener, *self.connections, *([self.spare[1]] if self.spare else [])]:
            if channel not in keep:
                channel.close()

    def _fork_child(self, request: dict, fds: list[int]) -> int:
        pid = os.fork()
        if pid == 0:
            self._in_child()
            forkserver._become_worker(None, request, fds)
        return pid

    def _fork_spare(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            try:
                self._in_child(theirs)
                ours.close()
                os.setsid()
                from grader.warm import child

                child.serve_spare(theirs)
            finally:
                os._exit(0)
        theirs.close()
        self.spare = (pid, ours)
