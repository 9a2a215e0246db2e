"""Shared fixtures for the self-tests."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def pytest_configure(config):
    # Self-tests import checks modules directly; their @check marker is the one the grader registers.
    from grader.checking.api import CHECK_MARKER

    config.addinivalue_line("markers", CHECK_MARKER)
