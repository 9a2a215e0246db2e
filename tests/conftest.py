"""Shared fixtures for the self-tests."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def pytest_configure(config):
    # Self-tests import checks modules directly; their @check marker is the one the grader registers.
    from grader.checking.api import CHECK_MARKER

    config.addinivalue_line("markers", CHECK_MARKER)


OPT_IN = ("mutations", "extended")


def pytest_collection_modifyitems(config, items):
    # Opt-in sets run only when asked for by name: the whole mutation suite (-m mutations; a seeded sample
    # always runs) and the fairness tests' repetitions at seeds 1 and 2 (-m extended; seed 0 always runs).
    asked = config.option.markexpr or ""
    left_out = [name for name in OPT_IN if name not in asked]
    dropped = [item for item in items if any(item.get_closest_marker(name) for name in left_out)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
