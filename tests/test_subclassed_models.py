"""A subclassed keras.Model, where the contract asks for a keras.Model, is a model (issue 26, item 6):
Deep Learning with Python's subclassing API in exercise 02 gets full marks, and a call() that does not
compute the layers it declares loses exactly the layer checks, with the reason."""

from __future__ import annotations

import pytest
from support import FAIR_SEEDS, describe, failing, first_by_default, grade_source, mutate

from grader.engine import GradeOptions

pytestmark = pytest.mark.slow

# Deep Learning with Python (2nd ed., ch. 7) / Hands-On ML (3rd ed., ch. 10): the subclassing API
DLWP_SUBCLASS = """
from tensorflow import keras
from tensorflow.keras import layers


class LinearRegression(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)

    def call(self, inputs):
        return self.dense(inputs)


class MLPRegressor(keras.Model):
    def __init__(self, hidden_units=(64, 32)):
        super().__init__()
        self.hidden = [layers.Dense(units, activation="relu") for units in hidden_units]
        self.regressor = layers.Dense(1)

    def call(self, inputs):
        x = inputs
        for layer in self.hidden:
            x = layer(x)
        return self.regressor(x)


def build_linear_regression(n_features):
    model = LinearRegression()
    model.build((None, n_features))
    return model


def build_mlp_regression(n_features, hidden_units=(64, 32)):
    return MLPRegressor(hidden_units)


def compile_regression(model, learning_rate=0.001):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    return model


def train(model, x, y, epochs=20, validation_split=0.2):
    history = model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0)
    return history.history
"""


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_subclassed_model_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-02", DLWP_SUBCLASS, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


def test_a_call_that_skips_its_hidden_layers_loses_the_layer_checks(tmp_path):
    source = mutate(DLWP_SUBCLASS, ("        for layer in self.hidden:\n            x = layer(x)\n", ""))
    result = grade_source("exercise-02", source, tmp_path)
    # the skipped layers are never built (0 parameters), and one Dense(1) at the contract's Adam 0.001 for
    # 20 epochs does not beat the mean
    assert failing(result) == {"mlp_layers", "mlp_default_hidden_units", "mlp_beats_the_mean_on_diabetes"}, describe(
        result
    )
    assert "layer 1 differs" in result.check("mlp_layers").message, describe(result)


@pytest.mark.parametrize("language, word", [("en", "call()"), ("ko", "call()이")])
def test_a_call_that_changes_what_its_layers_compute_is_told_so(tmp_path, language, word):
    source = mutate(DLWP_SUBCLASS, ("            x = layer(x)\n", "            x = layer(x) * 2.0\n"))
    result = grade_source("exercise-02", source, tmp_path, options=GradeOptions(language=language))
    assert {"mlp_layers", "mlp_default_hidden_units"} <= failing(result), describe(result)
    assert failing(result) <= {"mlp_layers", "mlp_default_hidden_units", "mlp_beats_the_mean_on_diabetes"}
    assert word in result.check("mlp_layers").message, describe(result)


# Exercise 09: Hands-On ML ch. 10's Fashion-MNIST MLP, written with the subclassing API
MLP_SUBCLASS = """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


class MLPClassifier(keras.Model):
    def __init__(self, n_classes=10, hidden_units=(300, 100), **kwargs):
        super().__init__(**kwargs)
        self.flatten = layers.Flatten()
        self.hidden = [layers.Dense(units, activation="relu") for units in hidden_units]
        self.classifier = layers.Dense(n_classes, activation="softmax")

    def call(self, inputs):
        x = self.flatten(inputs)
        for layer in self.hidden:
            x = layer(x)
        return self.classifier(x)


def build_mlp_classifier(input_shape=(28, 28), n_classes=10, hidden_units=(300, 100)):
    model = MLPClassifier(n_classes, hidden_units)
    model.build((None, *input_shape))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def class_names():
    return list(CLASS_NAMES)


def top_class(probabilities, names):
    return [names[i] for i in np.asarray(probabilities).argmax(axis=1)]
"""


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_subclassed_mlp_classifier_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-09", MLP_SUBCLASS, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


MLP_MISTAKES = {
    # as a Sequential with a sigmoid head: the layer checks; trained with the grader's loss, it still learns
    "sigmoid output": (
        [('layers.Dense(n_classes, activation="softmax")', 'layers.Dense(n_classes, activation="sigmoid")')],
        {"course_mlp_layers", "other_shapes_classes_and_hidden_units"},
    ),
    # the hidden layers are declared but never applied: never built, so no weights the contract's MLP can take
    "call() skips the hidden layers": (
        [("        for layer in self.hidden:\n            x = layer(x)\n", "")],
        {"course_mlp_layers", "other_shapes_classes_and_hidden_units", "learns_digits"},
    ),
    # as a Sequential with hard-coded units: only the check that asks for other units
    "hidden units hard-coded": (
        [("for units in hidden_units]", "for units in (300, 100)]")],
        {"other_shapes_classes_and_hidden_units"},
    ),
    "one-hot loss": (
        [('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"')],
        {"loss_matches_integer_labels"},
    ),
    # the TensorFlow tutorials' logits head: the head costs the layer checks; it learns with its from_logits
    "logits head with from_logits=True": (
        [
            ('layers.Dense(n_classes, activation="softmax")', "layers.Dense(n_classes)"),
            (
                'loss="sparse_categorical_crossentropy"',
                "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
            ),
        ],
        {"course_mlp_layers", "other_shapes_classes_and_hidden_units"},
    ),
}


