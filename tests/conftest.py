"""Shared fixtures for the self-tests."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def pytest_configure(config):
    # Self-tests import checks modules directly; their @check marker is the one the grader registers.
    from grader.checking.api import CHECK_MARKER

    config.addinivalue_line("markers", CHECK_MARKER)


#: Most pytest-xdist workers for ``-n auto`` (pyproject's default): one per CPU, at most this many. Each worker
#: runs its own grading, fork server and model training (a TensorFlow import each, and the sandbox's memory cap
#: per worker): past four, a laptop's memory fills before the suite gets faster.
MOST_WORKERS = 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    # One test file runs in this process: a file is one xdist group (below), a single worker's work anyway, and
    # starting workers would only add their start-up to a quick edit-and-run.
    files = {str(arg).split("::", 1)[0] for arg in config.args}
    if len(files) == 1 and Path(next(iter(files))).is_file():
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MOST_WORKERS))


OPT_IN = ("mutations", "extended")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    # Opt-in sets run only when asked for by name: the whole mutation suite (-m mutations; a seeded sample
    # always runs) and the fairness tests' repetitions at seeds 1 and 2 (-m extended; seed 0 always runs).
    # Every xdist worker collects and deselects alike (xdist refuses to run if two collections differ).
    asked = config.option.markexpr or ""
    left_out = [name for name in OPT_IN if name not in asked]
    dropped = [item for item in items if any(item.get_closest_marker(name) for name in left_out)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
    # --dist loadgroup (pyproject's addopts): a test file is one group, run whole on one worker, so that its module
    # fixtures and the wrong answers' grades it caches (support.grade_wrong_answer) are built once. A test that reads
    # another file's cached grades names that file's group itself (test_korean.py).
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Under pytest-xdist, a test marked ``alone`` runs while no other worker runs a test.

    Some tests hold what the whole machine shares: without the root layers, the fork loop fills the task quota
    of the user running the tests, so a model trained beside it could fail to start a thread. Every test (with its fixtures' setup and teardown) holds a shared lock on a file of this
    run; an ``alone`` test holds it exclusively. A second lock, the gate, is taken before either, so that the
    other workers' next tests do not starve a waiting ``alone`` test.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER") or not item.config.option.basetemp:
        return (yield)
    run = Path(item.config.option.basetemp).parent  # xdist gives each worker <this run's folder>/<worker>
    alone = item.get_closest_marker("alone") is not None
    with open(run / "alone.gate", "a") as gate, open(run / "alone.room", "a") as room:
        fcntl.flock(gate, fcntl.LOCK_EX)
        fcntl.flock(room, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            return (yield)
        finally:
            fcntl.flock(room, fcntl.LOCK_UN)
            fcntl.flock(gate, fcntl.LOCK_UN)
