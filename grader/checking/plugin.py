"""The pytest plugin that runs one exercise's hidden checks and collects outcomes.

It is passed to ``pytest.main(args, plugins=[plugin, CollectorFixtures(plugin)])`` by the runner. It
registers the ``check`` marker and turns each test's outcome into a :class:`grader.results.CheckResult`;
its ``learner``, ``rng`` and ``seed`` fixtures and its report hook are in :mod:`grader.checking.fixtures`,
which imports pytest (this module does not, so neither does importing the engine: the worker starts
first, and pytest is imported while it imports the submission):

* passed -> full points;
* :class:`~grader.checking.CheckFailed` or ``AssertionError`` -> ``failed``;
* :class:`~grader.outcomes.LearnerProblem` -> its own status (``error``,
  ``timeout``, or ``failed`` for "not attempted");
* any other exception -> ``error`` marked *internal*: the grader is at fault.
"""

from __future__ import annotations

import time
import traceback
import zlib
from typing import TYPE_CHECKING

from grader.checking.api import CHECK_MARKER, CheckFailed
from grader.checking.declaration import check_catalogues
from grader.checking.deferred import Deferred
from grader.checking.explain import explain
from grader.messages import Catalogue, message_ref
from grader.outcomes import LearnerProblem, LearnerTimeout, Status, SubmissionBroken
from grader.registry import CheckSource, Exercise
from grader.results import CheckResult
from grader.sandbox.client import WorkerClient

if TYPE_CHECKING:  # pytest itself is imported when the checks run (grader.checking.fixtures)
    import pytest


def check_seed(base_seed: int, exercise_id: str, check_name: str) -> int:
    """A stable per-check seed: the same run seed always draws the same inputs."""
    return zlib.crc32(f"{base_seed}:{exercise_id}:{check_name}".encode()) & 0x7FFFFFFF


