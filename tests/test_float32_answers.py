"""A float32 answer where the contract does not demand float64 is judged at float32 precision (issue 26,
item 7): exercise 01's standardize with Keras's own Normalization layer, as Deep Learning with Python and
the TensorFlow tutorials write it, and the tolerance helper the plain-data checks share."""

from __future__ import annotations

import numpy as np
import pytest
from support import FAIR_SEEDS, describe, failing, grade_source, mutate, solution_source

from grader.checking import close
from grader.engine import GradeOptions

NORMALIZATION_LAYER = """
import numpy as np
from tensorflow import keras


def min_max_scale(train, *others):
    train = np.asarray(train, dtype=float)
    low, spread = train.min(axis=0), np.ptp(train, axis=0)
    spread[spread == 0] = 1.0
    return tuple((np.asarray(a, dtype=float) - low) / spread for a in (train, *others))


def standardize(train, *others):
    normalizer = keras.layers.Normalization(axis=-1)
    normalizer.adapt(train)
    return tuple(normalizer(a).numpy() for a in (train, *others))


def scale_pixels(images):
    return images.astype("float32") / 255.0


def flatten_images(images):
    return images.reshape(len(images), -1)
"""


@pytest.mark.slow
@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_standardize_with_keras_normalization_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-01", NORMALIZATION_LAYER, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_float32_answer_still_loses_the_points_of_its_mistake(tmp_path, seed):
    """At float32 precision the sample-std mistake is still told apart from the right answer."""
    source = mutate(
        solution_source("exercise-01"),
        ("train.std(axis=0)", "train.std(axis=0, ddof=1)"),
        (
            "    return tuple((np.asarray(a, dtype=float) - shift) / scale for a in arrays)",
            "    return tuple(((np.asarray(a, dtype=float) - shift) / scale).astype(np.float32) for a in arrays)",
        ),
    )
    result = grade_source("exercise-01", source, tmp_path, options=GradeOptions(seed=seed))
    assert failing(result) == {"standardize_train", "standardize_others_use_train_statistics"}, describe(result)


def test_close_grants_float32_rounding_only_to_float32_answers():
    x = np.array([100.004, 99.996, 100.0])
    mean, std = x.mean(), x.std()
    expected = (x - mean) / std
    in_float32 = ((x.astype(np.float32) - np.float32(mean)) / np.float32(std)).astype(np.float32)
    size = (np.abs(x) + abs(mean)) / std
    assert not np.allclose(in_float32, expected, atol=1e-6, rtol=1e-6)  # the old rule refused it
    assert close(in_float32, expected, atol=1e-6, rtol=1e-6, magnitude=size)
    assert not close(in_float32.astype(np.float64), expected, atol=1e-6, rtol=1e-6, magnitude=size)
    assert not close(in_float32.astype(np.float16), expected, atol=1e-6, rtol=1e-6, magnitude=size)
    assert not close(in_float32 * 1.1, expected, atol=1e-6, rtol=1e-6, magnitude=size)
    assert not close(in_float32[:2], expected, atol=1e-6, rtol=1e-6)
    assert not close(np.array([np.nan, 0.0, 0.0], np.float32), np.zeros(3), atol=1e-6, rtol=1e-6)


KERAS_MSE = """

def mse(y_true, y_pred):
    import keras

    return keras.losses.MeanSquaredError()(y_true, y_pred).numpy()  # float32, as Keras computes it
"""


@pytest.mark.slow
def test_the_course_mse_computed_by_keras_in_float32_passes(tmp_path):
    source = solution_source("exercise-06") + KERAS_MSE
    result = grade_source("exercise-06", source, tmp_path)
    assert result.score == result.max_score, describe(result)
