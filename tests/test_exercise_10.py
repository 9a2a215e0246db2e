"""Exercise 10 cnn-model: wrong models lose exactly their checks, the course's Keras-2 style
gets full marks, unsafe models are refused, the same submission scores the same twice.
(Stub 0 and solution full marks: tests/test_contract.py.) The shared model-checking helpers
(grader/checking/models.py) are tested here too, without grading (quick: no training)."""

from __future__ import annotations

import numpy as np
import pytest
from support import describe, grade_source, grade_wrong_answer, mutate, solution_source, wrong_answer_test

from grader.messages import catalogue_for

EXERCISE = "exercise-10"
slow = pytest.mark.slow

TABLES = {"course_convnet_layers", "other_input_shapes_and_classes"}


COURSE_STYLE = """
from tensorflow.keras.layers import Conv2D, Dense, Flatten, MaxPooling2D
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_cnn(input_shape=(28, 28, 1), n_classes=10):
    model = Sequential([Conv2D(32, kernel_size=(3, 3), input_shape=input_shape, padding='same', activation='relu'),
                        MaxPooling2D(pool_size=(2, 2), strides=2),
                        Conv2D(64, kernel_size=(3, 3), padding='same', activation='relu'),
                        MaxPooling2D(pool_size=(2, 2), strides=2),
                        Flatten(),
                        Dense(128, activation='relu'),
                        Dense(n_classes, activation='softmax')])
    model.compile(optimizer=Adam(learning_rate=0.001), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
"""


@slow
def test_the_courses_keras2_style_gets_full_marks(tmp_path):
    result = grade_source(EXERCISE, COURSE_STYLE, tmp_path)
    assert result.passed, describe(result)


@slow
def test_the_issues_course_style_with_literal_shapes_and_activation_layers_gets_full_marks(tmp_path):
    """Conv2D(32, kernel_size=3, input_shape=(28,28,1), ...) as written in the course (literal shape
    when called with the defaults), and Dense(n) + Activation('softmax'), a Keras 2 idiom that still works."""
    source = COURSE_STYLE.replace(
        "Conv2D(32, kernel_size=(3, 3), input_shape=input_shape,",
        "Conv2D(32, kernel_size=3, input_shape=(28, 28, 1) if input_shape == (28, 28, 1) else input_shape,",
    ).replace(
        "MaxPooling2D(pool_size=(2, 2), strides=2),\n                        Conv2D",
        "MaxPooling2D(pool_size=2),\n                        Conv2D",
    )
    source = source.replace(
        "Dense(n_classes, activation='softmax')])", "Dense(n_classes), Activation('softmax')])"
    ).replace("import Conv2D, Dense", "import Activation, Conv2D, Dense")
    assert "Activation('softmax')" in source and "kernel_size=3," in source
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.passed, describe(result)


WRONG_ANSWERS = {
    "relu output head": (
        [('Dense(n_classes, activation="softmax")', 'Dense(n_classes, activation="relu")')],
        TABLES | {"learns_digits"},
    ),
    "valid padding": (
        [('Conv2D(64, kernel_size=3, padding="same"', 'Conv2D(64, kernel_size=3, padding="valid"')],
        TABLES,
    ),
    "input shape hard-coded to the course's 28x28": (
        [("keras.Input(shape=input_shape)", "keras.Input(shape=(28, 28, 1))")],
        {"other_input_shapes_and_classes", "learns_digits"},
    ),
    "one-hot loss with integer labels": (
        [('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"')],
        {"compiled_like_the_course", "learns_digits"},
    ),
    "learning rate 0.01": (
        [("Adam(learning_rate=0.001)", "Adam(learning_rate=0.01)")],
        {"compiled_like_the_course"},
    ),
    "no Flatten before the Dense layers": (
        [("        Flatten(),\n", "")],
        TABLES | {"learns_digits"},
    ),
    "from_logits on a softmax output": (
        [
            (
                'loss="sparse_categorical_crossentropy"',
                "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            )
        ],
        {"compiled_like_the_course"},
    ),
}


test_wrong_answer_loses_exactly_its_points = slow(wrong_answer_test(EXERCISE, WRONG_ANSWERS))


@slow
def test_training_feedback_names_the_mismatch():
    for name, words in (
        ("relu output head", ("softmax", "relu")),
        ("no Flatten before the Dense layers", ("Flatten()", "(2, 2, 10)")),
        ("one-hot loss with integer labels", ("one-hot", "sparse_categorical_crossentropy")),
    ):
        message = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, name).check("learns_digits").message
        assert all(word in message for word in words), message
        assert "Traceback" not in message, message


