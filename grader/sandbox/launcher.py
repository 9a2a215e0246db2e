"""The worker's launcher: one small process between the grading process and the worker.

``python -s -c "...; from grader.sandbox.launcher import launch; launch()" REQUEST_FD REPLY_FD SESSION_DIR``
(or a fork of the fork server) runs :func:`launch`. It gives up what learner code must not have
(``CAP_SYS_PTRACE``; as root, the grader's PID, mount, network and IPC namespaces), forks the worker
and waits for it, so the learner's ``os.getppid()`` is this process, never the grader. The worker,
still root, joins its cgroups and makes the allowlist (:mod:`grader.sandbox.allowlist`) its whole
file system before :func:`grader.sandbox.worker.main` runs.
"""

from __future__ import annotations

import os
import sys

from grader.sandbox import allowlist, isolation, limits, seccomp
from grader.sandbox.environment import HIDE_VARIABLE, UNPRIVILEGED_VARIABLE
from grader.sandbox.worker import main


def launch(argv: list[str] | None = None) -> None:
    """Start the worker one process below this one and wait for it.

    The learner's code then has this small process as its parent, so
    ``os.kill(os.getppid(), SIGKILL)`` cannot reach the grader; its exit status
    (or signal) is passed on unchanged.
    """
    argv = list(argv or sys.argv[1:])
    isolation.die_with_parent()  # with the grading process or the fork server that started it
    hidden = [p for p in os.environ.pop(HIDE_VARIABLE, "").split(os.pathsep) if p]
    unprivileged = os.environ.pop(UNPRIVILEGED_VARIABLE, "") == "1"
    layers: dict[str, bool] = isolation.new_namespaces(skip=unprivileged)
    isolation.drop_ptrace_capability()  # after unshare, which needs root; before any learner code
    ids = allowlist.worker_ids(os.getpid())  # the worker's own user as root: its tasks are counted apart
    child = os.fork()
    if child == 0:
        try:
            isolation.die_with_parent()  # a killed launcher takes the worker (and its PID namespace) along
            view = allowlist.worker_view(argv[2], hidden, ids)
            # while /sys/fs/cgroup and the system's tools are still in sight
            layers.update(
                limits.join_cgroups(
                    limits.WorkerLimits.from_env(), os.environ.get("KERASDRILL_CGROUP", ""), memory=not unprivileged
                )
            )
            seccomp.available()
            layers["allowlisted files"] = layers["mount namespace"] and isolation.allowlisted_root(
                view, proc=os.getpid() == 1
            )
            main(argv, layers, view=view)
        finally:
            os._exit(70)
    for fd in argv[:2]:  # only the worker holds the protocol pipes, so its death is seen at once
        try:
            os.close(int(fd))
        except OSError:
            pass
    _, status = os.waitpid(child, 0)  # retried by Python on EINTR (PEP 475)
    if os.WIFSIGNALED(status):
        import signal

        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)