@pytest.mark.parametrize("name", first_by_default(MLP_MISTAKES))
def test_a_subclassed_mlp_with_one_mistake_loses_exactly_its_checks(tmp_path, name):
    edits, expected = MLP_MISTAKES[name]
    result = grade_source("exercise-09", mutate(MLP_SUBCLASS, *edits), tmp_path)
    assert failing(result) == expected, describe(result)


# Exercise 08: Deep Learning with Python's binary classifier (ch. 4), written with the subclassing API
BINARY_SUBCLASS = """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


class BinaryClassifier(keras.Model):
    def __init__(self, hidden_units=4):
        super().__init__()
        self.hidden = layers.Dense(hidden_units, activation="relu")
        self.out = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def build_binary_classifier(n_features, hidden_units=4):
    model = BinaryClassifier(hidden_units)
    model.build((None, n_features))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train_and_predict(model, x_train, y_train, x_test, epochs=50):
    model.fit(x_train, y_train, epochs=epochs, verbose=0)
    probabilities = model.predict(x_test, verbose=0)
    return np.where(probabilities >= 0.5, 1, 0).reshape(-1)
"""


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_subclassed_binary_classifier_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-08", BINARY_SUBCLASS, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


BINARY_MISTAKES = {
    # as a Sequential with a softmax head: the layers; and one softmax unit always says 1, so it learns nothing
    "softmax output": (
        [('layers.Dense(1, activation="sigmoid")', 'layers.Dense(1, activation="softmax")')],
        {"binary_classifier_layers", "built_model_learns_breast_cancer"},
    ),
    # the hidden layer is declared but never applied: never built, so no weights the contract's model can take
    "call() skips the hidden layer": (
        [("return self.out(self.hidden(inputs))", "return self.out(inputs)")],
        {"binary_classifier_layers", "built_model_learns_breast_cancer"},
    ),
    # as a Sequential with hard-coded units: only the layer check that asks for other units
    "hidden units hard-coded": (
        [("layers.Dense(hidden_units, activation=", "layers.Dense(4, activation=")],
        {"binary_classifier_layers"},
    ),
    "learning rate 0.001": (
        [("Adam(learning_rate=0.01)", "Adam(learning_rate=0.001)")],
        {"compiled_for_binary_classification"},
    ),
}


@pytest.mark.parametrize("name", first_by_default(BINARY_MISTAKES))
def test_a_subclassed_binary_classifier_with_one_mistake_loses_exactly_its_checks(tmp_path, name):
    edits, expected = BINARY_MISTAKES[name]
    result = grade_source("exercise-08", mutate(BINARY_SUBCLASS, *edits), tmp_path)
    assert failing(result) == expected, describe(result)


# Exercise 10: the course's ConvNet (Deep Learning with Python ch. 8) with the subclassing API
CNN_SUBCLASS = """
from tensorflow import keras
from tensorflow.keras import layers


class ConvNet(keras.Model):
    def __init__(self, n_classes=10):
        super().__init__()
        self.conv1 = layers.Conv2D(32, kernel_size=3, padding="same", activation="relu")
        self.pool1 = layers.MaxPooling2D(pool_size=2)
        self.conv2 = layers.Conv2D(64, kernel_size=3, padding="same", activation="relu")
        self.pool2 = layers.MaxPooling2D(pool_size=2)
        self.flatten = layers.Flatten()
        self.dense = layers.Dense(128, activation="relu")
        self.classifier = layers.Dense(n_classes, activation="softmax")

    def call(self, inputs):
        x = self.pool1(self.conv1(inputs))
        x = self.pool2(self.conv2(x))
        x = self.dense(self.flatten(x))
        return self.classifier(x)


def build_cnn(input_shape=(28, 28, 1), n_classes=10):
    model = ConvNet(n_classes)
    model.build((None, *input_shape))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
"""


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_subclassed_convnet_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-10", CNN_SUBCLASS, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