class CheckCollector:
    """pytest plugin object for one exercise and one worker."""

    def __init__(
        self,
        *,
        exercise: Exercise,
        client: WorkerClient,
        language: str,
        call_timeout: float,
        base_seed: int = 0,
        module_source: str = "",
        module_units: list[tuple[int, int]] | None = None,
    ) -> None:
        self.exercise = exercise
        self.module_source = module_source  # the module the worker imported, as the grading side wrote it
        self.module_units = module_units or []  # a notebook's cells, as line ranges of module_source
        self.exercise_id = exercise.id
        self.client = client
        self.language = language
        self.call_timeout = call_timeout
        self.base_seed = base_seed
        self.results: dict[str, CheckResult] = {}
        self.order: list[str] = []
        self.collection_errors: list[str] = []
        self._started: dict[str, float] = {}
        self.pending: dict[str, tuple[int, Deferred, float]] = {}  # checks whose verdict comes later
        self._names = check_catalogues(exercise, language)  # result name -> (its catalogue, its name there)
        self.use_source(exercise.sources[0])

    def use_source(self, source: CheckSource) -> None:
        """Collect the next pytest run's checks as coming from ``source`` (the runner calls this)."""
        self.source = source
        self.catalogue = Catalogue(self.language, source.directory)

    def result_name(self, item: pytest.Item) -> str:
        """The name ``item``'s result is reported under (unique across the exercise's sources)."""
        name = self.source.result_name(check_name(item.name), self.exercise.root.origin)
        self._names.setdefault(name, (self.catalogue, check_name(item.name)))  # a check the source does not declare
        return name

    def seed_for(self, item: pytest.Item) -> int:
        # the exercise's own checks are seeded by their test name, other roots' by origin and name
        name = item.name if self.source.origin == self.exercise.root.origin else f"{self.source.origin}:{item.name}"
        return check_seed(self.base_seed, self.exercise_id, name)

    # ------------------------------------------------------------------ hooks
    def pytest_configure(self, config: pytest.Config) -> None:
        # Results come from the exceptions themselves (pytest_runtest_makereport). pytest's own
        # report of a failure in its default style walks the syntax tree of every frame's file:
        # 11 s for a learner's syntax error in exercise 05; the native style costs nothing.
        config.option.tbstyle = "native"
        config.addinivalue_line("markers", CHECK_MARKER)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(str(report.longrepr))

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            name = self.result_name(item)
            self.order.append(name)
            self.results[name] = self._result(  # until its outcome arrives: 0 of its points, blamed on us
                name,
                Status.ERROR,
                check_points(item),
                points=0,
                message=self.catalogue.render("engine.internal", error_type="NotRun", error="the check did not run"),
                internal=True,
            )
        # Checks that train run first: their training overlaps the others (grader.checking.deferred).
        # Reported in the order written (self.order); seeds go by name, not by turn.
        items.sort(key=lambda item: not trains(item))

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._started[item.name] = time.perf_counter()

    def record(self, item: pytest.Item, call: pytest.CallInfo, report: pytest.TestReport) -> None:
        """One phase's report of ``item`` as its result (:class:`~grader.checking.fixtures.CollectorFixtures`
        passes each from pytest's ``pytest_runtest_makereport``)."""
        if call.when == "teardown" and not report.failed:
            return
        if call.when == "setup" and report.passed:
            return
        name = self.result_name(item)
        max_points = check_points(item)
        duration = time.perf_counter() - self._started.get(item.name, time.perf_counter())
        if call.when == "call" and call.excinfo is not None and isinstance(call.excinfo.value, Deferred):
            self.pending[name] = (max_points, call.excinfo.value, self._started.get(item.name, time.perf_counter()))
            return  # settled after the other checks (settle_deferred); until then "did not run"
        if call.when == "call" and report.passed:
            result = self._result(name, "passed", max_points, points=max_points)
        else:
            result = self._from_exception(name, max_points, call.excinfo.value if call.excinfo else None)
        result.duration_s = duration
        if call.when == "teardown" and name in self.results and self.results[name].status != "passed":
            return  # keep the first failure
        self.results[name] = result

    def settle_deferred(self) -> None:
        """Give every pending check (:class:`~grader.checking.deferred.Deferred`) its verdict, in the order
        they ran: each waits for its trainer, then judges as the check itself would have."""
        pending, self.pending = self.pending, {}
        try:
            while pending:
                name, (max_points, deferred, started) = next(iter(pending.items()))
                del pending[name]
                try:
                    deferred.finish()
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # noqa: BLE001 - the check's own failure, mapped as pytest's would be
                    result = self._from_exception(name, max_points, exc)
                else:
                    result = self._result(name, "passed", max_points, points=max_points)
                result.duration_s = time.perf_counter() - started
                self.results[name] = result
        finally:
            for _, deferred, _ in pending.values():  # interrupted: no trainer outlives the grade
                deferred.cancel()

    def cancel_deferred(self) -> None:
        """Stop the trainers of checks still pending (a grade that ends before settling them)."""
        pending, self.pending = self.pending, {}
        for _, deferred, _ in pending.values():
            deferred.cancel()

    # ------------------------------------------------------------------ mapping
    def _from_exception(self, name: str, max_points: int, exc: BaseException | None) -> CheckResult:
        if isinstance(exc, CheckFailed):
            return self._result(name, "failed", max_points, message_id=exc.message_id, params=exc.params)
        if isinstance(exc, SubmissionBroken) and exc.params.get("timeout"):
            return self._result(
                name, "timeout", max_points, message_id="engine.load_timeout", params=_clean(exc.params)
            )
        if isinstance(exc, LearnerTimeout) and exc.params.get("repeated"):
            return self._result(
                name, "timeout", max_points, message_id="engine.timeout_repeated", params=_clean(exc.params)
            )
        if isinstance(exc, LearnerProblem):
            params = _clean(exc.params)
            tip = explain(str(exc.params.get("error_type", "")), str(exc.params.get("error", "")))
            if tip:  # a Keras-2 habit or another mistake we recognise: the Keras 3 form, after the message
                params["tip"] = message_ref(tip)
            return self._result(
                name,
                exc.status,
                max_points,
                message_id=exc.message_id,
                params=params,
                details=exc.details,
                attempted=exc.attempted,
            )
        if isinstance(exc, AssertionError):
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else "check failed"
            return self._result(name, "failed", max_points, message=text)
        error_type = type(exc).__name__ if exc is not None else "Error"
        details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)) if exc is not None else ""
        return self._result(
            name,
            "error",
            max_points,
            message_id="engine.internal",
            params={"error_type": error_type, "error": str(exc)[:500]},
            details=details,
            internal=True,
        )

    def _result(
        self,
        name: str,
        status: str,
        max_points: int,
        *,
        points: int = 0,
        message: str = "",
        message_id: str = "",
        params: dict | None = None,
        details: str = "",
        attempted: bool = True,
        internal: bool = False,
    ) -> CheckResult:
        params = params or {}
        catalogue, bare = self._names.get(name, (self.catalogue, name))
        if message_id and not message:
            message = catalogue.render_check_message(message_id, params)
        return CheckResult(
            name=name,
            title=catalogue.check_title(bare),
            status=status,
            points=points,
            max_points=max_points,
            message=message,
            message_id=message_id,
            params=params,
            details=details,
            hints=catalogue.hints(bare) if status != "passed" else [],
            attempted=attempted,
            internal=internal,
        )

    def ordered_results(self) -> list[CheckResult]:
        return [self.results[name] for name in self.order]


def check_name(test_name: str) -> str:
    """``test_dense_params_bias`` -> ``dense_params_bias`` (parametrised ids kept)."""
    return test_name[5:] if test_name.startswith("test_") else test_name


def check_points(item: pytest.Item) -> int:
    """The points the ``@check`` marker gives ``item`` (0 without one)."""
    marker = item.get_closest_marker("check")
    return int(marker.kwargs.get("points", 0)) if marker else 0


def trains(item: pytest.Item) -> bool:
    """Whether ``item``'s ``@check`` marker says it ends by training (``trains=True``)."""
    marker = item.get_closest_marker("check")
    return bool(marker.kwargs.get("trains", False)) if marker else False


def _clean(params: dict) -> dict:
    return {k: v for k, v in params.items() if k != "traceback"}
