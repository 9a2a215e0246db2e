"""Keep the learner's code away from the grading process (Linux; best effort elsewhere).

Learner code runs as the same user as the grader, so on its own it could open
``/proc/<grader pid>/mem`` and read the expected values out of the grading
process, or write into it. Three measures close that:

- :func:`make_untraceable`: the grading process (and the fork server, whose
  children are later workers) makes itself non-dumpable, so a process of the
  same user can no longer read or write its memory or ptrace it unless it
  holds ``CAP_SYS_PTRACE``;
- :func:`drop_ptrace_capability`: as root, the worker's launcher gives that
  capability up (bounding, permitted, effective and inheritable sets) before
  any learner code runs, so nothing below it can get it back;
- :func:`new_pid_namespace`: as root, the learner's processes live in a PID
  namespace of their own, so ``kill(-1)`` cannot reach the grader and the
  kernel ends everything they started when the worker ends.

Each returns whether it took effect; none raises.
"""

from __future__ import annotations

import os
import sys

PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
CAP_SYS_PTRACE = 19
CLONE_NEWPID = 0x20000000
_CAPABILITY_VERSION_3 = 0x20080522


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def make_untraceable() -> bool:
    """Make this process non-dumpable: other processes of its user cannot read or trace it.

    Call it in the process that computes verdicts before any worker starts.
    ``exec`` resets the flag, so workers started as new programs are ordinary processes.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except Exception:
        return False


def drop_ptrace_capability() -> bool:
    """As root, give up ``CAP_SYS_PTRACE`` for this process and everything it starts.

    Without it, root's learner code is bound by the grader's non-dumpable flag like
    anyone else's. Other capabilities stay (unsharing a namespace and joining a
    cgroup need them). A no-op for other users, who do not hold it.
    """
    if not sys.platform.startswith("linux") or not _is_root():
        return False
    try:
        import ctypes

        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [
                ("effective", ctypes.c_uint32),
                ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32),
            ]

        libc = _libc()
        libc.prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0)
        header, data = Header(_CAPABILITY_VERSION_3, 0), (Data * 2)()
        if libc.capget(ctypes.byref(header), data) != 0:
            return False
        word, bit = divmod(CAP_SYS_PTRACE, 32)
        mask = ~(1 << bit) & 0xFFFFFFFF
        data[word].effective &= mask
        data[word].permitted &= mask
        data[word].inheritable &= mask
        return libc.capset(ctypes.byref(header), data) == 0
    except Exception:
        return False


def new_pid_namespace() -> bool:
    """As root, put the next child of this process in a PID namespace of its own."""
    if not sys.platform.startswith("linux") or not _is_root():
        return False
    try:
        return _libc().unshare(CLONE_NEWPID) == 0
    except Exception:
        return False
