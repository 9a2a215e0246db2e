"""Run an exercise's hidden checks under pytest, in the grading process.

One ``pytest.main`` per check source (the exercise's own folder, then each
folder another root adds), with the :class:`~grader.checking.plugin.CheckCollector`
as plugin. pytest reads no configuration of the learner's or the repository's
and loads no third-party plugin, so nothing can reorder or reseed the checks.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from grader.checking.api import CHECK_MARKER
from grader.checking.plugin import check_name, check_points
from grader.registry import CheckSource, Exercise

if TYPE_CHECKING:
    from grader.checking.plugin import CheckCollector


def pytest_args(source: CheckSource) -> list[str]:
    """The command line for one source's checks."""
    args = [
        str(source.checks_path),
        "-c",
        os.devnull,  # never read the learner's or the repo's pytest config
        "--noconftest",  # a conftest.py planted next to the checks is never imported
        "--rootdir",
        str(source.directory),
        "--confcutdir",
        str(source.directory),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "-p",
        "no:legacypath",
        # these two end every session with five full gc.collect() passes (0.2 s in a warm process,
        # more beside TensorFlow); they only warn about exceptions nobody raised to a check
        "-p",
        "no:unraisableexception",
        "-p",
        "no:threadexception",
        "-W",
        "ignore::DeprecationWarning",
    ]
    if not source.in_package:
        # Every outside folder's module is called checks.py: import each by its whole path, so that
        # two roots (or two exercises of one root) graded in one process never share a module.
        args += ["--import-mode", "importlib"]
        args[args.index("--rootdir") + 1] = os.path.abspath(os.sep)
    return args


@contextlib.contextmanager
def isolated_pytest() -> Iterator[None]:
    """No third-party pytest plugins (randomly, xdist, ...) may reorder or reseed the checks."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved


def run_checks(exercise: Exercise, collector: CheckCollector) -> int:
    """Run every source's checks through ``collector``; pytest's worst exit code."""
    import pytest

    from grader.checking.fixtures import CollectorFixtures

    worst = 0
    try:
        with isolated_pytest():
            for source in exercise.sources:
                collector.use_source(source)
                plugins = [collector, CollectorFixtures(collector)]
                worst = max(worst, int(pytest.main(pytest_args(source), plugins=plugins)))
                collector.settle_deferred()  # checks that trained while the others ran
    finally:
        collector.cancel_deferred()
    return worst


def list_checks(exercise: Exercise) -> list[tuple[str, int]]:
    """(result name, points) of every check of ``exercise``, by collecting without running."""

    class Lister:
        def __init__(self, source: CheckSource) -> None:
            self.source = source
            self.found: list[tuple[str, int]] = []

        def pytest_configure(self, config):  # noqa: ANN001
            config.addinivalue_line("markers", CHECK_MARKER)

        def pytest_collection_modifyitems(self, items):  # noqa: ANN001
            names = [self.source.result_name(check_name(item.name), exercise.root.origin) for item in items]
            self.found = [(name, check_points(item)) for name, item in zip(names, items)]

    import pytest

    found: list[tuple[str, int]] = []
    with isolated_pytest():
        for source in exercise.sources:
            lister = Lister(source)
            pytest.main([*pytest_args(source), "--collect-only"], plugins=[lister])
            found += lister.found
    return found
