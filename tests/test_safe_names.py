"""TensorFlow's names of Keras activations load as the Keras activation; everything else safe mode refuses,
and the refusal names what it refused (issue 26, item 5)."""

from __future__ import annotations

import pytest

from grader.checking import CheckFailed
from grader.sandbox.protocol import ModelFile

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tf():
    import tensorflow

    from grader.checking import models  # noqa: F401  (quiets TensorFlow before it is imported)

    return tensorflow


def _saved(tmp_path, name, *layers):
    from grader.checking.models import keras

    model = keras.Sequential([keras.Input(shape=(4,)), *layers])
    path = tmp_path / f"{name}.keras"
    model.save(path)
    return ModelFile(str(path))


@pytest.mark.parametrize(
    "alias, keras_name",
    [
        ("nn.softmax", "softmax"),
        ("math.softmax", "softmax"),
        ("nn.log_softmax", "log_softmax"),
        ("nn.swish", "silu"),
        ("nn.silu", "silu"),
        ("exp", "exponential"),
        ("nn.relu", "relu"),
        ("nn.gelu", "gelu"),
        ("nn.elu", "elu"),
        ("nn.selu", "selu"),
        ("nn.softplus", "softplus"),
        ("nn.relu6", "relu6"),
        ("math.sigmoid", "sigmoid"),
        ("math.tanh", "tanh"),
    ],
)
def test_a_tensorflow_activation_reads_as_the_keras_one(tf, tmp_path, alias, keras_name):
    from grader.checking.models import keras, layer_table, learner_model

    function = tf
    for part in alias.split("."):
        function = getattr(function, part)
    saved = _saved(tmp_path, "tf", keras.layers.Dense(3, activation=function), keras.layers.Activation(function))
    model = learner_model(saved, "build()")
    assert [row.activation for row in layer_table(model)] == [keras_name, keras_name]
    x = tf.random.normal((2, 4))
    kernel, bias = model.layers[0].get_weights()
    computed = tf.cast(function(function(x @ kernel + bias)), "float32")  # what the learner's model computes
    assert float(tf.reduce_max(tf.abs(model(x) - computed))) < 1e-5


def test_a_lambda_layer_is_still_refused_and_named(tmp_path):
    from grader.checking.models import keras, learner_model

    saved = _saved(tmp_path, "lambda", keras.layers.Dense(3), keras.layers.Lambda(lambda t: t * 2.0, name="double"))
    with pytest.raises(CheckFailed) as failure:
        learner_model(saved, "build()")
    assert failure.value.message_id == "model.unsafe"
    assert [ref["$message"] for ref in failure.value.params["refused"]] == ["model.refused_lambda"]
    assert failure.value.params["refused"][0]["params"] == {"layer": "double"}


def my_activation(x):
    return x * 2.0


def test_a_function_of_the_learners_own_is_refused_and_named(tmp_path):
    from grader.checking.models import keras, learner_model
    from grader.messages import catalogue_for

    saved = _saved(tmp_path, "own", keras.layers.Dense(3, activation=my_activation, name="hidden"))
    with pytest.raises(CheckFailed) as failure:
        learner_model(saved, "build()")
    assert failure.value.message_id == "model.unsafe"
    for language, words in (
        ("en", ["my_activation", "hidden", "not a Keras activation"]),
        ("ko", ["my_activation", "hidden", "층"]),
    ):
        text = catalogue_for(None, language).render_check_message("model.unsafe", failure.value.params)
        assert all(word in text for word in words), text
        assert "custom object" not in text and "사용자 정의 객체" not in text, text
