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
- :func:`new_namespaces`: as root, the learner's processes live in PID, mount,
  network and IPC namespaces of their own, so ``kill(-1)`` cannot reach the grader,
  the kernel ends everything they started when the worker ends, and a shared-memory
  segment dies with them; the mount namespace carries the allowlisted root
  (:func:`allowlisted_root`, from :mod:`grader.sandbox.allowlist`), the worker then
  becomes an unprivileged user (:func:`become_worker_user`) and
  :func:`drop_all_capabilities` makes it final.

Each returns whether it took effect; none raises.
"""

from __future__ import annotations

import os
import sys

from grader.sandbox import allowlist
from grader.sandbox.allowlist import View

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


def die_with_parent(signal_number: int | None = None, *, parent: int | None = None) -> bool:
    """Get ``signal_number`` (SIGKILL) when the parent dies: the worker with its launcher (as the
    first process of a PID namespace, taking everything in it along), the launcher, fork server
    and trainers with the process that started them, a batch's grading processes with ``grade``
    (SIGTERM: they remove their session folders first). The seccomp filter keeps learner code
    from undoing it. With ``parent``, a parent already gone (before the signal was set) ends this
    process at once."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import signal

        done = _libc().prctl(PR_SET_PDEATHSIG, signal_number or signal.SIGKILL, 0, 0, 0) == 0
    except Exception:
        return False
    if parent is not None and os.getppid() != parent:
        os._exit(0)  # orphaned before the death signal was set: nobody waits for this process
    return done


def outlive_parent() -> None:
    """Undo :func:`die_with_parent`: a warm server's spare child, once handed a ``grade``, follows that
    ``grade`` (through its pipes), not the server that forked it."""
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0)
        except Exception:
            pass


# ----------------------------------------------------------------------------- the worker's own view

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWIPC = 0x08000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> bool:
    libc = _libc()
    enc = [None if v is None else v.encode() for v in (source, target, fstype, data)]
    return libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) == 0


def new_namespaces(*, skip: bool = False) -> dict[str, bool]:
    """As root, give this process's next child its own PID, mount, network and IPC namespaces.

    The network namespace has only a loopback that is down: no connection to anything, the
    grading machine's own services included. The IPC namespace takes every System V segment,
    queue and semaphore the learner made with it when the worker ends.
    """
    names = (
        ("pid namespace", CLONE_NEWPID),
        ("mount namespace", CLONE_NEWNS),
        ("no network", CLONE_NEWNET),
        ("own IPC", CLONE_NEWIPC),
    )
    done = {name: False for name, _ in names}
    if skip or not sys.platform.startswith("linux") or not _is_root():
        return done
    libc = _libc()
    for name, flag in names:
        try:
            done[name] = libc.unshare(flag) == 0
        except Exception:
            pass
    return done


