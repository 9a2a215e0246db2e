"""Model files written the way textbooks and courses write them get the score a fair instructor gives
(issue 26, items 5, 8 and 9): DeepLearning.AI's ``activation=tf.nn.softmax``, the TensorFlow
tutorials' logits head with ``from_logits=True``, 혼공머신's ``metrics='accuracy'``."""

from __future__ import annotations

import pytest
from support import FAIR_SEEDS, describe, failing, grade_source

from grader.engine import GradeOptions

pytestmark = pytest.mark.slow

# DeepLearning.AI's TensorFlow course: tf.keras everywhere, activations from tf.nn
DLAI_MLP = """
import numpy as np
import tensorflow as tf


def build_mlp_classifier(input_shape=(28, 28), n_classes=10, hidden_units=(300, 100)):
    model = tf.keras.models.Sequential()
    model.add(tf.keras.layers.Input(shape=input_shape))
    model.add(tf.keras.layers.Flatten())
    for units in hidden_units:
        model.add(tf.keras.layers.Dense(units, activation=tf.nn.relu))
    model.add(tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax))
    model.compile(optimizer=tf.optimizers.Adam(), loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model


def class_names():
    return ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']


def top_class(probabilities, names):
    return [names[i] for i in np.argmax(probabilities, axis=1)]
"""

DLAI_CONVNET = """
import tensorflow as tf


def build_cnn(input_shape=(28, 28, 1), n_classes=10):
    model = tf.keras.models.Sequential([
        tf.keras.layers.Input(shape=input_shape),
        tf.keras.layers.Conv2D(32, (3, 3), padding='same', activation='relu'),
        tf.keras.layers.MaxPooling2D(2, 2),
        tf.keras.layers.Conv2D(64, (3, 3), padding='same', activation='relu'),
        tf.keras.layers.MaxPooling2D(2, 2),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(128, activation=tf.nn.relu),
        tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.001),
                  loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    return model
"""

# The TensorFlow tutorials ("Basic classification"): a logits head, the loss told so
LOGITS_MLP = DLAI_MLP.replace(
    "model.add(tf.keras.layers.Dense(n_classes, activation=tf.nn.softmax))",
    "model.add(tf.keras.layers.Dense(n_classes))",
).replace(
    "loss='sparse_categorical_crossentropy'",
    "loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
)

# 혼공머신 (Keras 2): metrics='accuracy' as a bare string, which Keras 3 refuses
HONGONG_MLP = DLAI_MLP.replace("metrics=['accuracy']", "metrics='accuracy'")


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_deeplearning_ai_mlp_with_tf_nn_softmax_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-09", DLAI_MLP, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_deeplearning_ai_convnet_with_tf_nn_softmax_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-10", DLAI_CONVNET, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_logits_head_with_from_logits_learns(tmp_path, seed):
    result = grade_source("exercise-09", LOGITS_MLP, tmp_path, options=GradeOptions(seed=seed))
    # the contract asks for a softmax head: only the two layer checks judge that
    assert failing(result) == {"course_mlp_layers", "other_shapes_classes_and_hidden_units"}, describe(result)
    assert result.score == result.max_score - 5, describe(result)


@pytest.mark.parametrize(
    "language, words", [("en", ["metrics=['accuracy']", "Keras 3"]), ("ko", ["metrics=['accuracy']", "리스트"])]
)
def test_a_bare_metrics_string_gets_the_keras3_tip(tmp_path, language, words):
    result = grade_source("exercise-09", HONGONG_MLP, tmp_path, options=GradeOptions(language=language))
    assert failing(result) == {
        "course_mlp_layers",
        "other_shapes_classes_and_hidden_units",
        "loss_matches_integer_labels",
        "learns_digits",
    }, describe(result)
    assert result.score == 3, describe(result)
    for check in result.checks:
        if not check.passed:
            assert all(word in check.message for word in words), check.message
