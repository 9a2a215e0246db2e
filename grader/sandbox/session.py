"""The session folder: where one submission's worker may write, removed afterwards without trusting it.

As root the folder is a tmpfs of its own with a size cap (:func:`new_session`), so files the
learner writes cannot fill the machine's disk, each file also being capped by ``RLIMIT_FSIZE``.
For an ordinary user, who cannot mount, :class:`SpaceWatch` lets the grading process notice a
session that grew past the same cap and stop its worker.

The learner's code may leave anything there (a 3,000-deep folder tree, a FIFO, files it made
read-only); removing it must never raise and never block.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator

#: The most a session folder may hold (the learner's files, exchanged values, captured output).
SESSION_MB = 512
MiB = 1024 * 1024


def new_session(prefix: str, *, size_mb: int = SESSION_MB, capped: bool = True) -> str:
    """A new session folder in the temp folder; as root (and ``capped``) a tmpfs of ``size_mb``."""
    from grader.sandbox.environment import UNPRIVILEGED_VARIABLE

    _sweep_once()
    # the owner's pid in the name: see sweep_orphans; in the machine's temp folder even while this
    # process's own temp files go to a private one (private_temp_files): a worker must reach its folder
    path = tempfile.mkdtemp(prefix=f"{prefix}p{os.getpid()}-", dir=_OUTER_TEMP[-1] if _OUTER_TEMP else None)
    _LIVE.add(path)
    capped = capped and os.environ.get(UNPRIVILEGED_VARIABLE) != "1"  # an ordinary user's layers only
    if capped and sys.platform.startswith("linux") and os.geteuid() == 0:
        _mount_tmpfs(path, size_mb)
    return path


_LIVE: set[str] = set()  # this process's session folders not yet removed
_OUTER_TEMP: list[str] = []  # the temp folder private_temp_files replaced (innermost last)


@contextlib.contextmanager
def private_temp_files() -> Iterator[str]:
    """Route every temp file this process makes, ours and the libraries' (Keras saves and loads a model
    through ``tempfile``), into one folder of its own while checks run; removed afterwards, and by
    :func:`remove_on_termination` on SIGTERM with the session folders, so a grade stopped at any moment
    leaves nothing in the machine's temp folder. Session folders are still made in the machine's."""
    folder = new_session("kerasdrill-scratch-", capped=False)
    _OUTER_TEMP.append(tempfile.gettempdir())
    saved = tempfile.tempdir
    tempfile.tempdir = folder
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        _OUTER_TEMP.pop()
        remove_tree(folder)


#: A session folder's (or its cgroups') name: ``kerasdrill-<what>-p<owner pid>-<8 random>``.
_OWNED = re.compile(r"^(?:kerasdrill-)?kerasdrill-[a-z0-9]+-p(\d+)-[a-z0-9_]{8}$")


@functools.cache
def _sweep_once() -> None:
    sweep_orphans()


def sweep_orphans() -> None:
    """Remove what a grading process killed with SIGKILL left behind (a SIGKILL runs no cleanup): its
    folders in the temp folder (temp files, a trainer's), and, as root, its session tmpfs mounts and its
    workers' cgroups. Only those named as ours whose owner is no longer running."""

    def orphaned(name: str) -> bool:
        owned = _OWNED.search(name)
        return owned is not None and not os.path.exists(f"/proc/{owned.group(1)}")

    temp = _OUTER_TEMP[-1] if _OUTER_TEMP else tempfile.gettempdir()
    try:
        names = os.listdir(temp)
    except OSError:
        names = []
    for name in names:
        if name.startswith("kerasdrill-") and orphaned(name):
            path = os.path.join(temp, name)
            try:
                info = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not os.path.ismount(path):
                remove_tree(path)  # a plain folder of ours (a mount is unmounted first, below)
    if not (sys.platform.startswith("linux") and os.geteuid() == 0):
        return

    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as info:
            points = [line.split()[4].replace("\\040", " ") for line in info if len(line.split()) > 4]
    except OSError:
        points = []
    for point in points:
        if orphaned(os.path.basename(point)):
            remove_tree(point)
    from grader.sandbox.limits import cgroup_roots

    for root in cgroup_roots():
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            if name.startswith("kerasdrill-") and orphaned(name):
                try:
                    os.rmdir(os.path.join(root, name))
                except OSError:
                    pass


def remove_on_termination() -> None:
    """On SIGTERM, remove this process's session folders, then end as SIGTERM would have.

    Its workers, fork servers and trainers end with it by themselves (parent-death signals); a
    session folder is the one thing they cannot take along. Call it from the main thread."""
    import signal

    def terminate(number: int, _frame: object) -> None:
        # a parent with several threads sends its parent-death signal once per thread that ends:
        # a second one must not cut the cleanup short
        signal.signal(number, signal.SIG_IGN)
        for path in list(_LIVE):
            remove_tree(path)
        signal.signal(number, signal.SIG_DFL)
        os.kill(os.getpid(), number)

    try:
        signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: the caller keeps its own handling
        pass


def is_capped(path: str) -> bool:
    """Whether ``path`` is a session tmpfs of its own (its size is capped by the kernel)."""
    return os.path.ismount(path)


def _mount_tmpfs(path: str, size_mb: int) -> bool:
    from grader.sandbox.isolation import mount_tmpfs

    return mount_tmpfs(path, f"size={size_mb}m,mode=0700")


def _detach(path: str) -> None:
    """Unmount a session tmpfs (lazily: a process still inside cannot keep it in place)."""
    if sys.platform.startswith("linux") and os.path.ismount(path):
        from grader.sandbox.isolation import detach

        detach(path)


class SpaceWatch:
    """Notices a session folder that grew past its cap where the kernel does not enforce one.

    Cheap while nothing happens: it looks at the file system's free space, and only when that
    fell by more than the cap since the start does it add up the folder itself (so another
    process filling the disk is never blamed on this learner).
    """

    def __init__(self, path: str, size_mb: int = SESSION_MB) -> None:
        self.path = path
        self.cap = size_mb * MiB
        self.enforced = is_capped(path)
        self.start_free = self._free()

    def _free(self) -> int:
        try:
            stats = os.statvfs(self.path)
            return stats.f_bavail * stats.f_frsize
        except OSError:
            return 0

    def exceeded(self) -> bool:
        if self.enforced or self.start_free - self._free() <= self.cap:
            return False
        return folder_size(self.path, stop_at=self.cap) > self.cap


def folder_size(path: str, *, stop_at: int, max_entries: int = 100_000) -> int:
    """Bytes stored under ``path`` (without following links), counting stops past ``stop_at``;
    more than ``max_entries`` entries counts as past it."""
    total, seen, pending = 0, 0, [path]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > max_entries:
                return stop_at + 1
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    total += entry.stat(follow_symlinks=False).st_blocks * 512
            except OSError:
                continue
            if total > stop_at:
                return total
    return total


def remove_tree(path: str) -> None:
    """Delete ``path`` and everything under it; never raises."""
    _LIVE.discard(path)
    if not path or not os.path.lexists(path):
        return
    _detach(path)
    try:
        shutil.rmtree(path)  # recursive in Python 3.11: a deep tree raises RecursionError
        return
    except BaseException as exc:  # noqa: BLE001 - any failure falls through to rm, which walks iteratively
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
    try:
        subprocess.run(
            ["rm", "-rf", "--one-file-system", "--", path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
    except Exception:  # noqa: BLE001 - no rm, or it took too long: the folder stays behind, the grade does not fail
        pass
