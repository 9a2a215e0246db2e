"""Resource limits for the worker process.

The client passes the limits in environment variables; the worker applies them
to itself before it imports any learner code. ``RLIMIT_DATA`` rather than
``RLIMIT_AS``: TensorFlow reserves large address ranges at import and aborts
under an address-space cap of 2 GiB, while a data cap of 1 GiB still lets it
import and train a small model (measured on this project's machines).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

try:
    import resource
except ImportError:  # pragma: no cover - not on POSIX
    resource = None  # type: ignore[assignment]

MiB = 1024 * 1024


@dataclass(frozen=True)
class WorkerLimits:
    """Caps for one worker process. ``0`` means "leave as it is"."""

    memory_mb: int = 2048
    file_size_mb: int = 256
    cpu_seconds: int = 0
    extra_tasks: int = 512  # processes + threads the worker may add to what its user already runs

    def to_env(self) -> dict[str, str]:
        return {
            "KERASDRILL_MEMORY_MB": str(self.memory_mb),
            "KERASDRILL_FILE_SIZE_MB": str(self.file_size_mb),
            "KERASDRILL_CPU_SECONDS": str(self.cpu_seconds),
            "KERASDRILL_EXTRA_TASKS": str(self.extra_tasks),
        }

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> WorkerLimits:
        env = os.environ if environ is None else environ
        return cls(
            memory_mb=int(env.get("KERASDRILL_MEMORY_MB", cls.memory_mb)),
            file_size_mb=int(env.get("KERASDRILL_FILE_SIZE_MB", cls.file_size_mb)),
            cpu_seconds=int(env.get("KERASDRILL_CPU_SECONDS", cls.cpu_seconds)),
            extra_tasks=int(env.get("KERASDRILL_EXTRA_TASKS", cls.extra_tasks)),
        )


def _cap(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError):
        pass


def cap_memory(memory_mb: int) -> None:
    """Cap this process's data (heap and private mappings) at ``memory_mb``; no core files."""
    if resource is None:
        return
    _cap(resource.RLIMIT_CORE, 0)
    _cap(resource.RLIMIT_DATA, memory_mb * MiB)


def apply_worker_limits(limits: WorkerLimits | None = None) -> None:
    """Apply ``limits`` (default: from the environment) to the current process."""
    if resource is None:
        return
    limits = limits or WorkerLimits.from_env()
    _cap(resource.RLIMIT_CORE, 0)
    if limits.memory_mb:
        cap_memory(limits.memory_mb)
    if limits.file_size_mb:
        import signal

        # Writing past the cap then raises OSError(EFBIG) in the learner's code
        # instead of killing the worker with SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _cap(resource.RLIMIT_FSIZE, limits.file_size_mb * MiB)
    if limits.cpu_seconds:
        _cap(resource.RLIMIT_CPU, limits.cpu_seconds)
    if limits.extra_tasks:
        _limit_tasks(limits.extra_tasks)


def tasks_of_user(uid: int) -> int:
    """Processes and threads the user ``uid`` runs now (what RLIMIT_NPROC counts)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                total += int(fields.get("Threads", "1"))
        except (OSError, KeyError, ValueError):
            continue
    return total


PIDS_CGROUP_ROOT = "/sys/fs/cgroup/pids"


def pids_cgroup_path(name: str) -> str:
    return os.path.join(PIDS_CGROUP_ROOT, name)


def _join_pids_cgroup(name: str, limit: int) -> bool:
    """Root ignores RLIMIT_NPROC, so cap root's worker with a pids cgroup (v1) where one is writable."""
    path = pids_cgroup_path(name)
    try:
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "pids.max"), "w") as handle:
            handle.write(str(limit))
        with open(os.path.join(path, "cgroup.procs"), "w") as handle:
            handle.write(str(os.getpid()))
        return True
    except OSError:
        return False


def remove_pids_cgroup(name: str) -> None:
    """Remove a worker's pids cgroup once its processes are gone (best effort)."""
    path = pids_cgroup_path(name)
    if not os.path.isdir(path):
        return
    import time

    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.02)


def _limit_tasks(extra: int) -> None:
    """Cap new processes/threads (a fork bomb hits the cap instead of the machine)."""
    if not os.path.isdir("/proc"):
        return
    if os.geteuid() == 0:
        name = os.environ.get("KERASDRILL_CGROUP")
        if name:
            _join_pids_cgroup(name, extra)
        return
    _cap(resource.RLIMIT_NPROC, tasks_of_user(os.getuid()) + extra)