def allowlisted_root(view: View, *, proc: bool = True) -> bool:
    """Make ``view`` this mount namespace's whole file system (as root, after :func:`new_namespaces`).

    A fresh tmpfs becomes the root; each listed path is bound into it read-only at its own path
    (the package folder as an empty folder holding only its members), the session folder is bound
    writable (no exec), and ``/etc``, ``/dev``, ``/proc`` are minimal: the loader's cache and the
    local time, four devices, this PID namespace's processes. Then ``pivot_root`` and the old
    root is detached: nothing else exists for this process and what it starts. Returns whether the
    whole view is in place (on ``False`` nothing was pivoted, or the caller must not run learner code).
    """
    if not sys.platform.startswith("linux") or not _is_root():
        return False
    base = next((p for p in ("/tmp", "/mnt", "/run", "/var/tmp") if os.path.isdir(p) and not os.path.islink(p)), None)
    if base is None or not _mount(None, "/", None, MS_REC | MS_PRIVATE):  # nothing propagates back to the host
        return False
    devices = [d for d in allowlist.DEVICES if os.path.exists(d)]
    sources = [*view.read_only, *view.package_members, *devices, view.writable]
    etc = _etc_files(view)
    handles: dict[str, int] = {}
    try:
        for path in dict.fromkeys(sources):  # opened before anything is mounted over them
            handles[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
        if not _mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, "size=8m,mode=0755"):
            return False
        ok = True

        def at(path: str) -> str:
            return base + path

        library = MS_RDONLY | MS_NOSUID | MS_NODEV
        for path in sorted(view.read_only, key=_depth):
            ok &= _bind(handles[path], at(path), library)
        ok &= _make_dir(at(view.package))
        ok &= _mount("tmpfs", at(view.package), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        for member in view.package_members:
            ok &= _bind(handles[member], at(member), library)
        ok &= _mount(None, at(view.package), None, MS_REMOUNT | library)
        for hole in view.holes:
            ok &= _mount("tmpfs", at(hole), "tmpfs", library | MS_NOEXEC, "size=4k,mode=0555")
        for link, target in view.links.items():
            _make_link(at(link), target)
        for name, data in etc.items():
            ok &= _write_file(at(os.path.join("/etc", name)), data)
        for device in devices:
            flags = MS_NOSUID | MS_NOEXEC | (0 if device in allowlist.WRITABLE_DEVICES else MS_RDONLY)
            ok &= _bind(handles[device], at(device), flags)
        for name, target in (
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
        ):
            _make_link(at("/dev/" + name), target)
        ok &= _bind(handles[view.writable], at(view.writable), MS_NOSUID | MS_NODEV | MS_NOEXEC)
        if proc:
            ok &= _make_dir(at("/proc")) and _mount("proc", at("/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        if not ok:
            detach(base)  # half a view is none: the caller falls back to Landlock
            return False
        _close_directories(keep=set(handles.values()))
        os.chdir(base)
        if not _pivot_root(".", "."):
            os.chdir(os.sep)
            detach(base)
            return False
        if _libc().umount2(b".", MNT_DETACH) != 0:
            return False
        os.chdir("/")
        return _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    except OSError:
        return False
    finally:
        for handle in handles.values():
            os.close(handle)


MNT_DETACH = 2
#: pivot_root(2) has no C library wrapper: its number, by machine.
_PIVOT_ROOT = {
    "x86_64": 155,
    "aarch64": 41,
    "riscv64": 41,
    "i686": 217,
    "i386": 217,
    "armv7l": 218,
    "ppc64le": 203,
    "s390x": 217,
}


def _pivot_root(new_root: str, put_old: str) -> bool:
    import platform

    number = _PIVOT_ROOT.get(platform.machine())
    if number is None:
        return False
    import ctypes

    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    return libc.syscall(number, new_root.encode(), put_old.encode()) == 0


def mount_tmpfs(path: str, options: str, flags: int = MS_NOSUID | MS_NODEV) -> bool:
    """Mount a tmpfs with ``options`` (e.g. ``size=512m,mode=0700``) on ``path``; never raises."""
    try:
        return _mount("tmpfs", path, "tmpfs", flags, options)
    except Exception:  # noqa: BLE001 - no libc mount: the caller does without
        return False


def detach(path: str) -> bool:
    """Unmount ``path`` lazily (a process still inside cannot keep it in place); never raises."""
    try:
        return _libc().umount2(path.encode(), MNT_DETACH) == 0
    except Exception:  # noqa: BLE001
        return False


def _depth(path: str) -> tuple[int, str]:
    return path.count(os.sep), path


def _make_dir(path: str) -> bool:
    """Make ``path`` and its missing parents: ``0711``, so the worker can pass through the folders
    above what it was granted but not list them (``/root`` holds ``.pyenv``, which it cannot see)."""
    try:
        missing = []
        current = path
        while not os.path.isdir(current):
            missing.append(current)
            current = os.path.dirname(current)
        for folder in reversed(missing):
            os.mkdir(folder, 0o711)
        return True
    except OSError:
        return os.path.isdir(path)  # inside a read-only bind that already holds it


def _bind(handle: int, target: str, flags: int) -> bool:
    """Bind what ``handle`` refers to at ``target`` (a folder or a file), then apply ``flags``."""
    source = f"/proc/self/fd/{handle}"
    if os.path.isdir(source):
        ready = _make_dir(target)
    else:
        ready = _make_dir(os.path.dirname(target))
        if ready and not os.path.exists(target):
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
            except OSError:
                ready = False
    if not ready or not _mount(source, target, None, MS_BIND):
        return False
    return _mount(None, target, None, MS_REMOUNT | MS_BIND | flags | _locked_flags(target))


def _make_link(path: str, target: str) -> None:
    if os.path.lexists(path):
        return  # already there (inside a bound folder)
    try:
        _make_dir(os.path.dirname(path))
        os.symlink(target, path)
    except OSError:
        pass  # inside a read-only bind: the link is there as the host has it


def _write_file(path: str, data: bytes) -> bool:
    try:
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)  # /etc: listable
        with open(path, "wb") as handle:
            handle.write(data)
        return True
    except OSError:
        return False


def _etc_files(view: View) -> dict[str, bytes]:
    """The minimal ``/etc``: the loader's cache, the local time, the worker's user and group."""
    files: dict[str, bytes] = {}
    for path in allowlist.ETC_COPIED:
        try:
            with open(path, "rb") as handle:  # localtime is a link into the zone database: its content
                files[os.path.basename(path)] = handle.read(4 * 1024 * 1024)
        except OSError:
            pass
    home = os.path.join(view.writable, "home")
    for name, text in allowlist.passwd_entries(view.uid, view.gid, home).items():
        files[name] = text.encode()
    return files


def _close_directories(keep: set[int]) -> None:
    """Close every inherited descriptor of a folder: one would lead back out of the new root."""
    import stat

    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd in keep:
            continue
        try:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def become_worker_user(session_dir: str, uid: int = allowlist.WORKER_UID, gid: int = allowlist.WORKER_GID) -> bool:
    """As root: hand the session's folders to the worker's own user, then become that user (no
    supplementary groups). Every capability is lost with uid 0; call :func:`drop_all_capabilities`
    before, for the bounding set."""
    if not sys.platform.startswith("linux") or not _is_root():
        return False
    try:
        for folder in [session_dir, *(os.path.join(session_dir, n) for n in os.listdir(session_dir))]:
            if os.path.isdir(folder) and not os.path.islink(folder):
                os.chown(folder, uid, gid)
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        return os.getuid() == uid and os.geteuid() == uid
    except OSError:
        return False


def drop_bounding_set() -> None:
    """Empty the capability bounding and ambient sets (needs ``CAP_SETPCAP``: call it while root)."""
    libc = _libc()
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            last = int(handle.read())
    except (OSError, ValueError):
        last = 40
    for cap in range(last + 1):
        libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)


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
        drop_bounding_set()

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


def _locked_flags(point: str) -> int:
    """The flags a bind remount must keep (the kernel refuses to drop nosuid/nodev/noexec)."""
    try:
        flags = os.statvfs(point).f_flag
    except OSError:
        return 0
    pairs = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC))
    return sum(mount_flag for statvfs_flag, mount_flag in pairs if flags & statvfs_flag)
