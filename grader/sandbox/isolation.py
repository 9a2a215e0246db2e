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
- :func:`new_namespaces`: as root, the learner's processes live in PID, mount
  and network namespaces of their own, so ``kill(-1)`` cannot reach the grader
  and the kernel ends everything they started when the worker ends; the mount
  namespace carries the private view (:func:`private_view`,
  :func:`read_only_everywhere`), and :func:`drop_all_capabilities` makes it final.

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


def _capability_structs():
    """``struct __user_cap_header_struct`` and ``__user_cap_data_struct`` for capget/capset."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]

    return Header, Data


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

        Header, Data = _capability_structs()
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


PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Get SIGKILL when the parent (the launcher) dies: as the first process of a PID namespace,
    taking everything in it along. The seccomp filter keeps learner code from undoing it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import signal

        return _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except Exception:
        return False


# ----------------------------------------------------------------------------- the worker's own view

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
#: Shadowed by an empty read-only tmpfs in the worker's view: other sessions, other learners' files.
SHARED_TEMP = ("/tmp", "/var/tmp", "/dev/shm")
#: Mount points left writable by :func:`read_only_everywhere`, with everything under ``/proc``
#: (devices below ``/dev`` stay usable on a read-only mount anyway).
_LEFT_WRITABLE = ("/proc", "/dev")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> bool:
    libc = _libc()
    enc = [None if v is None else v.encode() for v in (source, target, fstype, data)]
    return libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) == 0


def new_namespaces(*, skip: bool = False) -> dict[str, bool]:
    """As root, give this process's next child its own PID, mount and network namespaces.

    The network namespace has only a loopback that is down: no connection to anything, the
    grading machine's own services included.
    """
    done = {"pid namespace": False, "mount namespace": False, "no network": False}
    if skip or not sys.platform.startswith("linux") or not _is_root():
        return done
    libc = _libc()
    for name, flag in (("pid namespace", CLONE_NEWPID), ("mount namespace", CLONE_NEWNS), ("no network", CLONE_NEWNET)):
        try:
            done[name] = libc.unshare(flag) == 0
        except Exception:
            pass
    return done


def private_view(session_dir: str, hidden: list[str], keep: list[str]) -> bool:
    """In a mount namespace of its own (see :func:`new_namespaces`): hide ``hidden`` (the hidden
    checks, the reference solutions, the learner's folders) and the shared temp folders behind
    empty read-only tmpfs mounts, keep ``session_dir`` and ``keep`` (the Python install, the
    grader's sandbox package) where they were, and mount a ``/proc`` that shows only this PID
    namespace. Returns whether the view is in place.
    """
    if not sys.platform.startswith("linux") or not _is_root():
        return False
    if not _mount(None, "/", None, MS_REC | MS_PRIVATE):  # nothing below propagates back to the host
        return False
    session_dir = os.path.realpath(session_dir)
    wanted = [session_dir, *(os.path.realpath(p) for p in keep if os.path.isdir(p))]
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) for path in dict.fromkeys(wanted)}
    empty = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
    ok = True
    try:
        overlays = [t for t in SHARED_TEMP if os.path.isdir(t) and not os.path.islink(t)]
        for temp in overlays:  # writable for a moment, to hold the mount points of what it shadows
            ok &= _mount("tmpfs", temp, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64k,mode=0755")
        for path, handle in sorted(handles.items(), key=lambda item: len(item[0])):  # parents first
            if not _same_dir(path, handle):  # shadowed by an overlay: bound back (a child of one is already back)
                os.makedirs(path, mode=0o700, exist_ok=True)
                ok &= _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
        for temp in overlays:
            ok &= _mount(None, temp, None, MS_REMOUNT | empty)
        done: list[str] = []
        for path in sorted({os.path.realpath(p) for p in hidden}, key=len):  # parents first
            if any(path.startswith(parent + os.sep) for parent in done):
                continue  # already inside an empty folder
            # never hide what the worker runs from (a learner's file beside the Python install)
            needed = any(k == path or k.startswith(path + os.sep) for k in wanted)
            if os.path.isdir(path) and not needed:
                ok &= _mount("tmpfs", path, "tmpfs", empty, "size=4k,mode=0555")
                done.append(path)
        if os.getpid() == 1:  # the first process of a new PID namespace: /proc shows only its own
            ok &= _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:
        ok = False
    finally:
        for handle in handles.values():
            os.close(handle)
    return bool(ok)


def _same_dir(path: str, handle: int) -> bool:
    try:
        a, b = os.stat(path), os.fstat(handle)
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)
    except OSError:
        return False


def read_only_everywhere(writable: list[str]) -> bool:
    """Make every mount in this namespace read-only except ``writable`` (the session folder).

    Called after the limits are set (joining a cgroup writes to ``/sys``). Without
    ``CAP_SYS_ADMIN`` afterwards, nothing can make them writable again.
    """
    if not sys.platform.startswith("linux") or not _is_root():
        return False
    keep = [os.path.realpath(p) for p in writable]
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as info:
            points = [line.split()[4].replace("\\040", " ") for line in info if len(line.split()) > 4]
    except OSError:
        return False
    ok = True
    for point in points:
        if point in _LEFT_WRITABLE or point.startswith("/proc/"):
            continue
        if any(point == k or point.startswith(k + os.sep) for k in keep):
            continue
        done = _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags(point))
        ok &= done or not os.path.exists(point)  # a mount shadowed by a later one is out of reach anyway
    return bool(ok)


def _locked_flags(point: str) -> int:
    try:
        flags = os.statvfs(point).f_flag
    except OSError:
        return 0
    pairs = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC))
    return sum(mount_flag for statvfs_flag, mount_flag in pairs if flags & statvfs_flag)


def drop_all_capabilities() -> bool:
    """Give up every capability for good (bounding, ambient, permitted, effective, inheritable) and
    set no-new-privileges, so neither root's worker nor a setuid program it runs gets any back."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = _libc()
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        if not _is_root() and not _holds_capabilities():
            return True
        try:
            with open("/proc/sys/kernel/cap_last_cap") as handle:
                last = int(handle.read())
        except (OSError, ValueError):
            last = 40
        for cap in range(last + 1):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)

        Header, Data = _capability_structs()
        header, data = Header(_CAPABILITY_VERSION_3, 0), (Data * 2)()
        return libc.capset(ctypes.byref(header), data) == 0 and not _holds_capabilities()
    except Exception:
        return False


def _holds_capabilities() -> bool:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16) != 0
    except (OSError, ValueError):
        pass
    return False
