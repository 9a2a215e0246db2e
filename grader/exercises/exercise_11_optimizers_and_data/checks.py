"""Hidden checks for exercise 11: optimizer configs, tf.data pipelines, seeding.

Optimizers arrive as their public config (class name + get_config()); datasets
as their batches in numpy; seeding is observed by a grader-owned probe that
calls the learner's set_seed twice inside a worker that loaded only the module's
imports, constants and functions (the ``learner_definitions`` fixture: no other
top-level code can replace the probe) and compares the draws, with
each other and with those of a process the grader seeds itself (a trainer,
:func:`grader.checking.trainer.seeded_draws`): the worker's account is never trusted alone.
"""

from __future__ import annotations

import numpy as np

from grader.checking import (
    DatasetSample,
    KerasObjectSpec,
    LearnerProblem,
    LearnerRaised,
    check,
    expect,
    fail,
    message_ref,
    preview,
    type_name,
    wrong_type,
)
from grader.checking.trainer import seeded_draws
from grader.sandbox.keras_codec import MAX_DATASET_ELEMENTS

DEFAULTS = {"SGD": 0.01, "RMSprop": 0.001, "Adagrad": 0.001, "Adam": 0.001}
CLASSES = {
    "sgd": "SGD",
    "momentum": "SGD",
    "nesterov": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adam": "Adam",
}


def _optimizer(learner, name: str, **kwargs) -> tuple[str, KerasObjectSpec]:
    call = f"make_optimizer({name!r}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    value = learner.make_optimizer(name, **kwargs)
    if not isinstance(value, KerasObjectSpec):
        if isinstance(value, str):
            fail("optimizer_string", call=call, found=value)
        wrong_type(value, call, "type_optimizer")
    expected_class = CLASSES[name]
    expect(
        value.class_name == expected_class,
        "optimizer_class",
        call=call,
        found=value.class_name,
        expected=expected_class,
    )
    return call, value


def _close(a, b) -> bool:
    """a and b are the same number (a comes from the worker: anything non-numeric is simply not close)."""
    if isinstance(a, bool) or not isinstance(a, (int, float)) or b is None:
        return False
    return abs(float(a) - float(b)) <= 1e-6 * max(1.0, abs(float(b)))


@check(points=2)
def test_optimizer_classes_and_given_learning_rates(learner, rng):
    for name in CLASSES:
        learning_rate = float(rng.choice([0.003, 0.02, 0.05]))
        call, spec = _optimizer(learner, name, learning_rate=learning_rate)
        expect(
            _close(spec.config.get("learning_rate"), learning_rate),
            "optimizer_rate",
            call=call,
            found=spec.config.get("learning_rate"),
            expected=learning_rate,
        )


@check(points=2)
def test_default_learning_rates(learner):
    for name in CLASSES:
        try:
            call, spec = _optimizer(learner, name)
        except LearnerRaised as raised:
            # Keras refuses learning_rate=None ("Received instead: learning_rate=None"): the
            # learner passed the None on instead of leaving the argument out.
            if "learning_rate=None" in str(raised.params.get("error", "")):
                fail(
                    "learning_rate_none_passed",
                    call=f"make_optimizer({name!r})",
                    optimizer=CLASSES[name],
                    expected=DEFAULTS[CLASSES[name]],
                )
            raise
        expected = DEFAULTS[CLASSES[name]]
        found = spec.config.get("learning_rate")
        expect(
            _close(found, expected),
            "optimizer_default_rate",
            call=call,
            found=found,
            expected=expected,
            optimizer=CLASSES[name],
        )


@check(points=2)
def test_momentum_and_nesterov(learner, rng):
    # An explicit learning rate keeps this check about momentum only (None is judged by test_default_learning_rates).
    rate = float(rng.choice([0.005, 0.01, 0.05]))
    call, spec = _optimizer(learner, "momentum", learning_rate=rate)
    expect(_close(spec.config.get("momentum"), 0.9), "momentum_default", call=call, found=spec.config.get("momentum"))
    expect(not spec.config.get("nesterov"), "nesterov_unwanted", call=call)
    given = float(rng.choice([0.8, 0.95, 0.99]))
    call, spec = _optimizer(learner, "momentum", learning_rate=rate, momentum=given)
    expect(
        _close(spec.config.get("momentum"), given),
        "momentum_given",
        call=call,
        found=spec.config.get("momentum"),
        expected=given,
    )
    call, spec = _optimizer(learner, "nesterov", learning_rate=rate)
    found = {key: spec.config.get(key) for key in ("momentum", "nesterov")}
    expect(
        bool(spec.config.get("nesterov")) and _close(spec.config.get("momentum"), 0.9),
        "nesterov_missing",
        call=call,
        found=found,
    )
    call, spec = _optimizer(learner, "sgd", learning_rate=rate)
    expect(_close(spec.config.get("momentum"), 0.0) and not spec.config.get("nesterov"), "sgd_plain", call=call)


