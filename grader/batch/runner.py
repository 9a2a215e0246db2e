"""``grade batch``: a whole class graded by a few warm grading processes in parallel.

:func:`grade_class` finds the learners (:mod:`~grader.batch.layout`), hands them out in
sorted order to ``workers`` grading processes (:mod:`~grader.batch.pool`), a few learners ahead
of each (it begins them all and grades whichever's import is over first, so a file that sleeps at
import holds no one up), and collects one :class:`~grader.results.LearnerResult` per learner into
a :class:`~grader.results.ClassResult`, always in learner order, whatever finished first.

A learner's crash, timeout, syntax error, missing file or hostile code is their own row; the
batch goes on. A learner whose grading process died is graded again by a fresh one; a second
death is a fault of ours, in their row. The first Ctrl-C lets the learners being graded (those
already begun) finish and grades no more; the second stops at once. Either way the result is
returned marked incomplete, with every learner graded so far.
"""

from __future__ import annotations

import os
import platform
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from grader.batch.layout import LearnerFolder, current_files, find_learners
from grader.batch.pool import GradingProcess, fault_result, learners_at_once, options_to_dict, stop_all
from grader.engine import GradeOptions
from grader.messages import message_ref
from grader.registry import Exercise, all_exercises, exercise_version
from grader.results import ClassResult, LearnerResult

# Memory for model exercises (benchmarks/bench_batch.py, exercise-10, peak PSS of the whole tree): the batch's
# one Keras fork server and its links, paid once, ~300 MB; each grading process (it holds no TensorFlow) with
# the learners it has begun (a child forked from the server, its worker and its trainer each), ~380 MB more.
# Doubled, for the course's larger models and the sampling's misses.
MODEL_SERVER_MB = 600
MODEL_PROCESS_MB = 800
PLAIN_PROCESS_MB = 300
PROCESS_STOPPED = "the grading process stopped"


def default_workers(exercises: Sequence[Exercise]) -> tuple[int, Any]:
    """How many grading processes to run: one per CPU, fewer if memory is short; and why, if fewer
    (a :func:`~grader.messages.message_ref`, shown in the instructor's language), else ``None``."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    models = any(e.needs_tf for e in exercises)
    each, once = (MODEL_PROCESS_MB, MODEL_SERVER_MB) if models else (PLAIN_PROCESS_MB, 0)
    available = _available_mb()
    by_memory = max(1, (available - once) // each) if available else cpus
    if by_memory < cpus:
        why = message_ref("batch.fewer_workers", workers=by_memory, cpus=cpus, free=f"{available:,}", each=f"{each:,}")
        return by_memory, why
    return cpus, None


def _available_mb() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return 0


def exercises_submitted(learners: Sequence[LearnerFolder], exercises: Sequence[Exercise]) -> list[Exercise]:
    """The exercises for which at least one learner has a file, in course order."""
    return [e for e in exercises if any(learner.submission(e) is not None for learner in learners)]


def provenance(exercises: Sequence[Exercise], options: GradeOptions) -> dict[str, Any]:
    """What produced a class's grades: versions (without importing TensorFlow), seed, language."""
    import grader

    versions = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy", "pytest", "scikit-learn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = ""
    return {
        "grader_version": grader.__version__,
        "exercise_versions": {e.id: exercise_version(e) for e in exercises},
        "seed": options.seed,
        "language": options.language,
        "versions": versions,
    }


