"""Kernel-level isolation between the grading process and learner code (see grader/isolation.py).

The end-to-end case (learner code looking for the grader's memory) is in tests/hostile/.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux process flags")


def _run(code: str) -> str:
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


def test_the_grading_process_becomes_untraceable():
    out = _run(
        "import ctypes; from grader.sandbox import isolation\n"
        "libc = ctypes.CDLL(None)\n"
        "print(libc.prctl(3, 0, 0, 0, 0), isolation.make_untraceable(), libc.prctl(3, 0, 0, 0, 0))\n"  # PR_GET_DUMPABLE
    )
    assert out.split() == ["1", "True", "0"]


def _capabilities(status: str) -> dict[str, int]:
    return {line.split(":")[0]: int(line.split()[1], 16) for line in status.splitlines() if line.startswith("Cap")}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root holds CAP_SYS_PTRACE to drop")
def test_root_workers_drop_ptrace_and_keep_the_rest():
    out = _run(
        "from grader.sandbox import isolation\n"
        "before = open('/proc/self/status').read()\n"
        "print(isolation.drop_ptrace_capability())\n"
        "print(before + '---' + open('/proc/self/status').read())\n"
    )
    dropped, statuses = out.split("\n", 1)
    before, after = (_capabilities(part) for part in statuses.split("---"))
    ptrace = 1 << 19
    assert dropped == "True"
    assert before["CapEff"] & ptrace, "the test needs a root that holds CAP_SYS_PTRACE"
    for name in ("CapEff", "CapPrm", "CapBnd"):
        assert not after[name] & ptrace, name
        assert after[name] == before[name] & ~ptrace, name  # nothing else was given up


def test_where_namespaces_work_every_root_layer_is_in_place():
    """A layer that silently fails would turn the hostile tests into skips: as root, where the
    kernel gives a mount namespace at all, every layer must be in place (and Landlock for the
    ordinary user's set, where the kernel has it)."""
    import os

    from grader.sandbox import landlock, seccomp
    from grader.sandbox.client import sandbox_report

    root = sandbox_report()
    if os.geteuid() != 0 or not root.get("mount namespace"):
        pytest.skip("not root, or no mount namespaces on this machine: the root layers do not apply")
    assert all(root.values()), root
    user = sandbox_report(unprivileged=True)
    assert user["landlock"] == (landlock.abi_version() >= 1) and user["seccomp"] == seccomp.available(), user
