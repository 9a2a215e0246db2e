"""Exercise 05 cnn-shapes: stub 0, solution full, wrong answers lose exactly their checks,
and the grader's shape formulas equal Keras's compute_output_shape."""

from __future__ import annotations

import numpy as np
import pytest
from support import grade_source, mutate, solution_source, wrong_answer_test

from grader.exercises.exercise_05_cnn_shapes import checks

EXERCISE = "exercise-05"
VALID = "return (size - kernel_size) // strides + 1"
SAME = "return math.ceil(size / strides)"


SHAPES = {"output_shapes_course_convnet", "output_shapes_random_stacks", "output_shapes_rectangular"}

WRONG_ANSWERS = {
    "valid padding off by one": (
        [(VALID, "return (size - kernel_size) // strides")],
        {
            "conv_valid_stride_1",
            "conv_valid_strided",
            "course_examples",
            "pool_default_strides",
            "pool_strides_and_padding",
            "output_shapes_random_stacks",
            "output_shapes_rectangular",
            "output_shapes_course_convnet",
        },
    ),
    "strides ignored in conv": (
        [(VALID, "return size - kernel_size + 1"), (SAME, "return size")],
        {
            "conv_valid_strided",
            "conv_same_strided",
            "course_examples",
            "pool_default_strides",
            "pool_strides_and_padding",
            *SHAPES,
        },
    ),
    "same padding rounds down": (
        [(SAME, "return size // strides")],
        {"conv_same_strided", "pool_strides_and_padding", "output_shapes_random_stacks", "output_shapes_rectangular"},
    ),
    "pool strides default to 1": (
        [("pool_size if strides is None else strides", "1 if strides is None else strides")],
        {"course_examples", "pool_default_strides"},
    ),
    "to_4d always adds an axis": (
        [
            (
                "    if images.ndim == 3:\n        return images.reshape(*images.shape, 1)\n",
                "    return images.reshape(*images.shape, 1)\n",
            )
        ],
        {"to_4d_keeps_4d"},
    ),
    "rectangular kernels squared": (
        [
            (
                "return (value, value) if isinstance(value, int) else tuple(value)",
                "return (value, value) if isinstance(value, int) else (value[0], value[0])",
            )
        ],
        {"output_shapes_rectangular"},
    ),
    "impossible stacks not rejected": (
        [
            (
                "        if min(shape) < 1:\n            raise ValueError",
                "        if False:\n            raise ValueError",
            )
        ],
        {"output_shapes_too_small"},
    ),
    "hard-coded to the course's examples": (
        [
            (SAME, "return 28"),
            (VALID, "return 26"),
            (
                "return conv_output_size(size, pool_size, pool_size if strides is None else strides, padding)",
                "return {28: 14, 7: 3}.get(size, 14)",
            ),
        ],
        {
            "conv_valid_stride_1",
            "conv_valid_strided",
            "conv_same_stride_1",
            "conv_same_strided",
            "pool_default_strides",
            "pool_strides_and_padding",
            *SHAPES,
            "output_shapes_too_small",
        },
    ),
}


test_wrong_answer_loses_exactly_its_points = wrong_answer_test(EXERCISE, WRONG_ANSWERS)


def test_same_padding_feedback_explains_ceil(tmp_path):
    result = grade_source(EXERCISE, mutate(solution_source(EXERCISE), (SAME, "return size // strides")), tmp_path)
    check = result.check("conv_same_strided")
    assert "ceil" in check.message and "rounds down" not in check.title, check.message


# --------------------------------------------------------------------------- the formulas equal Keras


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def test_conv_and_pool_formulas_equal_keras(keras):
    rng = np.random.default_rng(55)
    for _ in range(60):
        kh, kw = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(max(kh, 1), 60)), int(rng.integers(max(kw, 1), 60))
        padding = str(rng.choice(["valid", "same"]))
        conv = keras.layers.Conv2D(5, (kh, kw), strides=(sh, sw), padding=padding)
        assert conv.compute_output_shape((None, h, w, 3)) == (
            None,
            checks.conv_size(h, kh, sh, padding),
            checks.conv_size(w, kw, sw, padding),
            5,
        )
        pool = keras.layers.MaxPooling2D((kh, kw), strides=None if rng.random() < 0.5 else (sh, sw), padding=padding)
        strides = pool.strides
        assert pool.compute_output_shape((None, h, w, 3)) == (
            None,
            checks.conv_size(h, kh, strides[0], padding),
            checks.conv_size(w, kw, strides[1], padding),
            3,
        )


def test_stack_shapes_equal_a_keras_model(keras):
    rng = np.random.default_rng(56)
    for rectangular in (False, True) * 5:
        input_shape, layers = checks.random_stack(rng, rectangular=rectangular)
        model_layers = [keras.Input(input_shape)]
        for layer in layers:
            if layer["type"] == "conv2d":
                model_layers.append(
                    keras.layers.Conv2D(
                        layer["filters"], layer["kernel_size"], strides=layer["strides"], padding=layer["padding"]
                    )
                )
            elif layer["type"] == "maxpool2d":
                model_layers.append(
                    keras.layers.MaxPooling2D(
                        layer["pool_size"], strides=layer.get("strides"), padding=layer.get("padding", "valid")
                    )
                )
            elif layer["type"] == "flatten":
                model_layers.append(keras.layers.Flatten())
            else:
                model_layers.append(keras.layers.Dense(layer["units"]))
        model = keras.Sequential(model_layers)
        keras_shapes = [tuple(layer.output.shape[1:]) for layer in model.layers]
        assert keras_shapes == checks.stack_shapes(input_shape, layers)


def test_course_convnet_shapes_equal_keras(keras):
    expected = [(28, 28, 32), (14, 14, 32), (14, 14, 64), (7, 7, 64), (3136,), (128,), (10,)]
    assert checks.stack_shapes((28, 28, 1), checks.COURSE_CONVNET) == expected
