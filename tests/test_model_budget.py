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
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ----------------------------------------------------------------------------- judged from what Keras would build
# (issue #25 item 3). Before: the archive below was estimated at ~80 k parameters from its layers'
# missing build_config and built with 416 M in the grading process (2.3 GiB); the nested one passed
# the depth-20 scan unrefused and took minutes per load.


def _bare(kind: str, **config) -> dict:
    """A layer as a learner can write it: no ``build_config``, so Keras infers its input shape."""
    return {"module": "keras.layers", "class_name": kind, "config": {"name": kind.lower(), **config}}


NO_BUILD_CONFIG = _model(
    _bare("InputLayer", batch_shape=[None, 20_000]),
    _bare("Dense", units=20_000),  # 400 M parameters, once Keras gives it the input layer's shape
    _bare("Dense", units=800),
)


def test_layers_without_build_config_are_judged_from_the_shape_keras_infers(tmp_path):
    with pytest.raises(TooLarge) as refused:
        inspect_archive(_archive(tmp_path, NO_BUILD_CONFIG))
    assert refused.value.message_id == "model.budget_params"
    assert refused.value.params["found"] == "416,020,800", refused.value.params


def test_a_build_config_that_lies_about_the_input_is_not_believed():
    lying = _model(_bare("InputLayer", batch_shape=[None, 20_000]), _layer("Dense", [1], units=20_000))
    with pytest.raises(TooLarge) as refused:
        estimate_model(lying)
    assert refused.value.message_id == "model.budget_params"


def test_a_functional_graph_is_followed_through_its_inbound_nodes():
    def tensor(layer: str, shape: list) -> dict:  # the recorded shape is small: Keras uses the real one
        return {"class_name": "__keras_tensor__", "config": {"shape": shape, "keras_history": [layer, 0, 0]}}

    def node(name: str, kind: str, inputs: list, **config) -> dict:
        return {**_bare(kind, **config), "name": name, "inbound_nodes": [{"args": [inputs], "kwargs": {}}]}

    functional = {
        "class_name": "Functional",
        "config": {
            "layers": [
                {**_bare("InputLayer", batch_shape=[None, 5_000]), "name": "in", "inbound_nodes": []},
                node("wide", "Dense", tensor("in", [None, 1]), units=1_000),
                node("both", "Concatenate", [tensor("wide", [None, 1]), tensor("in", [None, 1])], axis=-1),
                node("out", "Dense", tensor("both", [None, 1]), units=1_000),
            ],
            "input_layers": [["in", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    with pytest.raises(TooLarge) as refused:  # 5,001,000 + 6,001,000 parameters
        estimate_model(functional)
    assert refused.value.params["found"] == "11,002,000", refused.value.params


def test_models_nested_past_the_bound_are_refused_at_once(tmp_path):
    nested = _model(*[_layer("Dense", [4], units=4) for _ in range(400)])
    for _ in range(22):
        nested = _model(nested)
    with pytest.raises(TooLarge) as refused:
        inspect_archive(_archive(tmp_path, nested))
    assert refused.value.message_id == "model.budget_nesting" and refused.value.params == {"limit": 10}


def test_a_config_nested_100000_deep_is_refused_before_json_recurses(tmp_path):
    deep = json.dumps(COURSE_CNN)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(TooLarge) as refused:
        inspect_archive(_archive(tmp_path, deep))
    assert refused.value.message_id == "model.budget_nesting"


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3000), st.lists(st.integers(1, 600), min_size=1, max_size=8), st.booleans())
def test_a_dense_stack_is_counted_exactly_with_or_without_build_configs(inputs, units, saved):
    layers = [_bare("InputLayer", batch_shape=[None, inputs])]
    width, expected = inputs, 0
    for unit in units:
        layers.append(_layer("Dense", [width], units=unit) if saved else _bare("Dense", units=unit))
        expected += width * unit + unit
        width = unit
    config = _model(*layers)
    if expected > 5_000_000:
        with pytest.raises(TooLarge):
            estimate_model(config)
    else:
        assert estimate_model(config)[0] == expected


def test_the_budget_refuses_before_keras_builds_anything(tmp_path, monkeypatch):
    """learner_model judges the archive first: Keras's loader is never reached for a refused model."""
    from grader.checking import models
    from grader.checking.api import CheckFailed
    from grader.sandbox import keras_codec
    from grader.sandbox.protocol import ModelFile

    def never(*args, **kwargs):
        raise AssertionError("Keras was asked to build a refused model")

    monkeypatch.setattr(keras_codec, "load_model", never)
    with pytest.raises(CheckFailed) as failed:
        models.learner_model(ModelFile(_archive(tmp_path, NO_BUILD_CONFIG)), "build()")
    assert failed.value.message_id == "model.budget_params"
