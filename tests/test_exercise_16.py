"""Exercise 16 training-tools: wrong answers lose exactly their checks, textbook variants get full
marks, and the grader's independent computations agree with Keras and matplotlib. (Stub 0 and
solution full marks: tests/test_contract.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from support import (
    FAIR_SEEDS,
    describe,
    feedback_test,
    grade_source,
    mutate,
    odd_answer_test,
    solution_source,
    wrong_answer_test,
)

from grader.engine import GradeOptions

EXERCISE = "exercise-16"

FIT_CALL = """    history = model.fit(
        x_train,
        y_train,
        epochs=max_epochs,
        validation_data=(x_valid, y_valid),
        callbacks=[early_stopping],
        verbose=0,
    )"""
FEATURES = "    return np.asarray(features.predict(x, verbose=0))"

WRONG_ANSWERS = {
    "best weights not restored": (
        [("patience=patience, restore_best_weights=True)", "patience=patience, restore_best_weights=False)")],
        {"best_weights_restored"},
    ),
    "early stopping watches the training loss": (
        [('EarlyStopping(monitor="val_loss"', 'EarlyStopping(monitor="loss"')],
        {"training_stops_early", "best_weights_restored"},
    ),
    "patience one too many": (
        [("patience=patience, restore_best_weights=True)", "patience=patience + 1, restore_best_weights=True)")],
        {"training_stops_early"},
    ),
    "patience one too few": (
        [("patience=patience, restore_best_weights=True)", "patience=patience - 1, restore_best_weights=True)")],
        {"training_stops_early"},
    ),
    "checkpoint keeps every epoch": (
        [("save_best_only=True)", "save_best_only=False)")],
        {"checkpoint_config"},
    ),
    "checkpoint watches the training loss": (
        [('ModelCheckpoint(path, monitor="val_loss"', 'ModelCheckpoint(path, monitor="loss"')],
        {"checkpoint_config"},
    ),
    "saved as legacy .h5": (
        [('os.path.join(folder, "model.keras")', 'os.path.join(folder, "model.h5")')],
        {"save_and_reload"},
    ),
    "saved without an extension": (
        [('os.path.join(folder, "model.keras")', 'os.path.join(folder, "model")')],
        {"save_and_reload"},
    ),
    "layer index off by one": (
        [("model.layers[index].get_weights()", "model.layers[index + 1].get_weights()")],
        {"layer_weights"},
    ),
    "(bias, kernel)": (
        [("    return kernel, bias", "    return bias, kernel")],
        {"layer_weights"},
    ),
    "hidden features before the relu": (
        [
            (
                "    features = keras.Model(inputs=model.inputs, outputs=model.layers[index].output)\n" + FEATURES,
                "    out = np.asarray(x, dtype='float32')\n"
                "    for layer in model.layers[: index + 1]:\n"
                "        if layer.get_weights():\n"
                "            kernel, bias = layer.get_weights()\n"
                "            out = out @ kernel + bias\n"
                "    return out",
            )
        ],
        {"hidden_features"},
    ),
    "hidden features with Sequential.input": (
        [("keras.Model(inputs=model.inputs,", "keras.Model(inputs=model.input,")],
        {"hidden_features"},
    ),
    "hidden features of the next layer": (
        [("outputs=model.layers[index].output)", "outputs=model.layers[index + 1].output)")],
        {"hidden_features"},
    ),
    "plots only the training loss": (
        [('    ax.plot(history["val_loss"], label="val_loss")\n', "")],
        {"learning_curve_lines"},
    ),
    "no legend": (
        [("    ax.legend()\n", "")],
        {"learning_curve_labels"},
    ),
    "no axis labels": (
        [('    ax.set_xlabel("epoch")\n    ax.set_ylabel("loss")\n', "")],
        {"learning_curve_labels"},
    ),
    "shows the figure instead of returning it": (
        [("    return fig\n", "    plt.show()\n")],
        {"learning_curve_lines", "learning_curve_labels"},
    ),
    "returns the History object": (
        [("    return history.history  #", "    return history  #")],
        {"training_stops_early", "best_weights_restored"},
    ),
}


test_wrong_answer_loses_exactly_its_points = pytest.mark.slow(wrong_answer_test(EXERCISE, WRONG_ANSWERS))

test_feedback_names_the_mistake = pytest.mark.slow(
    feedback_test(
        EXERCISE,
        WRONG_ANSWERS,
        [
            ("best weights not restored", "best_weights_restored", ["restore_best_weights=True", "last epoch"]),
            ("early stopping watches the training loss", "training_stops_early", ["monitor='val_loss'"]),
            ("patience one too many", "training_stops_early", ["patience="]),
            ("saved as legacy .h5", "save_and_reload", [".h5", "model.keras"]),
            ("saved without an extension", "save_and_reload", [".keras"]),
            ("hidden features with Sequential.input", "hidden_features", ["model.inputs", "model.layers[0].input"]),
            ("hidden features before the relu", "hidden_features", ["relu"]),
            ("layer index off by one", "layer_weights", ["model.layers["]),
            ("no legend", "learning_curve_labels", ["legend"]),
            ("plots only the training loss", "learning_curve_lines", ["val_loss"]),
            ("returns the History object", "training_stops_early", ["history.history"]),
        ],
    )
)

test_odd_return_values = pytest.mark.slow(
    odd_answer_test(
        EXERCISE,
        [
            ("    return history.history  #", "    return 42  #", "training_stops_early", "history.history"),
            ("    return history.history  #", "    return {'loss': 'x'}  #", "training_stops_early", "history"),
            (
                "    return history.history  #",
                "    return {'loss': [1.0], 'val_loss': [float('nan')]}  #",
                "training_stops_early",
                "val_loss",
            ),
            ("    return kernel, bias", "    return 'kernel'", "layer_weights", "kernel"),
            (FEATURES, "    return None", "hidden_features", "hidden_features"),
            ("    return fig\n", "    return 'fig'\n", "learning_curve_lines", "matplotlib"),
            (
                "    return fig\n",
                "    ax.plot(np.arange(10**6), np.ones(10**6))\n    return fig\n",
                "learning_curve_labels",
                "points",
            ),
        ],
    )
)

# written differently, to the contract: full marks on seeds 0, 1 and 2
VARIANTS = [
    (
        "callbacks built separately, keras.saving.load_model, Model(model.inputs, layer.output)",
        [
            (
                '    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)\n',
                "    from tensorflow.keras.callbacks import EarlyStopping\n"
                "    callbacks = []\n"
                "    callbacks.append(EarlyStopping(monitor='val_loss', patience=patience, restore_best_weights=True))\n",
            ),
            ("callbacks=[early_stopping],", "callbacks=callbacks,"),
            # tf.keras (from tensorflow import keras) has no keras.saving: Keras 3's own package has
            (
                "    return keras.models.load_model(path)",
                "    import keras as keras3\n\n    return keras3.saving.load_model(path)",
            ),
            ("    return fig\n", "    return ax\n"),  # an Axes is judged like its figure
            (
                "keras.Model(inputs=model.inputs, outputs=model.layers[index].output)",
                "keras.Model(model.layers[0].input, model.layers[index].output)",
            ),
            (
                "    kernel, bias = model.layers[index].get_weights()\n    return kernel, bias",
                "    return model.layers[index].get_weights()",
            ),
        ],
    ),
    (
        "history object habits and plt state machine",
        [
            ("    return history.history  #", "    hist = history.history\n    return hist  #"),
            (
                '    fig, ax = plt.subplots()\n    ax.plot(history["loss"], label="loss")\n    ax.plot(history["val_loss"], label="val_loss")\n'
                '    ax.set_xlabel("epoch")\n    ax.set_ylabel("loss")\n    ax.legend()\n    return fig',
                "    fig = plt.figure(figsize=(10, 6))\n"
                "    epochs = range(1, len(history.history['loss']) + 1)\n"
                "    plt.plot(epochs, history.history['loss'], 'b-', label='Train Loss')\n"
                "    plt.plot(epochs, history.history['val_loss'], 'r--', label='Validation Loss')\n"
                "    plt.plot(epochs, [min(history.history['val_loss'])] * len(epochs), ':')\n"
                "    plt.xlabel('Epochs')\n    plt.ylabel('Loss')\n    plt.legend(['train', 'validation', 'best'])\n    plt.grid()\n"
                "    return fig",
            ),
            (
                "    features = keras.Model(inputs=model.inputs, outputs=model.layers[index].output)\n" + FEATURES,
                "    layer = model.layers[index]\n    sub = keras.models.Model(inputs=model.inputs, outputs=layer.output)\n    return sub(x).numpy()",
            ),
        ],
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, edits", VARIANTS, ids=[v[0] for v in VARIANTS])
@pytest.mark.parametrize("seed", FAIR_SEEDS)
def test_variants_written_differently_get_full_marks(name, edits, seed, tmp_path):
    source = mutate(solution_source(EXERCISE), *edits)
    result = grade_source(EXERCISE, source, tmp_path, options=GradeOptions(seed=seed))
    assert result.score == result.max_score, describe(result)


@pytest.mark.slow
def test_matplotlib_missing_names_the_plots_extra(tmp_path):
    source = mutate(
        solution_source(EXERCISE),
        (
            "    import matplotlib.pyplot as plt  #",
            "    raise ModuleNotFoundError(\"No module named 'matplotlib'\")  #",
        ),
    )
    result = grade_source(EXERCISE, source, tmp_path)
    found = result.check("learning_curve_lines")
    assert found.status != "passed" and "kerasdrill[plots]" in found.message, describe(result)
    assert result.check("training_stops_early").passed, describe(result)


def test_early_stopping_rule_matches_keras():
    """The grader's EarlyStopping rule, run over a val_loss series, stops where Keras's callback does."""
    keras = pytest.importorskip("keras")
    from grader.exercises.exercise_16_training_tools.checks import early_stopping_length

    rng = np.random.default_rng(16)
    for _ in range(30):
        values = [float(v) for v in np.round(rng.uniform(0.0, 1.0, size=int(rng.integers(3, 25))), 2)]
        patience = int(rng.integers(1, 6))
        callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.stop_training = False
        callback.set_model(model)
        callback.on_train_begin()
        ran = 0
        for epoch, value in enumerate(values):
            callback.on_epoch_end(epoch, {"val_loss": value})
            ran = epoch + 1
            if callback.model.stop_training:
                break
        expected = early_stopping_length(values, patience, 100)
        assert expected == ran if callback.model.stop_training else expected is None, (values, patience)


def test_layer_outputs_match_keras():
    """relu(x @ W + b) layer by layer, in float64 here, equals what Keras computes for each layer."""
    pytest.importorskip("keras")
    from grader.checking.models import keras
    from grader.exercises.exercise_16_training_tools.checks import grader_model, layer_outputs

    for seed in range(3):
        rng = np.random.default_rng(seed)
        model, n_features = grader_model(rng, seed)
        x = rng.normal(size=(7, n_features)).astype("float32")
        for index, (expected, _) in enumerate(layer_outputs(model, x)):
            sub = keras.Model(inputs=model.inputs, outputs=model.layers[index].output)
            assert np.allclose(keras.ops.convert_to_numpy(sub(x)), expected, rtol=1e-4, atol=1e-5)


def test_figure_crosses_as_plain_data_and_is_bounded(tmp_path):
    """A figure encoded as the worker does it decodes to its lines, labels and legend; past the bounds
    (a million points) it is a FigureData with a problem, and a forged tree is malformed, never an error."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grader.sandbox import figures
    from grader.sandbox.protocol import Codec

    codec = Codec(str(tmp_path))
    figures.install(codec)
    fig, ax = plt.subplots()
    ax.plot([3.0, 2.0, 1.0], label="loss")
    ax.set_xlabel("epoch")
    ax.legend()
    data = codec.decode(codec.encode(fig))
    assert data.problem == "" and data.axes[0].xlabel == "epoch" and data.axes[0].legend == ("loss",)
    assert data.axes[0].lines[0].y.tolist() == [3.0, 2.0, 1.0] and data.axes[0].lines[0].x.tolist() == [0, 1, 2]
    ax.plot(np.arange(10**6), np.ones(10**6))
    big = codec.decode(codec.encode(fig))
    assert big.problem == "points" and big.size == 10**6
    plt.close(fig)
    for forged in ({"__figure__": "Figure", "axes": "x"}, {"__figure__": 1, "axes": [{"lines": [{"x": 5}]}]}):
        assert codec.decode(forged).problem == "malformed"


def test_a_history_crosses_as_a_dict_that_also_answers_history_and_epoch():
    """plot_learning_curves receives the dict; the course's history.history[...] and history.epoch work on it too."""
    from grader.sandbox.protocol import Codec, TrainingHistory

    codec = Codec()
    sent = TrainingHistory({"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.8]})
    received = codec.decode(codec.encode(sent))
    assert isinstance(received, dict) and received == sent
    assert received.history["val_loss"] == [1.0, 0.7, 0.8] and received.epoch == [0, 1, 2]
    assert received.history.history is received  # history.history.history, as deep as anyone writes it
