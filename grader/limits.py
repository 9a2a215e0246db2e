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

    def to_env(self) -> dict[str, str]:
        return {
            "KERASDRILL_MEMORY_MB": str(self.memory_mb),
            "KERASDRILL_FILE_SIZE_MB": str(self.file_size_mb),
            "KERASDRILL_CPU_SECONDS": str(self.cpu_seconds),
        }

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "WorkerLimits":
        env = os.environ if environ is None else environ
        return cls(
            memory_mb=int(env.get("KERASDRILL_MEMORY_MB", cls.memory_mb)),
            file_size_mb=int(env.get("KERASDRILL_FILE_SIZE_MB", cls.file_size_mb)),
            cpu_seconds=int(env.get("KERASDRILL_CPU_SECONDS", cls.cpu_seconds)),
        )


def _cap(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    try:
        resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError):
        pass


def apply_worker_limits(limits: WorkerLimits | None = None) -> None:
    """Apply ``limits`` (default: from the environment) to the current process."""
    if resource is None:
        return
    limits = limits or WorkerLimits.from_env()
    _cap(resource.RLIMIT_CORE, 0)
    if limits.memory_mb:
        _cap(resource.RLIMIT_DATA, limits.memory_mb * MiB)
    if limits.file_size_mb:
        import signal

        # Writing past the cap then raises OSError(EFBIG) in the learner's code
        # instead of killing the worker with SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _cap(resource.RLIMIT_FSIZE, limits.file_size_mb * MiB)
    if limits.cpu_seconds:
        _cap(resource.RLIMIT_CPU, limits.cpu_seconds)
