"""Exercise 01 scaling: stub 0, solution full, wrong answers lose exactly their checks,
and the grader's expected values equal scikit-learn's scalers."""

from __future__ import annotations

import numpy as np
import pytest
from support import grade_wrong_answer, wrong_answer_test

from grader.exercises.exercise_01_scaling import checks

EXERCISE = "exercise-01"


WRONG_ANSWERS = {
    "min-max fitted on all the data (leakage)": (
        [
            (
                "    train = np.asarray(train, dtype=float)\n    low, high = train.min(axis=0), train.max(axis=0)",
                "    train = np.asarray(train, dtype=float)\n    everything = np.concatenate([train, *others])\n    low, high = everything.min(axis=0), everything.max(axis=0)",
            )
        ],
        {"min_max_train", "min_max_others_use_train_statistics"},
    ),
    "sample std instead of population std": (
        [("train.std(axis=0)", "train.std(axis=0, ddof=1)")],
        {"standardize_train", "standardize_others_use_train_statistics"},
    ),
    "no guard for constant columns": (
        [
            ("    spread = np.where(spread > CONSTANT, spread, 1.0)\n", ""),
            ("    std = np.where(std > CONSTANT, std, 1.0)\n", ""),
        ],
        {"min_max_constant_column", "standardize_constant_column"},
    ),
    "pixels divided by 256": (
        [("np.float32(255)", "np.float32(256)")],
        {"scale_pixels_values"},
    ),
    "pixels left as float64": (
        [("return np.asarray(images).astype(np.float32) / np.float32(255)", "return np.asarray(images) / 255.")],
        {"scale_pixels_float32"},
    ),
    "scaling modifies the caller's arrays": (
        [
            (
                "    return tuple((np.asarray(a, dtype=float) - shift) / scale for a in arrays)",
                "    out = []\n    for a in arrays:\n        a = np.asarray(a, dtype=float)\n        a -= shift\n        a /= scale\n        out.append(a)\n    return tuple(out)",
            )
        ],
        {"inputs_not_modified"},
    ),
    "flatten keeps the wrong axis": (
        [("return images.reshape(images.shape[0], -1)", "return images.reshape(-1, images.shape[0]).T")],
        {"flatten_images"},
    ),
    "a single input returns a bare array": (
        [
            (
                "    return _apply((train, *others), low, spread)",
                "    scaled = _apply((train, *others), low, spread)\n    return scaled if others else scaled[0]",
            )
        ],
        {"min_max_constant_column", "every_function_returns_a_tuple_per_input"},
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_leakage_feedback_names_the_mistake():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "min-max fitted on all the data (leakage)")
    check = result.check("min_max_others_use_train_statistics")
    assert "leakage" in check.message and "train" in check.message, check.message


def test_expected_values_equal_scikit_learn():
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    rng = np.random.default_rng(1)
    for _ in range(30):
        train = checks.random_features(rng)
        val = checks.random_features(rng, columns=train.shape[1])
        if rng.random() < 0.3:
            train[:, 0] = 0.1
        low, spread = checks.fit_min_max(train)
        scaler = preprocessing.MinMaxScaler().fit(train)
        np.testing.assert_allclose((val - low) / spread, scaler.transform(val), atol=1e-9, rtol=1e-9)
        mean, std = checks.fit_standard(train)
        standard = preprocessing.StandardScaler().fit(train)
        np.testing.assert_allclose((val - mean) / std, standard.transform(val), atol=1e-9, rtol=1e-7)