CNN_MISTAKES = {
    # as a Sequential with a relu head: the layer checks, and the relu head does not learn (the loss says why)
    "relu output": (
        [('layers.Dense(n_classes, activation="softmax")', 'layers.Dense(n_classes, activation="relu")')],
        {"course_convnet_layers", "other_input_shapes_and_classes", "learns_digits"},
    ),
    # the second convolution is declared but never applied: never built, so no weights the contract's ConvNet takes
    "call() skips the second convolution": (
        [("x = self.pool2(self.conv2(x))", "x = self.pool2(x)")],
        {"course_convnet_layers", "other_input_shapes_and_classes", "learns_digits"},
    ),
    # 16 filters where the contract has 32: the layer checks; the contract's ConvNet cannot take its weights
    "wrong units": (
        [("layers.Conv2D(32, kernel_size=3", "layers.Conv2D(16, kernel_size=3")],
        {"course_convnet_layers", "other_input_shapes_and_classes", "learns_digits"},
    ),
    "learning rate 0.01": (
        [("Adam(learning_rate=0.001)", "Adam(learning_rate=0.01)")],
        {"compiled_like_the_course"},
    ),
}


@pytest.mark.parametrize("name", first_by_default(CNN_MISTAKES))
def test_a_subclassed_convnet_with_one_mistake_loses_exactly_its_checks(tmp_path, name):
    edits, expected = CNN_MISTAKES[name]
    result = grade_source("exercise-10", mutate(CNN_SUBCLASS, *edits), tmp_path)
    assert failing(result) == expected, describe(result)


def test_a_subclass_whose_layers_are_not_the_contracts_is_told_why_its_learning_is_not_judged(tmp_path):
    result = grade_source("exercise-10", mutate(CNN_SUBCLASS, *CNN_MISTAKES["wrong units"][0]), tmp_path)
    message = result.check("learns_digits").message
    assert "safe mode" in message and "contract" in message, message


# Exercise 12: a regularised MLP (Hands-On ML ch. 11) with the subclassing API
REGULARIZED_SUBCLASS = """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


class RegularizedMLP(keras.Model):
    def __init__(self, n_classes, dropout=0.5, l2=1e-4, batch_norm=True, hidden_units=(64, 32)):
        super().__init__()
        self.blocks = []
        for units in hidden_units:
            block = [layers.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.L2(l2))]
            if batch_norm:
                block.append(layers.BatchNormalization())
            block.append(layers.Dropout(dropout))
            self.blocks.extend(block)
        self.classifier = layers.Dense(n_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = inputs
        for layer in self.blocks:
            x = layer(x, training=training)
        return self.classifier(x)


def l1_penalty(weights, lam):
    return float(lam * np.sum(np.abs(weights)))


def l2_penalty(weights, lam):
    return float(lam * np.sum(np.square(weights)))


def build_regularized_mlp(n_features, n_classes, dropout=0.5, l2=1e-4, batch_norm=True, hidden_units=(64, 32)):
    model = RegularizedMLP(n_classes, dropout, l2, batch_norm, hidden_units)
    model.build((None, n_features))
    return model


def early_stopping(patience=5):
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)


def best_epoch(history):
    return int(np.argmin(history["val_loss"]))


def is_overfitting(history, window=3):
    best = best_epoch(history)
    stalled = len(history["val_loss"]) - 1 - best >= window
    return bool(stalled and history["loss"][-1] < history["loss"][best])


def augmentation():
    return keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(20 / 360), layers.RandomTranslation(0.2, 0.2)]
    )
"""


@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_a_subclassed_regularized_mlp_gets_full_marks(tmp_path, seed):
    result = grade_source("exercise-12", REGULARIZED_SUBCLASS, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


REGULARIZED_MISTAKES = {
    # as a Sequential with a sigmoid head: the output check
    "sigmoid output": (
        [('layers.Dense(n_classes, activation="softmax")', 'layers.Dense(n_classes, activation="sigmoid")')],
        {"output_layer_comes_last"},
    ),
    # Dropout declared but never applied: only the worker's trace shows it; every check that reads the table
    "call() skips Dropout": (
        [
            (
                "            x = layer(x, training=training)\n",
                "            if not isinstance(layer, layers.Dropout):\n                x = layer(x, training=training)\n",
            )
        ],
        {
            "output_layer_comes_last",
            "input_takes_n_features",
            "hidden_layers_have_l2",
            "batchnorm_and_dropout_after_each_hidden_layer",
            "batch_norm_can_be_turned_off",
        },
    ),
    # as a Sequential without the regulariser: the l2 check
    "no kernel_regularizer": (
        [(", kernel_regularizer=keras.regularizers.L2(l2)", "")],
        {"hidden_layers_have_l2"},
    ),
    # as a Sequential with a fixed rate: the dropout check
    "dropout rate fixed": (
        [("block.append(layers.Dropout(dropout))", "block.append(layers.Dropout(0.25))")],
        {"batchnorm_and_dropout_after_each_hidden_layer"},
    ),
}


@pytest.mark.parametrize("name", first_by_default(REGULARIZED_MISTAKES))
def test_a_subclassed_regularized_mlp_with_one_mistake_loses_exactly_its_checks(tmp_path, name):
    edits, expected = REGULARIZED_MISTAKES[name]
    result = grade_source("exercise-12", mutate(REGULARIZED_SUBCLASS, *edits), tmp_path)
    assert failing(result) == expected, describe(result)
    if name == "call() skips Dropout":
        assert "Dropout" in result.check("hidden_layers_have_l2").message, describe(result)
