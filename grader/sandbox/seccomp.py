"""A seccomp filter for the worker, through the system's libseccomp (ctypes; no new dependency).

The learner's code gets ``EPERM`` for what no exercise needs and a sandbox must keep: new
sockets (no network, no talking to a helper), changing its own limits, leaving its session or
process group (``setsid``/``setpgid``) or its parent-death signal, tracing, namespaces and
mounts, kernel keys, BPF, new user namespaces through ``clone``, and memory that no limit of an
ordinary user counts: System V shared memory, queues and semaphores, ``memfd_create`` and shared
anonymous mappings. ``clone3`` answers ``ENOSYS``, so the C library falls back to ``clone``, whose
flags the filter can see. Reading a limit stays allowed (``prlimit64`` with no new value is how
``getrlimit`` is made).

Where libseccomp is missing the worker runs without this layer, and says so.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import sys

SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_ACT_ERRNO = 0x00050000
SCMP_FLTATR_CTL_TSYNC = 4
SCMP_CMP_NE, SCMP_CMP_EQ, SCMP_CMP_MASKED_EQ = 1, 4, 7
PR_SET_PDEATHSIG = 1
CLONE_NAMESPACES = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)

BLOCKED = (
    "socket",
    "socketpair",
    "setrlimit",
    "setsid",
    "setpgid",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "unshare",
    "setns",
    "pivot_root",
    "chroot",
    "bpf",
    "keyctl",
    "add_key",
    "request_key",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "kexec_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "open_by_handle_at",
    "name_to_handle_at",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
    # memory no limit counts for an ordinary user (RLIMIT_DATA counts private memory only): System V
    # segments outlive the worker on the host's IPC namespace, memfd files live in RAM
    "shmget",
    "shmat",
    "msgget",
    "semget",
    "memfd_create",
    "memfd_secret",
)
MAP_SHARED, MAP_ANONYMOUS = 0x01, 0x20
SONAME = "libseccomp.so.2"


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


@functools.cache
def _library():
    try:  # the soname every libseccomp 2.x has, found by the loader's cache: no process started
        lib = ctypes.CDLL(SONAME, use_errno=True)
    except OSError:  # elsewhere (another soname): find_library asks ldconfig, ~10 ms before each worker starts
        from ctypes.util import find_library

        lib = ctypes.CDLL(find_library("seccomp") or SONAME, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


def available() -> bool:
    """Whether this machine has libseccomp (the layer can be used)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        _library()
        return True
    except OSError:
        return False


def install() -> bool:
    """Load the filter into this process (and every thread and child it will have). Never raises."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        lib = _library()
    except OSError:
        return False
    ctx = lib.seccomp_init(SCMP_ACT_ALLOW)
    if not ctx:
        return False
    try:
        deny = SCMP_ACT_ERRNO | errno.EPERM

        def rule(name: str, action: int, *conditions: tuple[int, int, int, int]) -> bool:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:  # not a system call on this architecture
                return True
            array = (_ArgCmp * max(1, len(conditions)))(*(_ArgCmp(*c) for c in conditions))
            return lib.seccomp_rule_add_array(ctx, action, number, len(conditions), array) == 0

        ok = lib.seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) == 0
        for name in BLOCKED:
            ok &= rule(name, deny)
        ok &= rule("prlimit64", deny, (2, SCMP_CMP_NE, 0, 0))  # setting a limit; reading one stays allowed
        shared_anonymous = MAP_SHARED | MAP_ANONYMOUS  # RAM no rlimit counts: refused (private mappings stay)
        ok &= rule("mmap", deny, (3, SCMP_CMP_MASKED_EQ, shared_anonymous, shared_anonymous))
        for flag in CLONE_NAMESPACES:
            ok &= rule("clone", deny, (0, SCMP_CMP_MASKED_EQ, flag, flag))
        ok &= rule("clone3", SCMP_ACT_ERRNO | errno.ENOSYS)
        ok &= rule("prctl", deny, (0, SCMP_CMP_EQ, PR_SET_PDEATHSIG, 0))  # the worker dies with its launcher
        return bool(ok) and lib.seccomp_load(ctx) == 0
    except Exception:  # noqa: BLE001 - a layer that cannot be set is reported as missing, never fatal
        return False
    finally:
        lib.seccomp_release(ctx)
