"""The one read of a learner's file: a regular file, opened without following links, size-capped.

A submission is read once, here, into memory (:class:`Intake`). Every later step uses those bytes:
the loaders write them into the session folder, the progress and ``--resume`` keys and the batch's
provenance hash them, and nothing opens the learner's path again. So a file that is swapped after
it was read, a symlink to a classmate's file or to the installed reference solution, a FIFO that
never ends, ``/proc/self/pagemap`` (256 GiB) or a device are never graded, hashed or copied: each is
the learner's unreadable file, with a note naming what it is (:class:`UnreadableSubmission`).

The path is walked from ``root`` (the workspace, the class folder, Gradescope's submission folder)
one component at a time with ``O_NOFOLLOW``: a folder below ``root`` that is a link (a learner's
``exercises/`` linked to a classmate's) is refused as well. ``root`` itself and the folders above
it are the instructor's and are followed as given.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from grader.messages import MessageRef, message_ref
from grader.submissions.prepared import UnreadableSubmission

#: The most of a learner's file that is read, by suffix. A course ``.py`` is a few KB; a notebook may
#: carry megabytes of outputs (plots, progress bars). Past these it is not an exercise file.
MAX_BYTES = {".py": 1 * 1024 * 1024, ".ipynb": 64 * 1024 * 1024}
MAX_BYTES_OTHER = 1 * 1024 * 1024
#: How a refusal is reported: every check fails with this message (its ``reason`` parameter says why).
REFUSED = "engine.refused_file"

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Intake:
    """A learner's file as read once: its name (as the learner named it) and its bytes."""

    name: str
    data: bytes

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    @cached_property  # hashed once however many steps ask (a frozen dataclass keeps a __dict__ for it)
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def refused(reason: MessageRef) -> UnreadableSubmission:
    """The learner's file refused before it was read (a link, a FIFO, too large): ``reason`` says why."""
    return UnreadableSubmission(reason, message_id=REFUSED)


def read_submission(path: str | os.PathLike, root: str | os.PathLike | None = None) -> Intake:
    """Read the learner's file at ``path`` once (see the module docstring).

    ``root``: the folder the learner's files are below; no component of ``path`` under it may be a
    link. :class:`UnreadableSubmission` (with a catalogue reason) for anything but a regular file
    within :data:`MAX_BYTES`.
    """
    path = Path(os.path.abspath(path))
    limit = MAX_BYTES.get(path.suffix.lower(), MAX_BYTES_OTHER)
    parts = _below(path, root)
    start = path.parent if parts is None else Path(os.path.abspath(root))  # type: ignore[arg-type]
    folders = [] if parts is None else parts[:-1]
    try:
        fd = os.open(start, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise _os_refusal(exc) from None
    try:
        for part in folders:
            child = _step(fd, part, start)
            os.close(fd)
            fd, start = child, start / part
        _refuse_unless_regular(fd, path.name)
        try:
            file_fd = os.open(path.name, _READ_FLAGS, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # replaced by a link since the look above
                raise refused(_link_reason(fd, path.name)) from None
            raise _os_refusal(exc) from None
    finally:
        os.close(fd)
    with open(file_fd, "rb") as handle:
        status = os.fstat(file_fd)
        if not stat.S_ISREG(status.st_mode):  # replaced since the look above
            raise refused(_kind_reason(status.st_mode))
        if status.st_size > limit:
            raise refused(_too_large(status.st_size, limit))
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise _os_refusal(exc) from None
    if len(data) > limit:  # it grew while it was read
        raise refused(_too_large(len(data), limit))
    return Intake(name=path.name, data=data)


def _below(path: Path, root: str | os.PathLike | None) -> list[str] | None:
    """``path``'s components below ``root`` (the file's name last), or ``None`` if it is not below it."""
    if root is None:
        return None
    try:
        relative = path.relative_to(os.path.abspath(root))
    except ValueError:
        return None
    parts = list(relative.parts)
    return parts if parts and ".." not in parts else None


def _step(fd: int, part: str, where: Path) -> int:
    """The folder ``part`` in the folder ``fd``, never through a link."""
    try:
        return os.open(part, _DIR_FLAGS, dir_fd=fd)
    except OSError as exc:
        linked = False
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            try:
                linked = stat.S_ISLNK(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode)
            except OSError:
                pass
        if linked:
            target = _readlink(fd, part)
            raise refused(message_ref("intake.linked_folder", folder=str(where / part), target=target)) from None
        raise _os_refusal(exc) from None


def _refuse_unless_regular(fd: int, name: str) -> None:
    """Look before opening: a link, FIFO, device or socket is refused without being opened."""
    try:
        status = os.stat(name, dir_fd=fd, follow_symlinks=False)
    except OSError as exc:
        raise _os_refusal(exc) from None
    if stat.S_ISLNK(status.st_mode):
        raise refused(_link_reason(fd, name))
    if not stat.S_ISREG(status.st_mode):
        raise refused(_kind_reason(status.st_mode))


def _link_reason(fd: int, name: str) -> MessageRef:
    return message_ref("intake.link", target=_readlink(fd, name))


def _readlink(fd: int, name: str) -> str:
    try:
        target = os.readlink(name, dir_fd=fd)
    except OSError:
        return "?"
    target = "".join(c if c.isprintable() else "?" for c in target)
    return target if len(target) <= 120 else "..." + target[-117:]


def _kind_reason(mode: int) -> MessageRef:
    if stat.S_ISDIR(mode):
        kind = "intake.kind_folder"
    elif stat.S_ISFIFO(mode):
        kind = "intake.kind_fifo"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "intake.kind_device"
    elif stat.S_ISSOCK(mode):
        kind = "intake.kind_socket"
    else:
        kind = "intake.kind_other"
    return message_ref("intake.not_regular", kind=message_ref(kind))


def _too_large(found: int, limit: int) -> MessageRef:
    return message_ref("intake.too_large", found=_size(found), limit=_size(limit))


def _size(size: int) -> str:
    """1 MB for a limit; 1.02 MB for a file just over it (so the two never read the same)."""
    if size >= 2**20:
        return f"{size // 2**20} MB" if size % 2**20 == 0 else f"{size / 2**20:.2f} MB"
    return f"{size / 1024:.0f} KB"


def _os_refusal(exc: OSError) -> UnreadableSubmission:
    return refused(message_ref("intake.os_error", error=f"{type(exc).__name__}: {exc.strerror or exc}"))
