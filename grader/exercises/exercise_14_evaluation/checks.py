"""Hidden checks for exercise 14: validation splits, accuracy, the confusion matrix, the
classification report, class weights and ``model.evaluate``.

Expected values are counted here with numpy (``bincount`` over true/predicted pairs);
the project's tests prove them equal to scikit-learn's metrics and Keras 3's
``validation_split`` rule. Only ``evaluate_model`` needs Keras: its check imports it
lazily, so every other check grades without TensorFlow in either process.

Telling inputs are drawn on purpose: imbalanced labels, a class that is never
predicted (precision's zero division), a class absent from both labels and
predictions (the macro average over all classes), labels with a gap (class
weights over the classes present), and sizes where ``ceil`` and ``floor`` differ.
"""

from __future__ import annotations

import math

import numpy as np

from grader.checking import as_array, as_number, check, expect, fail, preview, wrong_type

TOLERANCE = 1e-6
REPORT_KEYS = ("precision", "recall", "f1", "support", "accuracy", "macro_f1", "weighted_f1")

# ----------------------------------------------------------------------------- the math


def counts(y_true, y_pred, n_classes: int) -> np.ndarray:
    """The confusion matrix: [t, p] counts true class t predicted as p."""
    pairs = np.asarray(y_true, int) * n_classes + np.asarray(y_pred, int)
    return np.bincount(pairs, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def divide(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    return np.array([t / b if b else 0.0 for t, b in zip(top, bottom)])


def report(y_true, y_pred, n_classes: int) -> dict:
    matrix = counts(y_true, y_pred, n_classes)
    tp = np.diag(matrix).astype(float)
    support = matrix.sum(axis=1)
    precision, recall = divide(tp, matrix.sum(axis=0)), divide(tp, support)
    f1 = divide(2 * precision * recall, precision + recall)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
        "accuracy": tp.sum() / len(y_true),
        "macro_f1": f1.mean(),
        "weighted_f1": (f1 * support).sum() / support.sum(),
    }


def class_weights(y) -> dict[int, float]:
    present, number = np.unique(y, return_counts=True)
    return {int(c): len(y) / (len(present) * k) for c, k in zip(present, number)}


def validation_rows(n: int, split: float) -> np.ndarray:
    """Keras 3: the rows from floor(n * (1 - split)) to the end, taken before any shuffling."""
    return np.arange(int(math.floor(n * (1.0 - split))), n)


# ----------------------------------------------------------------------------- drawing labels


def labels(rng, n: int, n_classes: int, *, absent: tuple[int, ...] = ()) -> np.ndarray:
    """Imbalanced labels: class probabilities from a Dirichlet, ``absent`` classes never drawn."""
    p = rng.dirichlet(np.full(n_classes, 0.8)) + 0.02
    p[list(absent)] = 0
    return rng.choice(n_classes, size=n, p=p / p.sum())


def predictions(rng, y_true: np.ndarray, n_classes: int, *, never: tuple[int, ...] = ()) -> np.ndarray:
    """About 60% right, the rest random; the ``never`` classes are never predicted."""
    allowed = [c for c in range(n_classes) if c not in never]
    guess = rng.choice(allowed, size=len(y_true))
    keep = (rng.random(len(y_true)) < 0.6) & ~np.isin(y_true, never)
    return np.where(keep, y_true, guess)


def report_case(rng, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels where one present class is never predicted and (from 3 classes) one class is absent from both."""
    absent, unseen = (int(c) for c in rng.choice(n_classes, size=2, replace=False))
    gone = (absent,) if n_classes > 2 else ()
    while True:
        y_true = labels(rng, int(rng.integers(30, 120)), n_classes, absent=gone)
        y_pred = predictions(rng, y_true, n_classes, never=(*gone, unseen))
        if np.any(y_true == unseen) and len(set(y_pred) | set(y_true)) >= 2:
            return y_true, y_pred


# ----------------------------------------------------------------------------- helpers


def _numbers(value, call: str, n: int) -> np.ndarray:
    found = as_array(value, call, lists=True).astype(float)
    if found.shape != (n,):
        fail("engine.wrong_shape", call=call, found=tuple(found.shape), expected=(n,))
    return found


def _close(found, expected) -> bool:
    return np.shape(found) == np.shape(expected) and np.allclose(found, expected, rtol=1e-6, atol=TOLERANCE)


def _shown(values) -> list:
    return [round(float(v), 4) if np.isfinite(v) else str(v) for v in np.asarray(values, float)]


def _call(name: str, y_true, *rest) -> str:
    return f"{name}(<{len(y_true)} labels>{''.join(', ' + str(r) for r in rest)})"


# ----------------------------------------------------------------------------- the splits


def _split_data(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows numbered in column 0 (a shuffled row number plus less than 0.5), so every returned row can be
    traced; labels paired with them."""
    x = np.column_stack([rng.permutation(n) + rng.random(n) * 0.5, rng.normal(size=(n, 2))]).round(6)
    y = rng.integers(0, 1000, size=n)
    return x, y


def _traced(part: np.ndarray) -> list:
    """The original row number of every returned row: column 0 is that number plus less than 0.5, so
    its floor survives a float32 copy."""
    return [int(v) for v in np.floor(part[:, 0].astype(float))]


def _check_split(learner, rng, n: int, fraction: float) -> None:
    x, y = _split_data(rng, n)
    call = f"train_validation_split(<x {x.shape}>, <y ({n},)>, valid_fraction={fraction}, seed=3)"
    value = learner.train_validation_split(x, y, valid_fraction=fraction, seed=3)
    if not isinstance(value, (tuple, list)) or len(value) != 4:
        wrong_type(value, call, "split_four")
    x_train, x_valid = (as_array(v, call) for v in value[:2])
    y_train, y_valid = (as_array(v, call, lists=True) for v in value[2:])
    n_valid = math.ceil(n * fraction)
    sizes = (len(x_train), len(x_valid), len(y_train), len(y_valid))
    expected = (n - n_valid, n_valid, n - n_valid, n_valid)
    if sizes != expected:
        params = dict(call=call, found=sizes, expected=expected, n=n, fraction=fraction, n_valid=n_valid)
        if sizes == (n_valid, n - n_valid, n_valid, n - n_valid):
            fail("split_order", **params)
        if len(x_valid) in (math.floor(n * fraction), round(n * fraction)) and sum(sizes[:2]) == n:
            fail("split_rounding", **params)
        fail("split_sizes", **params)
    if x_train.ndim != 2 or x_valid.ndim != 2 or x_train.shape[1:] != x.shape[1:]:
        fail("engine.wrong_shape", call=call, found=tuple(x_valid.shape), expected=(n_valid, x.shape[1]))
    order = np.argsort(x[:, 0])  # row number -> index in x (column 0 sorts the rows by their number)
    train, valid = _traced(x_train), _traced(x_valid)
    if sorted(train + valid) != list(range(n)):
        fail("split_rows", call=call)
    train, valid = order[train], order[valid]
    if not (np.allclose(x_train, x[train], rtol=1e-6) and np.allclose(x_valid, x[valid], rtol=1e-6)):
        fail("split_rows", call=call)
    if not (np.array_equal(y_train.ravel(), y[train]) and np.array_equal(y_valid.ravel(), y[valid])):
        fail("split_pairs_broken", call=call)
    if valid.tolist() in (list(range(n - n_valid, n)), list(range(n_valid))):
        fail("split_not_shuffled", call=call)


@check(points=3)
def test_split_sizes_rows_and_pairs(learner, rng):
    cases = [(1000, 0.2), (int(rng.integers(20, 300)), float(rng.choice([0.1, 0.15, 0.25, 0.3])))]
    while True:  # a size where ceil and floor differ
        n, fraction = int(rng.integers(11, 200)), float(rng.choice([0.2, 0.3, 0.15]))
        if math.ceil(n * fraction) != math.floor(n * fraction):
            cases.append((n, fraction))
            break
    for n, fraction in cases:
        _check_split(learner, rng, n, fraction)


@check(points=1)
def test_split_depends_on_the_seed_only(learner, rng):
    x, y = _split_data(rng, 60)
    parts = {}
    for seed in (5, 5, 6):
        value = learner.train_validation_split(x, y, valid_fraction=0.25, seed=seed)
        if not isinstance(value, (tuple, list)) or len(value) != 4:
            wrong_type(value, f"train_validation_split(x, y, valid_fraction=0.25, seed={seed})", "split_four")
        parts.setdefault(seed, []).append(as_array(value[1], f"train_validation_split(..., seed={seed})"))
    expect(np.array_equal(*parts[5]), "split_not_repeatable", seed=5)
    other = parts[6][0]
    expect(other.shape != parts[5][0].shape or not np.array_equal(other, parts[5][0]), "split_ignores_seed")


@check(points=2)
def test_keras_validation_rows(learner, rng):
    # 90 * (1 - 0.3) = 62.99999999999999: Keras holds out 28 rows where 90 - ceil(90 * 0.3) would give 27
    cases = [(90, 0.3), (int(rng.integers(50, 500)), 0.2)]
    cases += [(int(rng.integers(5, 400)), float(rng.choice([0.1, 0.15, 0.25, 0.33]))) for _ in range(4)]
    for n, split in cases:
        call = f"keras_validation_rows({n}, {split})"
        found = as_array(learner.keras_validation_rows(n, split), call, kinds="iu", lists=True).ravel()
        expected = validation_rows(n, split)
        if np.array_equal(found, expected):
            continue
        params = dict(call=call, found=preview(found.tolist(), 60), expected=preview(expected.tolist(), 60))
        size = len(expected)
        if len(found) and found[0] == 0 and len(found) in (size, math.ceil(n * split), size + 1, size - 1):
            fail("validation_rows_front", **params, n=n, split=split)
        if np.array_equal(found, np.arange(0, n - size)):
            fail("validation_rows_train", **params)
        if len(found) and found[-1] == n - 1 and np.array_equal(found, np.arange(found[0], n)):
            fail("validation_rows_rounding", **params, n=n, split=split)
        fail("validation_rows_wrong", **params)


# ----------------------------------------------------------------------------- accuracy, confusion matrix


@check(points=1)
def test_accuracy(learner, rng):
    for n_classes in (2, int(rng.integers(3, 8))):
        y_true = labels(rng, int(rng.integers(20, 200)), n_classes)
        y_pred = predictions(rng, y_true, n_classes)
        call = _call("accuracy", y_true, "y_pred")
        found = as_number(learner.accuracy(y_true, y_pred), call)
        right = int(np.sum(y_true == y_pred))
        expected = right / len(y_true)
        if abs(found - expected) <= TOLERANCE:
            continue
        params = dict(call=call, found=found, expected=round(expected, 6), right=right, n=len(y_true))
        if abs(found - 100 * expected) <= 1e-4:
            fail("accuracy_percent", **params)
        if found == right:
            fail("accuracy_count", **params)
        fail("accuracy_wrong", **params)


@check(points=2)
def test_confusion_matrix(learner, rng):
    for n_classes in (2, int(rng.integers(4, 8))):
        y_true, y_pred = report_case(rng, n_classes)
        call = _call("confusion_matrix", y_true, "y_pred", n_classes)
        found = as_array(learner.confusion_matrix(y_true, y_pred, n_classes), call)
        expected = counts(y_true, y_pred, n_classes)
        if found.shape != expected.shape:
            present = len(set(y_true) | set(y_pred))
            params = dict(call=call, found=tuple(found.shape), expected=expected.shape, n_classes=n_classes)
            if found.shape in ((present, present), (max(y_true.max(), y_pred.max()) + 1,) * 2):
                fail("confusion_classes_missing", **params)
            fail("confusion_shape", **params)
        if not np.array_equal(found, expected):
            params = dict(call=call, found=preview(found.tolist(), 120), expected=expected.tolist())
            if np.array_equal(found, expected.T):
                fail("confusion_transposed", **params)
            fail("confusion_wrong", **params)
        expect(found.dtype.kind in "iu", "confusion_dtype", call=call, found=str(found.dtype))


# ----------------------------------------------------------------------------- the classification report


def _report(learner, y_true, y_pred, n_classes) -> tuple[str, dict]:
    call = _call("classification_report", y_true, "y_pred", n_classes)
    value = learner.classification_report(y_true, y_pred, n_classes)
    if not isinstance(value, dict):
        wrong_type(value, call, "type_dict")
    missing = [key for key in REPORT_KEYS if key not in value]
    if missing:
        fail("report_keys", call=call, missing=missing, found=sorted(map(str, value)))
    return call, value


def _per_class(call: str, value: dict, key: str, expected: dict, n_classes: int) -> None:
    found = _numbers(value[key], f"{call}[{key!r}]", n_classes)
    if _close(found, expected[key]):
        return
    params = dict(call=call, key=key, found=_shown(found), expected=_shown(expected[key]))
    other = {"precision": "recall", "recall": "precision"}.get(key)
    if other and _close(found, expected[other]):
        fail("precision_recall_swapped", **params)
    if np.any(np.isnan(found)):
        nan_free = np.where(np.isnan(found), 0.0, found)
        if _close(nan_free, expected[key]):
            fail("zero_division_nan", **params)
    fail("report_per_class", **params)


def _per_class_keys(learner, rng, class_counts: tuple[int, ...], keys: tuple[str, ...]) -> None:
    for n_classes in class_counts:
        y_true, y_pred = report_case(rng, n_classes)
        call, value = _report(learner, y_true, y_pred, n_classes)
        expected = report(y_true, y_pred, n_classes)
        for key in keys:
            _per_class(call, value, key, expected, n_classes)


@check(points=2)
def test_precision_and_recall(learner, rng):
    counts = (2, int(rng.integers(3, 7)), int(rng.integers(5, 9)))
    _per_class_keys(learner, rng, counts, ("precision", "recall"))


@check(points=1)
def test_f1_and_support(learner, rng):
    _per_class_keys(learner, rng, (3, int(rng.integers(4, 8))), ("f1", "support"))


@check(points=2)
def test_report_averages(learner, rng):
    for n_classes in (3, int(rng.integers(4, 8))):
        y_true, y_pred = report_case(rng, n_classes)
        call, value = _report(learner, y_true, y_pred, n_classes)
        expected = report(y_true, y_pred, n_classes)
        found = {key: as_number(value[key], f"{call}[{key!r}]") for key in ("accuracy", "macro_f1", "weighted_f1")}
        for key in ("accuracy", "macro_f1", "weighted_f1"):
            if abs(found[key] - expected[key]) <= TOLERANCE:
                continue
            params = dict(call=call, key=key, found=round(found[key], 6), expected=round(float(expected[key]), 6))
            swapped = {"macro_f1": "weighted_f1", "weighted_f1": "macro_f1"}.get(key)
            if swapped and abs(found[key] - expected[swapped]) <= TOLERANCE:
                fail("macro_weighted_swapped", **params)
            present = sorted(set(y_true) | set(y_pred))
            if key == "macro_f1" and abs(found[key] - expected["f1"][present].mean()) <= TOLERANCE:
                fail("macro_over_present", **params, n_classes=n_classes, present=len(present))
            if math.isnan(found[key]):
                fail("zero_division_nan", **params)
            fail("report_average", **params)


# ----------------------------------------------------------------------------- class weights


@check(points=2)
def test_balanced_class_weight(learner, rng):
    for n_classes, gap in ((2, False), (int(rng.integers(4, 8)), True)):
        absent = (int(rng.integers(1, n_classes - 1)),) if gap else ()  # a label that never occurs, inside the range
        y = labels(rng, int(rng.integers(30, 200)), n_classes, absent=absent)
        call = _call("balanced_class_weight", y)
        value = learner.balanced_class_weight(y)
        if not isinstance(value, dict):
            wrong_type(value, call, "type_dict")
        try:
            found = {int(k): as_number(v, f"{call}[{k!r}]") for k, v in value.items()}
        except (TypeError, ValueError, OverflowError):
            fail("class_weight_keys", call=call, found=preview(sorted(map(str, value)), 80))
        expected = class_weights(y)
        shown = dict(call=call, found=preview({k: round(v, 4) for k, v in sorted(found.items())}, 160))
        shown["expected"] = {k: round(v, 4) for k, v in expected.items()}
        if set(found) != set(expected):
            fail("class_weight_keys_differ", **shown, found_keys=sorted(found), expected_keys=sorted(expected))
        if all(abs(found[k] - expected[k]) <= 1e-6 * max(1.0, expected[k]) for k in expected):
            continue
        present, number = np.unique(y, return_counts=True)
        by = dict(zip(present.tolist(), number.tolist()))
        if all(abs(found[k] - 1 / expected[k]) <= 1e-6 for k in expected):
            fail("class_weight_inverted", **shown)
        if all(abs(found[k] - len(y) / by[k]) <= 1e-6 * len(y) for k in expected):
            fail("class_weight_no_n_classes", **shown)
        if gap and all(abs(found[k] - len(y) / (n_classes * by[k])) <= 1e-6 * len(y) for k in expected):
            fail("class_weight_max_label", **shown, n_classes=n_classes, present=len(present))
        fail("class_weight_wrong", **shown)


# ----------------------------------------------------------------------------- evaluate (the one model check)


def _pair_of_numbers(value, call: str) -> tuple[float, float]:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        if isinstance(value, dict):
            fail("evaluate_dict", call=call, found=preview(value, 80))
        wrong_type(value, call, "evaluate_pair")
    return as_number(value[0], call), as_number(value[1], call)


@check(points=2, timeout=120)
def test_evaluate_model(learner, rng, seed):
    from grader.checking.models import deterministic, keras  # the only check that needs Keras, imported here

    deterministic(seed)
    for n_classes in (3, 2):
        x = rng.normal(size=(int(rng.integers(40, 90)), 5)).astype("float32")
        y = rng.integers(0, n_classes, size=len(x))
        head = (
            keras.layers.Dense(n_classes, activation="softmax") if n_classes > 2 else keras.layers.Dense(1, "sigmoid")
        )
        model = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(8, activation="relu"), head])
        loss = "sparse_categorical_crossentropy" if n_classes > 2 else "binary_crossentropy"
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        call = f"evaluate_model(<model compiled with {loss!r}, metrics=['accuracy']>, <x {x.shape}>, <y ({len(y)},)>)"
        found = _pair_of_numbers(learner.evaluate_model(model, x, y), call)
        expected = tuple(float(v) for v in model.evaluate(x, y, verbose=0))
        if all(abs(f - e) <= 1e-4 * max(1.0, abs(e)) for f, e in zip(found, expected)):
            continue
        params = dict(call=call, found=tuple(round(v, 5) for v in found), expected=tuple(round(v, 5) for v in expected))
        if all(abs(f - e) <= 1e-4 * max(1.0, abs(e)) for f, e in zip(found, expected[::-1])):
            fail("evaluate_swapped", **params)
        fail("evaluate_wrong", **params)