@check(points=1)
def test_unknown_optimizer_raises(learner):
    call = "make_optimizer('adamw2')"
    try:
        found = learner.make_optimizer("adamw2")
    except LearnerRaised as raised:
        expect(
            raised.params.get("error_type") == "ValueError",
            "unknown_optimizer_error",
            call=call,
            error_type=raised.params.get("error_type"),
        )
        return
    fail(
        "engine.expected_error",
        call=call,
        found=preview(found),
        error_type="ValueError",
        reason=message_ref("unknown_optimizer_reason"),
    )


@check(points=1)
def test_default_compile_optimizer(learner):
    found = learner.default_compile_optimizer()
    expect(isinstance(found, str) and found.lower() == "rmsprop", "default_optimizer", found=found)


# ----------------------------------------------------------------------------- datasets


def paired_data(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """x rows carry their own id, y = 3 * id + 1: a pair can be checked after shuffling."""
    ids = np.arange(n)
    x = np.column_stack([ids, rng.normal(size=(n, 2))]).astype(np.float32)
    return x, (3 * ids + 1).astype(np.int64)


def _batches(learner, x, y, **kwargs) -> tuple[str, list[tuple[np.ndarray, np.ndarray]]]:
    call = f"make_dataset(x {x.shape}, y{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    value = learner.make_dataset(x, y, **kwargs)
    if not isinstance(value, DatasetSample):
        fail("not_a_dataset", call=call, found_type=type_name(value))
    batches = []
    for element in value.elements:
        if not isinstance(element, tuple) or len(element) != 2:
            fail("element_not_pair", call=call, found=preview(element))
        try:
            x_batch, y_batch = np.asarray(element[0], dtype=float), np.asarray(element[1], dtype=float)
        except (TypeError, ValueError):
            fail("element_not_pair", call=call, found=preview(element))
        if x_batch.shape == x.shape[1:]:  # an unbatched element: one sample (judged by test_batch_sizes)
            x_batch, y_batch = x_batch[None], y_batch.reshape(1)
        if x_batch.ndim != 2 or x_batch.shape[1:] != x.shape[1:] or y_batch.reshape(-1).shape != (len(x_batch),):
            fail(
                "element_shape",
                call=call,
                found=f"x {x_batch.shape}, y {y_batch.shape}",
                expected=f"x (k, {x.shape[1]}), y (k,)",
            )
        batches.append((x_batch, y_batch.reshape(-1)))
    if value.truncated:
        fail("endless", call=call, limit=f"{MAX_DATASET_ELEMENTS:,}", expected=len(x))
    return call, batches


@check(points=3)
def test_batches_cover_every_sample_once_with_its_label(learner, rng):
    n, batch_size = int(rng.integers(50, 150)), int(rng.integers(5, 40))
    x, y = paired_data(rng, n)
    call, batches = _batches(learner, x, y, batch_size=batch_size, shuffle=True, seed=int(rng.integers(0, 1000)))
    ids = np.concatenate([b[0][:, 0] for b in batches]).astype(int) if batches else np.array([], dtype=int)
    labels = np.concatenate([b[1].reshape(-1) for b in batches]) if batches else np.array([])
    expect(sorted(ids.tolist()) == list(range(n)), "coverage", call=call, found=len(ids), expected=n)
    expect(np.array_equal(labels, 3 * ids + 1), "pairs_broken", call=call)


@check(points=1)
def test_batch_sizes(learner, rng):
    n, batch_size = int(rng.integers(50, 150)), int(rng.integers(5, 40))
    x, y = paired_data(rng, n)
    call, batches = _batches(learner, x, y, batch_size=batch_size, shuffle=False)
    sizes = [len(b[0]) for b in batches]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    expect(not (sizes and set(sizes) == {1}), "not_batched", call=call, count=len(sizes), batch_size=batch_size)
    expect(sizes == expected, "batch_sizes", call=call, found=sizes[:6], expected=expected[:6], count=len(expected))


def _whole_batches_reordered(batches, batch_size: int) -> bool:
    """True if every batch is one run of consecutive samples: batch() came before shuffle().

    A real shuffle of 80 samples produces such a batching with probability ~1e-90."""
    for x_batch, _ in batches:
        ids = x_batch[:, 0].astype(int).tolist()
        if not ids or ids[0] % batch_size or ids != list(range(ids[0], ids[0] + len(ids))):
            return False
    return True


def order(batches: list) -> list[int]:
    """The sample ids (column 0 of x) in the order the batches give them; [] for an empty dataset."""
    return np.concatenate([b[0][:, 0] for b in batches]).astype(int).tolist() if batches else []


@check(points=2)
def test_shuffle_is_seeded_and_optional(learner, rng):
    x, y = paired_data(rng, 80)
    call, plain = _batches(learner, x, y, batch_size=16, shuffle=False)
    expect(order(plain) == list(range(80)), "shuffle_false_shuffles", call=call)
    call, first = _batches(learner, x, y, batch_size=16, shuffle=True, seed=7)
    expect(order(first) != list(range(80)), "shuffle_ignored", call=call)
    expect(not _whole_batches_reordered(first, 16), "shuffle_after_batch", call=call, batch_size=16)
    # With a buffer of b, output position i can only hold samples < i + b: no sample moves
    # forward by b or more. A full shuffle of 80 moves one by 20+ with probability > 1 - 1e-5.
    ahead = max(sample - position for position, sample in enumerate(order(first)))
    expect(ahead >= 20, "shuffle_small_buffer", call=call, ahead=ahead)
    _, again = _batches(learner, x, y, batch_size=16, shuffle=True, seed=7)
    expect(order(first) == order(again), "shuffle_not_seeded", call=call)
    _, other = _batches(learner, x, y, batch_size=16, shuffle=True, seed=8)
    expect(order(first) != order(other), "seed_ignored", call=call)


# ----------------------------------------------------------------------------- seeds

SOURCES = ("python", "numpy", "tensorflow", "keras_init")
SOURCE_NAMES = {  # each a catalogue message: "Keras weight-initialisation" reads differently in Korean
    source: message_ref(f"source_{source}") for source in ("python", "numpy", "tensorflow", "keras_init")
}


def _problem_text(problem: LearnerProblem, seed: int) -> object:
    """What went wrong in the learner's set_seed, as the catalogue tells it (not the probe's name or traceback)."""
    params = {k: v for k, v in problem.params.items() if k not in ("traceback", "function")}
    params["call"] = f"set_seed({seed})"
    return message_ref(problem.message_id, **params)


def _draws(learner, seed: int) -> dict:
    """The probe's draws after set_seed(seed), checked as plain data (the worker is untrusted)."""
    draws = learner.probe("random_draws_after_set_seed", seed)
    if not isinstance(draws, dict) or any(not isinstance(draws.get(source), list) for source in SOURCES):
        fail("seed_probe_unreadable", seed=seed)
    return {source: [float(v) if isinstance(v, (int, float)) else repr(v) for v in draws[source]] for source in SOURCES}


@check(points=2)
def test_set_seed_makes_runs_repeatable(learner, learner_definitions, rng):
    seed = int(rng.integers(0, 10_000))
    learner.set_seed(seed)  # the ordinary call path first: a missing or unfinished set_seed is reported as such
    # The probe runs where only the module's imports, constants and functions were loaded: no other
    # top-level code can replace the probe or seed the process for a set_seed that does nothing.
    try:
        first = _draws(learner_definitions, seed)
    except LearnerProblem as problem:
        fail("seed_needs_own_definitions", error=_problem_text(problem, seed))
    second = _draws(learner_definitions, seed)
    for source in SOURCES:
        if first[source] != second[source]:
            fail("seed_source", source=SOURCE_NAMES[source], seed=seed)
    other = _draws(learner_definitions, seed + 1)
    expect(other != first, "seed_constant", seed=seed)
    # The worker's draws are its own account; what a seeded process draws is computed here, so a
    # replaced probe or random function that repeats itself earns nothing.
    expected = seeded_draws(seed)
    if expected is None:  # its trainer was killed: only learner code on this machine could have
        fail("seed_unverified", seed=seed)
    for source in SOURCES:
        if not _same_draws(first[source], expected.get(source)):
            fail(
                "seed_not_applied",
                source=SOURCE_NAMES[source],
                seed=seed,
                found=first[source][:3],
                expected=expected[source][:3],
            )


def _same_draws(found: list, expected: object) -> bool:
    if not isinstance(expected, list) or len(found) != len(expected):
        return False
    return all(isinstance(f, float) and abs(f - float(e)) <= 1e-7 for f, e in zip(found, expected))
