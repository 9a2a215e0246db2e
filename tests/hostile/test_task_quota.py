"""One learner's fork loop costs another learner nothing (root's workers each have a user of their own).

The kernel counts ``RLIMIT_NPROC`` per user. As root every worker used to drop to ``nobody``, so a learner
whose code forked until refused held the quota of every worker on the machine: in a batch, the learners
graded beside it could not start a thread, and a model exercise's worker (TensorFlow starts threads) died
on their correct code, 0 points with "your code crashed". Now a worker becomes its own user
(:func:`grader.sandbox.allowlist.worker_ids`), and its tasks are counted apart.

Before the fix this test failed: the honest learner's exercise-02 solution scored 0 of 12 (checked against
the launcher of the commit before it).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from support import solution_source, wait_for

from grader.engine import grade_exercise, start_exercise
from grader.registry import find_exercise
from grader.sandbox import allowlist
from grader.sandbox.limits import WorkerLimits
from grader.submissions import Submission

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or os.environ.get("KERASDRILL_UNPRIVILEGED_SANDBOX") == "1",
        reason="as an ordinary user a worker runs as that user: only root can give each worker a user of its own",
    ),
]

FORK_LOOP = (
    "import os, time\n"
    "for _ in range(100000):\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            time.sleep(120)\n"
    "            os._exit(0)\n"
    "    except OSError:\n"
    "        break\n"
    "time.sleep(120)\n"
)


def _worker_tasks() -> int:
    """Threads and processes of workers now running (their users: nobody, or a worker's own)."""
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text().splitlines()
            uid = int(next(line for line in status if line.startswith("Uid:")).split()[1])
            threads = len(list((entry / "task").iterdir()))
        except (OSError, StopIteration, ValueError):
            continue
        if uid == allowlist.WORKER_UID or uid >= allowlist.WORKER_ID_BASE:
            count += threads
    return count


def _holds_its_quota(floor: int) -> bool:
    before = _worker_tasks()
    time.sleep(0.5)
    return before >= floor and _worker_tasks() == before  # no longer growing: refused at the cap


def test_a_fork_loop_leaves_the_learner_graded_beside_it_every_point(tmp_path):
    looping, honest = find_exercise("exercise-05"), find_exercise("exercise-02")
    (tmp_path / "ada").mkdir()
    (tmp_path / "bob").mkdir()
    ada = tmp_path / "ada" / looping.file_name
    ada.write_text(FORK_LOOP + solution_source(looping), encoding="utf-8")
    bob = tmp_path / "bob" / honest.file_name
    bob.write_text(solution_source(honest), encoding="utf-8")

    forking = start_exercise(looping, Submission(ada))  # its worker imports the file: forks until refused
    try:
        quota = WorkerLimits().extra_tasks
        assert wait_for(lambda: _holds_its_quota(quota * 3 // 4), 90), f"the fork loop holds {_worker_tasks()} tasks"
        result = grade_exercise(honest, Submission(bob))
    finally:
        forking.close()
    failed = {c.name: c.message for c in result.checks if c.status != "passed"}
    assert result.score == honest.max_score, failed
