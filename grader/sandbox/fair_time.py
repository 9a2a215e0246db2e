"""Time limits on a worker that count its own time, not the time it waited for a CPU others held.

A batch runs several learners' workers side by side (one being graded, the next ones importing
meanwhile), so on a busy machine a worker can be ready to run and still wait for a CPU. Linux
counts that wait per thread (``/proc/<pid>/schedstat``, second field, in ns). A
:class:`FairDeadline` moves its end on by the worker's main thread's wait, up to :data:`MOST`
times the limit in all, so the same file gets the same verdict alone and in a crowded batch, and a
hopelessly overloaded machine still ends every call. Sleeping is not waiting for a CPU: a file that sleeps
still uses up its time. Where ``/proc`` tells nothing (not Linux), the limit is plain wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MOST = 3  # a limit of 30 s ends after 90 s of wall time, however busy the machine


def worker_pid(launcher_pid: int) -> int | None:
    """The worker under its launcher (the launcher's one child), ``None`` until it has been forked."""
    try:
        with open(f"/proc/{launcher_pid}/task/{launcher_pid}/children", encoding="ascii") as handle:
            children = handle.read().split()
    except OSError:
        return None
    return int(children[0]) if children else None


def cpu_wait_s(pid: int | None) -> float:
    """How long ``pid``'s main thread has waited, ready to run, for a CPU (0 if unknown)."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as handle:
            return int(handle.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


class FairDeadline:
    """``seconds`` from ``start`` (default: now) of the worker's own time; see the module docstring.

    ``pid`` returns the worker's pid (``None`` while unknown); its wait is counted from ``waited``
    (what :func:`cpu_wait_s` said at ``start``; 0 for a worker started then).
    """

    def __init__(
        self,
        seconds: float,
        pid: Callable[[], int | None],
        *,
        start: float | None = None,
        waited: float = 0.0,
    ) -> None:
        self.start = time.monotonic() if start is None else start
        self.end = self.start + seconds
        self.latest = self.start + MOST * seconds
        self._pid = pid
        self._waited = waited

    def remaining(self) -> float:
        """Seconds left (``<= 0``: the time is up); reads ``/proc`` only once the plain limit is reached."""
        left = self.end - time.monotonic()
        if left > 0 or self.end >= self.latest:
            return left
        waited = cpu_wait_s(self._pid())
        if waited > self._waited:
            self.end = min(self.end + (waited - self._waited), self.latest)
            self._waited = waited
        return self.end - time.monotonic()