@slow
def test_relu_head_feedback_explains_softmax_side_by_side():
    result = grade_wrong_answer(EXERCISE, WRONG_ANSWERS, "relu output head")
    message = result.check("course_convnet_layers").message
    assert "softmax" in message and "probabilities" in message, message
    assert "asks for" in message and "your model" in message and "<-" in message, message


@slow
def test_a_truncated_model_fails_the_table(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        (
            '        Dense(128, activation="relu"),\n        Dense(n_classes, activation="softmax"),  # one probability per class\n',
            '        Dense(n_classes, activation="softmax"),\n',
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    check = result.check("course_convnet_layers")
    assert not check.passed and "missing" in check.message, check.message


@slow
def test_a_lambda_layer_is_refused_by_safe_mode(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        ("        Flatten(),\n", "        Flatten(),\n        keras.layers.Lambda(lambda t: t * 1.0),\n"),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == 0, describe(result)
    assert all("safe mode" in c.message for c in result.checks), describe(result)


@slow
def test_keras2_optimizer_habit_gets_the_keras3_form(tmp_path):
    source = mutate(solution_source(EXERCISE), ("Adam(learning_rate=0.001)", "Adam(lr=0.001)"))
    result = grade_source(EXERCISE, source, tmp_path)
    assert result.score == 0
    assert "learning_rate" in result.checks[0].message and "Keras 3" in result.checks[0].message, describe(result)


@slow
def test_same_submission_same_score(tmp_path):
    edits, _ = WRONG_ANSWERS["valid padding"]
    source = mutate(solution_source(EXERCISE), *edits)
    first, second = grade_source(EXERCISE, source, tmp_path), grade_source(EXERCISE, source, tmp_path)
    assert [(c.name, c.status, c.message) for c in first.checks] == [
        (c.name, c.status, c.message) for c in second.checks
    ]


# ----------------------------------------------------------------------------- helpers, no grading


@pytest.fixture(scope="module")
def mc():
    from grader.checking import models as modelcheck

    return modelcheck


def _convnet(keras, *, flatten=True, dense=True):
    layers = keras.layers
    stack = [
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
    ]
    stack += [layers.Conv2D(64, 3, padding="same", activation="relu"), layers.MaxPooling2D(2)]
    stack += [layers.Flatten()] if flatten else []
    stack += [layers.Dense(128, activation="relu")] if dense else []
    return keras.Sequential(stack + [layers.Dense(10, activation="softmax")])


def test_layer_table_matches_the_course_shapes_and_keras_counts(mc):
    model = _convnet(mc.keras)
    rows = mc.layer_table(model)
    assert [r.output_shape for r in rows] == [
        (28, 28, 32),
        (14, 14, 32),
        (14, 14, 64),
        (7, 7, 64),
        (3136,),
        (128,),
        (10,),
    ]
    assert sum(r.params for r in rows) == model.count_params() == 421642
    assert [r.activation for r in rows if r.kind in ("Conv2D", "Dense")] == ["relu", "relu", "relu", "softmax"]


def test_a_truncated_or_longer_table_never_compares_equal(mc):
    """No zip(): a model that stops early, or has an extra layer at the end, differs."""
    full = mc.layer_table(_convnet(mc.keras))
    assert mc.compare_tables(full, full[:-1], ("kind",)) == len(full) - 1
    assert mc.compare_tables(full[:-1], full, ("kind",)) == len(full) - 1
    assert mc.compare_tables(full, full, ("kind", "units", "activation", "output_shape", "params")) is None
    from grader.checking import CheckFailed

    with pytest.raises(CheckFailed) as failure:
        mc.expect_same_layers(_convnet(mc.keras, dense=False), full, "build_cnn()")
    text = catalogue_for(None).render(failure.value.message_id, **failure.value.params)
    assert "(6 layers found, 7 expected)" in text and "missing" in text and text.rstrip().endswith(" -"), text


def test_side_by_side_names_the_softmax_reason(mc):
    keras = mc.keras
    wrong = _convnet(keras)
    wrong.pop()
    wrong.add(keras.layers.Dense(10, activation="relu"))
    from grader.checking import CheckFailed

    with pytest.raises(CheckFailed) as failure:
        mc.expect_same_layers(wrong, mc.layer_table(_convnet(keras)), "build_cnn()")
    text = catalogue_for(None).render(failure.value.message_id, **failure.value.params)
    lines = text.splitlines()
    assert "probabilities that sum to 1" in lines[0]
    assert lines[1].split()[0] == "left:" and "right: your model" in lines[1]
    assert lines[-1].endswith("<-") and "softmax" in lines[-1] and "relu" in lines[-1]


def test_a_separate_activation_layer_counts_as_the_layers_activation(mc):
    keras = mc.keras
    layers = keras.layers
    model = keras.Sequential(
        [keras.Input(shape=(4,)), layers.Dense(8), layers.ReLU(), layers.Dense(3), layers.Activation("softmax")]
    )
    rows = mc.layer_table(model, merge_activations=True)
    assert [(r.kind, r.units, r.activation, r.output_shape) for r in rows] == [
        ("Dense", 8, "relu", (8,)),
        ("Dense", 3, "softmax", (3,)),
    ]
    assert len(mc.layer_table(model)) == 4  # the raw table keeps every layer


@pytest.mark.parametrize(
    "loss",
    [
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy()",
        "SparseCategoricalCrossentropy(name='mine')",
        "sparse_categorical_crossentropy_fn",
        "['sparse_categorical_crossentropy']",
    ],
)
def test_loss_names_are_normalised_after_a_round_trip(mc, tmp_path, loss):
    keras = mc.keras
    value = {
        "SparseCategoricalCrossentropy()": keras.losses.SparseCategoricalCrossentropy(),
        "SparseCategoricalCrossentropy(name='mine')": keras.losses.SparseCategoricalCrossentropy(name="mine"),
        "sparse_categorical_crossentropy_fn": keras.losses.sparse_categorical_crossentropy,
        "['sparse_categorical_crossentropy']": ["sparse_categorical_crossentropy"],
    }.get(loss, loss)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.003),
        loss=value,
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    model.save(tmp_path / "m.keras")
    from grader.sandbox.protocol import ModelFile

    reloaded = mc.learner_model(ModelFile(str(tmp_path / "m.keras")), "build()", compiled=True)
    settings = mc.expect_compiled(
        reloaded,
        "build()",
        optimizer="Adam",
        learning_rate=0.003,
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
    )
    assert settings.loss == "sparse_categorical_crossentropy" and settings.has_metric("accuracy")


def test_loss_advice_names_each_mismatch(mc):
    keras = mc.keras
    softmax = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    sigmoid = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
    integers, one_hot = np.array([0, 1, 1, 0]), np.eye(2)[[0, 1, 1, 0]]

    def advice(*args):
        from grader.messages import MESSAGE_REF_KEY, is_message_ref

        ref = mc.loss_advice(*args)
        assert is_message_ref(ref), ref  # a message id + params, rendered in the reader's language later
        return catalogue_for(None).render(ref[MESSAGE_REF_KEY], **ref["params"])

    assert "sigmoid" in advice(softmax, "binary_crossentropy")
    assert "binary_crossentropy" in advice(sigmoid, "sparse_categorical_crossentropy")
    assert "one-hot rows" in advice(softmax, "sparse_categorical_crossentropy", one_hot)
    assert "integers" in advice(softmax, "categorical_crossentropy", integers)
    assert mc.loss_advice(softmax, "sparse_categorical_crossentropy", integers) == ""
    assert mc.loss_advice(sigmoid, "binary_crossentropy", integers) == ""


def test_an_uncompiled_or_lambda_model_fails_with_a_teaching_message(mc, tmp_path):
    from grader.checking import CheckFailed
    from grader.sandbox.protocol import ModelFile

    keras = mc.keras
    plain = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])
    plain.save(tmp_path / "plain.keras")
    with pytest.raises(CheckFailed) as failure:
        mc.learner_model(ModelFile(str(tmp_path / "plain.keras")), "build()", compiled=True)
    assert failure.value.message_id == "model.not_compiled"
    lam = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Lambda(lambda t: t * 2.0)])
    lam.save(tmp_path / "lambda.keras")
    with pytest.raises(CheckFailed) as failure:
        mc.learner_model(ModelFile(str(tmp_path / "lambda.keras")), "build()")
    assert failure.value.message_id == "model.unsafe"
    with pytest.raises(CheckFailed) as failure:
        mc.learner_model(None, "build()")
    assert failure.value.message_id == "model.not_a_model"


