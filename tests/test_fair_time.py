"""A worker's time limits count its own time: waiting for a CPU that other learners' workers hold
(a batch runs several side by side) is not held against it, sleeping is.

Each case runs in a subprocess pinned to one CPU, beside a process that spins on that CPU, so
the worker gets about half of it: an import needing 1.5 s of CPU takes about 3 s of wall time.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CASE = """
import os, sys, time
cpu = sorted(os.sched_getaffinity(0))[0]
os.sched_setaffinity(0, {{cpu}})
hog = os.fork()
if hog == 0:
    while True:
        pass
try:
    from grader.outcomes import SubmissionBroken
    from grader.sandbox.client import WorkerClient
    path = os.path.join(sys.argv[1], "learner.py")
    with open(path, "w") as handle:
        handle.write({source!r})
    started = time.monotonic()
    with WorkerClient(path, os.path.join(sys.argv[1], "session"), load_timeout=2.0) as client:
        try:
            client.ensure_loaded()
            print("loaded", round(time.monotonic() - started, 1))
        except SubmissionBroken as broken:
            print("timed out" if broken.params.get("timeout") else "broken", round(time.monotonic() - started, 1))
finally:
    os.kill(hog, 9)
"""

SPINS = "import time\nwhile time.process_time() < 1.5:\n    pass\n"
SLEEPS = "import time\ntime.sleep(2.5)\n"


def _load(tmp_path, source: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CASE.format(source=source)), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout.strip()


def test_an_import_slowed_by_others_on_its_cpu_is_not_timed_out(tmp_path):
    outcome = _load(tmp_path, SPINS)
    assert outcome.startswith("loaded"), outcome
    assert float(outcome.split()[1]) > 2.0, f"the CPU was not shared, the case proves nothing: {outcome}"


def test_an_import_that_sleeps_past_its_limit_is_timed_out_even_on_a_busy_cpu(tmp_path):
    outcome = _load(tmp_path, SLEEPS)
    assert outcome.startswith("timed out"), outcome


@pytest.mark.parametrize("limit,waited,expected", [(2.0, 0.0, 2.0), (2.0, 1.5, 3.5), (2.0, 9.0, 6.0)])
def test_the_deadline_moves_on_by_the_wait_and_no_further_than_three_times(monkeypatch, limit, waited, expected):
    from grader.sandbox import fair_time

    now = [100.0]
    monkeypatch.setattr(fair_time.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(fair_time, "cpu_wait_s", lambda pid: waited)
    deadline = fair_time.FairDeadline(limit, lambda: 1234)
    now[0] = 100.0 + limit
    deadline.remaining()
    assert deadline.end - 100.0 == pytest.approx(expected)


def test_an_import_over_in_time_but_read_after_the_limit_is_not_timed_out(tmp_path):
    """A batch begins learners ahead and reads their import's reply when their turn comes."""
    import time

    from grader.sandbox.client import WorkerClient

    path = tmp_path / "learner.py"
    path.write_text("def f():\n    return 1\n", encoding="utf-8")
    with WorkerClient(path, tmp_path / "session", load_timeout=1.0) as client:
        client.start()
        time.sleep(1.5)  # the import took milliseconds; its reply waits in the pipe
        assert client.load_finished()
        assert client.ensure_loaded()["ok"]


def test_an_import_over_only_after_its_limit_is_timed_out_even_when_read_later(tmp_path):
    """Read late or not, the verdict is the one grading it alone gives."""
    import time

    from grader.outcomes import SubmissionBroken
    from grader.sandbox.client import WorkerClient

    path = tmp_path / "learner.py"
    path.write_text("import time\ntime.sleep(1.5)\n\ndef f():\n    return 1\n", encoding="utf-8")
    with WorkerClient(path, tmp_path / "session", load_timeout=1.0) as client:
        client.start()
        time.sleep(2.5)  # the import ended at about 1.6 s, after its limit; its reply waits in the pipe
        with pytest.raises(SubmissionBroken) as broken:
            client.ensure_loaded()
        assert broken.value.params.get("timeout")
