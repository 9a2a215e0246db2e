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


CGROUP_ROOT = "/sys/fs/cgroup"
PIDS_CGROUP_ROOT = os.path.join(CGROUP_ROOT, "pids")
MEMORY_CGROUP_ROOT = os.path.join(CGROUP_ROOT, "memory")


def cgroup_roots() -> list[str]:
    """Where workers' cgroups are made: v1's pids and memory hierarchies, and v2's root."""
    return [PIDS_CGROUP_ROOT, MEMORY_CGROUP_ROOT, CGROUP_ROOT]


def _cgroup_folders(name: str) -> list[str]:
    """Where a worker's cgroups live: v1's pids and memory hierarchies, or one v2 folder."""
    return [
        os.path.join(PIDS_CGROUP_ROOT, name),
        os.path.join(MEMORY_CGROUP_ROOT, name),
        os.path.join(CGROUP_ROOT, name),
    ]


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _join(folder: str, settings: list[tuple[str, str, bool]]) -> bool:
    """Make ``folder``, write its ``(file, value, required)`` settings, then move this process in."""
    try:
        os.makedirs(folder, exist_ok=True)
        for name, value, required in settings:
            path = os.path.join(folder, name)
            if required or os.path.exists(path):
                _write(path, value)
        _write(os.path.join(folder, "cgroup.procs"), str(os.getpid()))
        return True
    except OSError:
        return False


def join_cgroups(limits: WorkerLimits, name: str, *, memory: bool = True) -> dict[str, bool]:
    """As root, put this process (the worker, before any learner code) in cgroups of its own:
    pids (root ignores ``RLIMIT_NPROC``) and memory, with swap off where the kernel counts it.

    The memory cgroup counts what ``RLIMIT_DATA`` does not: shared mappings, System V segments,
    files the worker writes into a tmpfs. Call it while ``/sys/fs/cgroup`` is still in sight.
    """
    done = {"memory cgroup": False}
    if not name or os.geteuid() != 0 or not os.path.isdir(CGROUP_ROOT):
        return done
    if not memory:
        limits = WorkerLimits(memory_mb=0, extra_tasks=limits.extra_tasks)
    pids, memory, unified = _cgroup_folders(name)
    v2 = os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))
    if v2:
        settings = []
        if limits.extra_tasks:
            settings.append(("pids.max", str(limits.extra_tasks), False))
        if limits.memory_mb:
            settings += [("memory.max", str(limits.memory_mb * MiB), True), ("memory.swap.max", "0", False)]
        done["memory cgroup"] = _join(unified, settings) and bool(limits.memory_mb)
        return done
    if limits.extra_tasks and os.path.isdir(PIDS_CGROUP_ROOT):
        _join(pids, [("pids.max", str(limits.extra_tasks), True)])
    if limits.memory_mb and os.path.isdir(MEMORY_CGROUP_ROOT):
        cap = str(limits.memory_mb * MiB)
        done["memory cgroup"] = _join(
            memory,
            [
                ("memory.limit_in_bytes", cap, True),
                ("memory.memsw.limit_in_bytes", cap, False),  # memory + swap = memory: no swap
                ("memory.swappiness", "0", False),
            ],
        )
    return done


def memory_cgroup_exhausted(name: str) -> bool:
    """Whether the worker's memory cgroup hit its cap (its OOM killer ended the worker)."""
    _, memory, unified = _cgroup_folders(name)
    for path, key in (
        (os.path.join(memory, "memory.oom_control"), "oom_kill"),
        (os.path.join(unified, "memory.events"), "oom_kill"),
    ):
        try:
            with open(path, encoding="ascii") as handle:
                fields = dict(line.split() for line in handle if len(line.split()) == 2)
            if int(fields.get(key, "0")) > 0:
                return True
        except (OSError, ValueError):
            continue
    return False


def remove_cgroups(name: str) -> None:
    """Remove a worker's cgroups once its processes are gone (best effort)."""
    import time

    for path in _cgroup_folders(name):
        if not os.path.isdir(path) or path == CGROUP_ROOT:
            continue
        # busy while the killed worker is still exiting (a millisecond or two): look again soon, then
        # less often, for about a second in all as before
        pause, deadline = 0.001, time.monotonic() + 1.0
        while True:
            try:
                os.rmdir(path)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(pause)
                pause = min(pause * 2, 0.02)


def _limit_tasks(extra: int) -> None:
    """Cap new processes/threads (a fork bomb hits the cap instead of the machine). As root the
    pids cgroup does it (:func:`join_cgroups`); the limit set here holds once the worker has
    dropped to its own user."""
    if not os.path.isdir("/proc"):
        return
    if os.geteuid() == 0:
        _cap(resource.RLIMIT_NPROC, extra)
        return
    _cap(resource.RLIMIT_NPROC, tasks_of_user(os.getuid()) + extra)