@pytest.mark.parametrize(
    "error_type, error, tip",
    [
        ("ValueError", "Argument(s) not recognized: {'lr': 0.1}", "learning_rate"),
        ("TypeError", "'Dense' object is not iterable", "Sequential(["),
        ("TypeError", "TensorFlowTrainer.fit() got an unexpected keyword argument 'nb_epoch'", "epochs="),
        ("AttributeError", "'Sequential' object has no attribute 'predict_classes'", "np.argmax"),
        ("AttributeError", "'Sequential' object has no attribute 'fit_generator'", "model.fit"),
        ("ModuleNotFoundError", "No module named 'keras.layers.core'", "keras.layers"),
        ("ImportError", "cannot import name 'np_utils' from 'keras.utils'", "to_categorical"),
        ("ValueError", "Cannot convert '3' to a shape.", "(13,)"),
        (
            "ValueError",
            "Expected `metrics` argument to be a list, tuple, or dict. Received instead: metrics=accuracy of type <class 'str'>",
            "metrics=['accuracy']",
        ),
        ("KeyError", "'acc'", "history['accuracy']"),
    ],
)
def test_keras2_habits_get_the_keras3_form(error_type, error, tip):
    from grader.checking.explain import explain
    from grader.messages import catalogue_for

    message_id = explain(error_type, error)
    assert message_id and tip in catalogue_for(None).render(message_id)


