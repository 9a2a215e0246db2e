"""Hidden checks for exercise 08: a sigmoid classifier, its compile settings, and training.

train_and_predict runs in the worker on breast-cancer training data and test
inputs only; the test labels stay in the grading process, which scores the
returned predictions.
"""

from __future__ import annotations

import numpy as np

from grader import datasets
from grader.checking import as_array, check, expect, fail
from grader.modelcheck import expect_compiled, expect_same_layers, keras, layer_table, learner_model

EPOCHS = 30
MIN_ACCURACY = 0.93


def reference(n_features: int, hidden_units: int = 4):
    return keras.Sequential([
        keras.Input(shape=(n_features,)),
        keras.layers.Dense(hidden_units, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


@check(points=3)
def test_binary_classifier_layers(learner, rng):
    for n_features, hidden in ((30, None), (int(rng.integers(2, 40)), int(rng.integers(2, 16)))):
        call = f"build_binary_classifier({n_features}{'' if hidden is None else f', hidden_units={hidden}'})"
        value = learner.build_binary_classifier(n_features) if hidden is None else learner.build_binary_classifier(n_features, hidden_units=hidden)
        expect_same_layers(learner_model(value, call), layer_table(reference(n_features, hidden or 4)), call)


@check(points=2)
def test_compiled_for_binary_classification(learner):
    call = "build_binary_classifier(30)"
    model = learner_model(learner.build_binary_classifier(30), call)
    expect_compiled(model, call, optimizer="Adam", learning_rate=0.01, loss="binary_crossentropy", metrics=("accuracy",))


def _predict(learner, data, seed):
    model = reference(data.x_train.shape[1])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    call = f"train_and_predict(model, x_train {data.x_train.shape}, y_train, x_test {data.x_test.shape}, epochs={EPOCHS})"
    found = as_array(learner.train_and_predict(model, data.x_train, data.y_train, data.x_test, epochs=EPOCHS), call)
    if found.size != len(data.x_test):
        fail("predictions_count", call=call, found=found.shape, expected=len(data.x_test))
    return call, found.reshape(-1)


@check(points=1, timeout=120)
def test_predictions_are_classes(learner, seed):
    call, found = _predict(learner, datasets.breast_cancer(0), seed)
    values = set(np.unique(found).tolist())
    if not values <= {0, 1}:
        fail("predictions_not_classes", call=call, found=sorted(values)[:5])


@check(points=4, timeout=120)
def test_learns_breast_cancer(learner, seed):
    data = datasets.breast_cancer(0)
    call, found = _predict(learner, data, seed)
    classes = np.where(found >= 0.5, 1, 0)
    accuracy = float(np.mean(classes == data.y_test))
    expect(accuracy >= MIN_ACCURACY, "model.too_weak_accuracy", data="breast-cancer", epochs=EPOCHS, seed=seed, found=round(accuracy, 3), expected=MIN_ACCURACY)
