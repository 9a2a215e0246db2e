"""Landlock for the worker: the file and network sandbox an ordinary user can set up (Linux 5.13+).

Used where the allowlisted root is not available (no root). Landlock only ever *allows*: a
ruleset that handles reading, writing and TCP grants reading to the worker's allowlist
(:mod:`grader.sandbox.allowlist`, the same list the root mode mounts) and writing to the session
folder only; nothing else on the machine can be opened. Where a listed folder holds something
the worker must not see (the grader package inside a site folder), its siblings are granted one
by one around it. From ABI 4 TCP bind and connect are handled with no rule (no network); from
ABI 6 signals and abstract UNIX sockets are scoped to the worker.

Direct system calls through ctypes (no dependency); every failure means "layer not in place".
"""

from __future__ import annotations

import ctypes
import os
import sys

from grader.sandbox import allowlist
from grader.sandbox.allowlist import View

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ = EXECUTE | READ_FILE | READ_DIR
WRITE = WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM | TRUNCATE
ALL_FS = READ | WRITE | MAKE_CHAR | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The kernel's Landlock ABI (0: none)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except Exception:
        return 0
    return max(0, int(version))


#: What the worker reads of ``/proc`` (its own process, the CPU and memory facts libraries read):
#: not the other processes of its user.
PROC_READABLE = ("/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/sys/vm/overcommit_memory")


def restrict(view: View) -> bool:
    """Enforce ``view`` (:mod:`grader.sandbox.allowlist`) with Landlock: read only the listed
    paths, write only the session folder and ``/dev/null``, no TCP and no signals outside the
    worker. Returns whether it is in place."""
    abi = abi_version()
    if abi < 1:
        return False
    handled = ALL_FS | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0) | (IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(
        handled_access_fs=handled,
        handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
        scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0,
    )
    size = ctypes.sizeof(_RulesetAttr) if abi >= 6 else (16 if abi >= 4 else 8)
    libc = _libc()
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return False
    try:
        read = READ & handled
        ok = all(_allow(libc, ruleset, path, read) for path in readable_paths(view))
        ok &= _allow(libc, ruleset, view.writable, handled & ~(MAKE_CHAR | MAKE_BLOCK))
        for device in allowlist.DEVICES:
            writable = WRITE_FILE if device in allowlist.WRITABLE_DEVICES else 0
            if os.path.exists(device):
                ok &= _allow(libc, ruleset, device, (READ_FILE | writable | (IOCTL_DEV if abi >= 5 else 0)) & handled)
        if not ok:
            return False
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        return libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) == 0
    finally:
        os.close(ruleset)


def readable_paths(view: View) -> list[str]:
    """The paths to grant reading to: every listed path, except that a listed folder holding the
    package or a hole is granted piece by piece around them (Landlock only ever adds), then the
    package's members, the loader's files of ``/etc`` and the worker's own ``/proc``."""
    private = [view.package, *view.holes]
    granted: list[str] = []
    for root in view.read_only:
        inside = [p for p in private if _below(p, root)]
        granted += readable_tree(inside, root) if inside else [root]
    granted += list(view.package_members)
    granted += [os.path.realpath(p) for p in allowlist.ETC_COPIED if os.path.exists(p)]
    granted += [os.path.realpath(p) for p in PROC_READABLE if os.path.exists(p)]
    return list(dict.fromkeys(granted))


def _below(path: str, folder: str) -> bool:
    return path != folder and path.startswith(folder.rstrip(os.sep) + os.sep)


def readable_tree(hidden: list[str], root: str = os.sep) -> list[str]:
    """The paths to grant reading to so that all of ``root`` is readable except ``hidden``: ``root``
    itself if nothing is hidden, else every sibling along the way down to each hidden folder."""
    hidden_parts = {_parts(h) for h in hidden if os.path.exists(h)}
    hidden_parts.discard(())
    granted: list[str] = []

    def walk(prefix: tuple[str, ...], hiding: set[tuple[str, ...]]) -> None:
        if prefix in hiding:
            return  # hidden: nothing under it
        below = {h for h in hiding if h[: len(prefix)] == prefix and len(h) > len(prefix)}
        folder = os.sep + os.sep.join(prefix)
        if not below:
            granted.append(folder)
            return
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return
        for name in names:
            walk((*prefix, name), below)

    walk(_parts(root), hidden_parts)
    return granted


def _parts(path: str) -> tuple[str, ...]:
    return tuple(p for p in os.path.realpath(path).split(os.sep) if p)


def _allow(libc, ruleset: int, path: str, access: int) -> bool:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return True  # gone since it was listed: nothing to allow
    try:
        if not os.path.isdir(path):
            access &= ~(
                READ_DIR
                | REMOVE_DIR
                | REMOVE_FILE
                | MAKE_CHAR
                | MAKE_DIR
                | MAKE_REG
                | MAKE_SOCK
                | MAKE_FIFO
                | MAKE_BLOCK
                | MAKE_SYM
                | REFER
            )
        rule = _PathBeneath(allowed_access=access, parent_fd=fd)
        return (
            libc.syscall(
                SYS_ADD_RULE,
                ctypes.c_int(ruleset),
                ctypes.c_int(RULE_PATH_BENEATH),
                ctypes.byref(rule),
                ctypes.c_uint32(0),
            )
            == 0
        )
    finally:
        os.close(fd)
