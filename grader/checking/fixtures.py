"""The pytest side of a :class:`~grader.checking.plugin.CheckCollector`: the fixtures checks ask for, and
the hook that hands each test's report to the collector.

Apart from :mod:`grader.checking.plugin` because pytest's decorators need pytest at class definition:
here it is imported when the checks run (:func:`grader.checking.runner.run_checks`), so importing the
engine imports no pytest, and the grading process starts the learner's worker before it pays for pytest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from grader.checking.deferred import deferral_allowed
from grader.checking.plugin import CheckCollector, trains
from grader.sandbox.client import Learner


class CollectorFixtures:
    """pytest plugin object beside ``collector``: ``learner``, ``learner_definitions``, ``rng``, ``seed``."""

    def __init__(self, collector: CheckCollector) -> None:
        self.collector = collector

    @pytest.fixture
    def learner(self, request: pytest.FixtureRequest) -> Learner:
        collector = self.collector
        marker = request.node.get_closest_marker("check")
        timeout = (marker.kwargs.get("timeout") if marker else None) or collector.call_timeout
        return Learner(collector.client, timeout=timeout, seed=collector.seed_for(request.node))

    @pytest.fixture
    def learner_definitions(self, request: pytest.FixtureRequest) -> Iterator[Learner]:
        """The learner's functions in a fresh worker that imported only the module's imports, literal
        constants and function definitions (:func:`~grader.submissions.definitions.definitions_only`).

        For a check that observes a function through a probe: no module-level code of the learner's
        can replace the probe or prepare what it observes. Costs one more worker (a fork when warm).
        """
        from grader.sandbox.session import new_session, remove_tree
        from grader.submissions.definitions import definitions_only

        collector = self.collector
        marker = request.node.get_closest_marker("check")
        timeout = (marker.kwargs.get("timeout") if marker else None) or collector.call_timeout
        session = new_session(f"kerasdrill-{collector.exercise.number:02d}defs-")
        try:
            path = os.path.join(session, f"{collector.exercise.module_name}.py")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(definitions_only(collector.module_source, collector.module_units))
            client = collector.client.alike(path, session)
            try:
                client.start()
                yield Learner(client, timeout=timeout, seed=collector.seed_for(request.node))
            finally:
                client.close()
                client.captured_output()  # what set_seed printed was already shown by the full module
        finally:
            remove_tree(session)

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> Any:
        import numpy as np

        return np.random.default_rng(self.collector.seed_for(request.node))

    @pytest.fixture
    def seed(self, request: pytest.FixtureRequest) -> int:
        return self.collector.seed_for(request.node)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        if trains(item):  # its fit_and_score may hand the training on and be settled after the other checks
            with deferral_allowed():
                yield
        else:
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        outcome = yield
        self.collector.record(item, call, outcome.get_result())
