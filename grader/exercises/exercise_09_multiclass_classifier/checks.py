"""Hidden checks for exercise 09: a softmax MLP for images, class names, top classes.

The MLP is trained here, in the grading process, on scikit-learn's 8x8 digits
(input_shape (8, 8)) and scored on held-out digits. Measured: the reference
reaches 0.944-0.969 after 5 epochs (0.961-0.975 after 10) on the check seeds of
base seeds 0-9; threshold 0.90. A relu head, a one-hot loss or a missing
Flatten fail with the mismatch named.

The contract asks for a ``keras.Model``, so a subclassed model (Deep Learning with Python's and
Hands-On ML's subclassing API) is judged too, by what the worker reports where its class exists
(:func:`grader.checking.models.subclassed_report`): its layer table on the grader's random images
(compared like any other, without per-layer output shapes; the contract's Sequential given its weights
must compute its outputs, so a ``call()`` that skips a layer fails), its compile settings as plain data
(judged by the same functions as a loaded model's). Its learning: trained in the worker with the
grader's settings (its ``from_logits`` kept) on the training digits only, its weights put into the
contract's MLP built here and scored on held-out digits that never reach the worker. No check needs the
class rebuilt here.
"""

from __future__ import annotations

import numpy as np

from grader import datasets
from grader.checking import check, expect, fail, wrong_type
from grader.checking.models import (
    SubclassedModel,
    compile_settings,
    expect_same_layers,
    expect_subclass_layers,
    fit_and_score,
    is_subclassed,
    keras,
    layer_table,
    learner_model,
    loss_advice,
    subclassed_fit_and_score,
    subclassed_report,
)

FASHION_MNIST = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
EPOCHS = 5
MIN_ACCURACY = 0.90


def reference(input_shape: tuple, n_classes: int, hidden_units: tuple):
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    layers += [keras.layers.Dense(u, activation="relu") for u in hidden_units]
    layers.append(keras.layers.Dense(n_classes, activation="softmax"))
    return keras.Sequential(layers)


def _model(learner, rng, call: str, **kwargs):
    """The model ``build_mlp_classifier(**kwargs)`` returns: loaded here, or, for a subclass, the worker's
    report on it (built on random images of its input shape)."""
    value = learner.build_mlp_classifier(**kwargs)
    if not is_subclassed(value):
        return learner_model(value, call)
    x_probe = rng.uniform(0.0, 1.0, size=(16, *kwargs.get("input_shape", (28, 28)))).astype(np.float32)
    return subclassed_report(learner, "build_mlp_classifier", [], kwargs, call, x_probe)


def _expect_layers(model, expected, call: str) -> None:
    if isinstance(model, SubclassedModel):
        expect_subclass_layers(model, expected, call)
    else:
        expect_same_layers(model, layer_table(expected), call)


@check(points=3)
def test_course_mlp_layers(learner, rng):
    call = "build_mlp_classifier()"
    model = _model(learner, rng, call)
    _expect_layers(model, reference((28, 28), 10, (300, 100)), call)
    expect(model.count_params() == 266610, "param_count", call=call, found=model.count_params())


@check(points=2)
def test_other_shapes_classes_and_hidden_units(learner, rng):
    input_shape = (int(rng.integers(4, 30)), int(rng.integers(4, 30)))
    n_classes = int(rng.integers(2, 20))
    hidden = tuple(int(u) for u in rng.integers(4, 64, size=int(rng.integers(1, 4))))
    call = f"build_mlp_classifier(input_shape={input_shape}, n_classes={n_classes}, hidden_units={hidden})"
    model = _model(learner, rng, call, input_shape=input_shape, n_classes=n_classes, hidden_units=hidden)
    _expect_layers(model, reference(input_shape, n_classes, hidden), call)


@check(points=2)
def test_loss_matches_integer_labels(learner, rng):
    call = "build_mlp_classifier()"
    model = _model(learner, rng, call)
    settings = compile_settings(model)
    if not settings.compiled:
        fail("model.not_compiled", call=call)
    if settings.loss != "sparse_categorical_crossentropy":
        fail(
            "model.wrong_loss",
            call=call,
            found=settings.loss,
            expected="sparse_categorical_crossentropy",
            advice=loss_advice(model, settings.loss),
        )
    if settings.from_logits and layer_table(model)[-1].activation == "softmax":
        fail("explain.from_logits_probabilities", call=call, activation="softmax")
    expect(
        settings.has_metric("accuracy"),
        "model.missing_metric",
        call=call,
        metric="accuracy",
        found=list(settings.metrics),
    )


@check(points=3, timeout=120, trains=True)
def test_learns_digits(learner, rng, seed):
    data = datasets.digits(0)
    call = "build_mlp_classifier(input_shape=(8, 8), n_classes=10)"
    model = _model(learner, rng, call, input_shape=(8, 8), n_classes=10)
    # This check judges the layers: trained with the grader's optimizer and loss, so an optimizer the
    # contract leaves open (Hands-On ML's "sgd") costs nothing and a wrong loss costs only its own check.
    # The loss keeps the learner's from_logits: a head without softmax compiled with from_logits=True
    # (the TensorFlow tutorials' habit) learns; trained on probabilities it would not.
    from_logits = compile_settings(model).from_logits
    if isinstance(model, SubclassedModel):  # trained where its class exists; its weights scored here on held-out rows
        subclassed_fit_and_score(
            learner,
            "build_mlp_classifier",
            [],
            {"input_shape": (8, 8), "n_classes": 10},
            data,
            reference((8, 8), 10, (300, 100)),
            call=call,
            seed=seed,
            epochs=EPOCHS,
            threshold=MIN_ACCURACY,
            report=model,
            grader_compile={
                "learning_rate": 0.001,
                "loss": "sparse_categorical_crossentropy",
                "from_logits": from_logits,
            },
        )
        return
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
        metrics=["accuracy"],
    )
    fit_and_score(model, data, seed=seed, epochs=EPOCHS, call=call, threshold=MIN_ACCURACY)


@check(points=1)
def test_class_names(learner):
    found = learner.class_names()
    if not isinstance(found, (list, tuple)):
        wrong_type(found, "class_names()", "type_ten_names")
    expect(list(found) == FASHION_MNIST, "class_names_wrong", found=list(found)[:10], expected=FASHION_MNIST)


@check(points=2)
def test_top_class(learner, rng):
    for _ in range(3):
        k = int(rng.integers(2, 8))
        names = [f"class-{chr(97 + i)}" for i in rng.permutation(k)]
        probabilities = rng.dirichlet(np.ones(k), size=int(rng.integers(1, 20)))
        call = f"top_class(<probabilities {probabilities.shape}>, {names})"
        found = learner.top_class(probabilities, names)
        expected = [names[i] for i in probabilities.argmax(axis=1)]
        if not isinstance(found, (list, tuple)):
            wrong_type(found, call, "type_class_names")
        if list(found) == [names[i] for i in probabilities.argmin(axis=1)]:
            fail("top_class_argmin", call=call)
        expect(list(found) == expected, "top_class_wrong", call=call, found=list(found)[:5], expected=expected[:5])