def grade_class(
    class_dir: str | os.PathLike,
    exercises: Sequence[Exercise] | None = None,
    *,
    workers: int | None = None,
    options: GradeOptions | None = None,
    skip: tuple[str | os.PathLike, ...] = (),
    on_learner: Callable[[LearnerResult, int, int], None] | None = None,
    on_interrupt: Callable[[int], None] | None = None,
    previous: ClassResult | None = None,
    shard: tuple[int, int] = (1, 1),
    learners: Sequence[LearnerFolder] | None = None,
) -> ClassResult:
    """Grade every learner of ``class_dir``; see the module docstring.

    ``exercises``: default, every exercise some learner has a file for. ``workers``: default
    :func:`default_workers`. ``skip``: folders in ``class_dir`` that are no learner's (the outputs).
    Every worker is kept out of ``class_dir`` and ``skip`` (no learner sees another's files).
    ``on_learner(result, done, total)`` is called as each learner finishes, in finishing order;
    ``on_interrupt(running)`` on the first Ctrl-C. ``previous`` (``--resume``): an earlier run's
    results; a learner whose files, and the exercises' checks, grader version and seed, are the
    same as then keeps that result without being graded again. ``shard`` ``(k, n)``: grade only
    the k-th of n parts of the class (:func:`shard_of`); the exercises are still chosen from, and
    the provenance lists, the whole class, so :func:`~grader.batch.merge.merge_results` of all n
    parts equals one unsharded run. ``learners``: the whole class's folders, instead of finding them in
    ``class_dir`` (``--due`` grades copies made at the deadline; ``class_dir`` is still hidden from workers).
    """
    everyone = list(learners) if learners is not None else find_learners(class_dir, skip=skip)
    chosen = list(exercises) if exercises else exercises_submitted(everyone, all_exercises())
    learners = shard_of(everyone, *shard)
    options = replace(
        options or GradeOptions(),
        warm_numpy=True,  # each grading process forks many learners' workers: one warm server pays off
        hidden=tuple(options.hidden if options else ()) + (str(Path(class_dir).resolve()),) + tuple(map(str, skip)),
    )
    count = workers or default_workers(chosen)[0]
    started, started_at = time.perf_counter(), _now()
    results: dict[int, LearnerResult] = {}
    tasks: queue.Queue[int] = queue.Queue()
    produced_by = provenance(chosen, options)
    produced_by["class"] = {"learners": [learner.learner for learner in everyone], "shard": list(shard)}
    reusable = _reusable(previous, chosen, produced_by)
    for index, learner in enumerate(learners):
        kept = reusable.get(learner.learner)
        if kept is not None and kept.files == current_files(learner, chosen):
            results[index] = kept
        else:
            tasks.put(index)
    stopping = threading.Event()
    lock = threading.Lock()
    warm_link = options.warm_tensorflow and any(exercise.needs_tf for exercise in chosen)
    processes = [GradingProcess(warm_link=warm_link) for _ in range(min(count, len(learners)) or 1)]
    base = {"exercises": [e.id for e in chosen], "options": options_to_dict(options)}

    at_once = learners_at_once(chosen)
    in_flight: set[int] = set()  # sent to a grading process, no result yet
    lost: dict[int, int] = {}  # how many grading processes died while holding each learner

    def work(process: GradingProcess) -> None:
        sent: set[int] = set()
        while True:
            while not stopping.is_set() and len(sent) < at_once:
                try:
                    index = tasks.get_nowait()
                except queue.Empty:
                    break
                learner = learners[index]
                request = {**base, "index": index, "learner": learner.learner, "folder": str(learner.folder)}
                request["root"] = str(learner.root) if learner.root is not None else None
                if not process.send(request):
                    tasks.put(index)
                    break
                sent.add(index)
                with lock:
                    in_flight.add(index)
            if not sent:
                return
            finished = process.receive()
            if finished is None:  # the grading process died, holding ``sent``
                if stopping.is_set():
                    return  # stopped by the second Ctrl-C: not graded, not a fault
                for index in sorted(sent):  # each goes to a fresh process; twice is a fault in their row
                    lost[index] = lost.get(index, 0) + 1
                    if lost[index] < 2:
                        tasks.put(index)
                    else:
                        _record(index, LearnerResult.from_dict(fault_result(learners[index].learner, PROCESS_STOPPED)))
                with lock:
                    in_flight.difference_update(sent)
                sent.clear()
                continue
            index, reply = finished
            sent.discard(index)
            _record(index, LearnerResult.from_dict(reply))

    def _record(index: int, result: LearnerResult) -> None:
        with lock:
            results[index] = result
            in_flight.discard(index)
            done = len(results)
        if on_learner is not None:
            on_learner(result, done, len(learners))

    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in processes]
    for thread in threads:
        thread.start()
    interrupted = False
    try:
        try:
            _join(threads)
        except KeyboardInterrupt:
            interrupted = True
            stopping.set()
            if on_interrupt is not None:
                on_interrupt(len(in_flight))
            _join(threads)
    except KeyboardInterrupt:  # the second Ctrl-C: stop the learners being graded too
        for process in processes:
            process.stop(grace_s=0)
    finally:
        stop_all(processes)
    ordered = [results[i] for i in sorted(results)]
    return ClassResult(
        learners=ordered,
        exercises=[e.id for e in chosen],
        max_points={e.id: e.max_score for e in chosen},
        provenance={
            **produced_by,
            "started": started_at,
            "finished": _now(),
            "workers": len(processes),
        },
        duration_s=time.perf_counter() - started,
        complete=not interrupted and len(ordered) == len(learners),
    )


def shard_of(learners: Sequence[LearnerFolder], k: int, n: int) -> list[LearnerFolder]:
    """The k-th (1-based) of ``n`` shards of the class: every n-th learner in sorted order, starting
    at the k-th. Deterministic, the shards' sizes differ by at most one, and a class's slow or heavy
    learners (often neighbours, e.g. one assignment's clones) spread over the shards."""
    if not 1 <= k <= n:
        raise ValueError(f"shard {k}/{n}: k must be between 1 and n")
    return list(learners[k - 1 :: n])


def _reusable(previous: ClassResult | None, exercises: Sequence[Exercise], now: dict[str, Any]) -> dict:
    """The learners of ``previous`` whose results still hold: same grader, checks, seed and exercises
    (``now``: this batch's :func:`provenance`)."""
    if previous is None:
        return {}
    then = previous.provenance
    same = all(then.get(key) == now[key] for key in ("grader_version", "exercise_versions", "seed", "language"))
    if not same or previous.exercises != [e.id for e in exercises]:
        return {}
    return {learner.learner: learner for learner in previous.learners if not learner.internal_error}


def _join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        while thread.is_alive():
            thread.join(0.2)  # short waits, so Ctrl-C is seen at once


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