def test_explain_does_not_misfire_on_ordinary_errors():
    from grader.checking.explain import explain

    assert explain("TypeError", "'int' object is not iterable") is None
    assert explain("KeyError", "'accuracy'") is None


def _small_classifier(keras):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_the_checker_trains_many_batches_per_graph_call_to_the_same_weights(mc):
    """Several batches per graph call is a speed choice only: the same weights as one per call."""
    keras = mc.keras
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 4)).astype("float32"), rng.integers(0, 3, 200)  # 7 batches of 32: a partial call
    ours, plain = _small_classifier(keras), _small_classifier(keras)
    plain.set_weights(ours.get_weights())
    mc.train(ours, x, y, seed=5, epochs=2)
    assert ours.steps_per_execution == 7
    mc.deterministic(5)
    plain.fit(x, y, epochs=2, batch_size=32, verbose=0, shuffle=True)
    for mine, theirs in zip(ours.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(mine, theirs)


def test_a_model_already_traced_keeps_one_batch_per_call(mc):
    """A function traced for one batch per call, fed several per call, would skip batches."""
    keras = mc.keras
    x, y = np.zeros((64, 4), "float32"), np.zeros(64, "int64")
    model = _small_classifier(keras)
    model.fit(x, y, epochs=1, verbose=0)
    mc.train(model, x, y, seed=0, epochs=1)
    assert model.steps_per_execution == 1
