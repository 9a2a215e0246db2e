"""Learner-described model bombs are refused from the archive, before Keras builds anything.

Each archive here is a hand-written ``.keras`` file (a zip with ``config.json``): no Keras import
(but in the last tests, which build models to show what the grading process loads),
no allocation. Before the budget, the grading process built each of these (issue #10: 7.9 GB for
200 M declared parameters, 4.9 GB for ``UpSampling2D(128)``, 4.6 GB for ``AUC(num_thresholds=3e7)``,
3.7 GB for a config padded to 1.5 GiB, 408 s for 900 layers).
"""

from __future__ import annotations

import json
import zipfile

import pytest

from grader.checking.model_budget import TooLarge, estimate_model, inspect_archive


def _layer(kind: str, input_shape: list | None, **config) -> dict:
    layer = {"module": "keras.layers", "class_name": kind, "config": {"name": kind.lower(), **config}}
    if input_shape is not None:
        layer["build_config"] = {"input_shape": [None, *input_shape]}
    return layer


def _model(*layers: dict, compile_config: dict | None = None) -> dict:
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": list(layers)}}
    if compile_config is not None:
        config["compile_config"] = compile_config
    return config


def _archive(tmp_path, config: dict | str, weights: bytes = b"") -> str:
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3"}))
        archive.writestr("config.json", config if isinstance(config, str) else json.dumps(config))
        archive.writestr("model.weights.h5", weights)
    return str(path)


COURSE_CNN = _model(
    _layer("InputLayer", None, batch_shape=[None, 28, 28, 1]),
    _layer("Conv2D", [28, 28, 1], filters=32, kernel_size=[3, 3], strides=[1, 1]),
    _layer("MaxPooling2D", [26, 26, 32], pool_size=[2, 2]),
    _layer("Conv2D", [13, 13, 32], filters=64, kernel_size=[3, 3], strides=[1, 1]),
    _layer("Flatten", [11, 11, 64]),
    _layer("Dense", [7744], units=128),
    _layer("Dense", [128], units=10),
    compile_config={"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
)


def test_a_course_sized_model_is_accepted(tmp_path):
    inspect_archive(_archive(tmp_path, COURSE_CNN))
    params, activations = estimate_model(COURSE_CNN)
    assert 1_000_000 < params < 1_100_000 and activations == 28 * 28 * 32  # padding ignored: an upper bound


@pytest.mark.parametrize(
    "name, config, message_id",
    [
        ("200 M declared parameters", _model(_layer("Dense", [20_000], units=10_000)), "model.budget_params"),
        (
            "UpSampling2D(128) on a 330-parameter model",
            _model(
                _layer("Conv2D", [28, 28, 1], filters=32, kernel_size=[3, 3]),
                _layer("UpSampling2D", [26, 26, 32], size=[128, 128]),
            ),
            "model.budget_activations",
        ),
        (
            "AUC(num_thresholds=3e7) in the compile config",
            _model(
                _layer("Dense", [30], units=1),
                compile_config={
                    "loss": "binary_crossentropy",
                    "metrics": [{"class_name": "AUC", "config": {"num_thresholds": 30_000_000}}],
                },
            ),
            "model.budget_compile",
        ),
        ("900 linear layers", _model(*[_layer("Dense", [4], units=4) for _ in range(900)]), "model.budget_layers"),
    ],
)
def test_a_model_bomb_is_refused_before_it_is_built(tmp_path, name, config, message_id):
    with pytest.raises(TooLarge) as refused:
        inspect_archive(_archive(tmp_path, config))
    assert refused.value.message_id == message_id, name


def test_a_padded_config_is_refused_without_reading_it_whole(tmp_path):
    padded = json.dumps(COURSE_CNN)[:-1] + ', "padding": "' + " " * (2 * 1024 * 1024) + '"}'
    with pytest.raises(TooLarge) as refused:
        inspect_archive(_archive(tmp_path, padded))
    assert refused.value.message_id == "model.budget_config"


def test_an_archive_of_many_members_is_refused(tmp_path):
    path = tmp_path / "model.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(40):
            archive.writestr(f"junk-{index}", b"")
    with pytest.raises(TooLarge) as refused:
        inspect_archive(str(path))
    assert refused.value.message_id == "model.budget_members" and refused.value.params["found"] == 40


def test_a_refusal_message_names_the_memory_in_the_learners_terms():
    from grader.messages import Catalogue

    with pytest.raises(TooLarge) as refused:
        estimate_model(_model(_layer("UpSampling2D", [26, 26, 32], size=[128, 128])))
    text = Catalogue("en").render_check_message(
        refused.value.message_id, {"call": "build_cnn()", **refused.value.params}
    )
    assert "build_cnn()" in text and "GB" in text and "UpSampling" in text, text


def test_the_archive_judged_is_the_archive_built_even_when_the_worker_swaps_its_file(tmp_path, monkeypatch):
    """The worker is still running while the grading process judges its model file, and may replace
    the file between the budget's look and Keras's load (here: the moment after the look). The
    grading process copies the file once and judges and builds only its copy. (Builds Keras models.)"""
    import os
    import shutil

    import keras

    from grader.checking import models
    from grader.sandbox.protocol import ModelFile

    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(tmp_path / "small.keras")
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(5), keras.layers.Dense(7)]).save(tmp_path / "other.keras")
    sent = tmp_path / "value-1.keras"
    shutil.copy(tmp_path / "small.keras", sent)
    judge = models.inspect_archive

    def judged_then_swapped(path: str) -> None:
        judge(path)
        os.replace(shutil.copy(tmp_path / "other.keras", tmp_path / "swap.keras"), sent)  # the worker's move

    monkeypatch.setattr(models, "inspect_archive", judged_then_swapped)
    model = models.learner_model(ModelFile(str(sent)), "build()")
    assert [layer.units for layer in model.layers] == [2]


def test_an_archive_that_is_not_a_regular_file_is_never_opened_for_reading(tmp_path):
    import os

    from grader.checking.model_budget import copy_archive

    os.mkfifo(tmp_path / "value.keras")  # opening it for reading would block until a writer came
    copy_archive(str(tmp_path / "value.keras"), str(tmp_path / "copy.keras"))
    assert (tmp_path / "copy.keras").read_bytes() == b""
