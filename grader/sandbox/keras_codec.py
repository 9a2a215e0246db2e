"""Safe transport for Keras values (models, optimizers, callbacks, datasets, tensors).

Registered on every :class:`grader.sandbox.protocol.Codec`. The encoder only looks at a
value whose type comes from ``keras`` or ``tensorflow``, so a plain-data
exercise never imports TensorFlow; it never imports Keras itself (if the value
is a Keras object, Keras is already loaded).

* a ``keras.Model`` is saved as a ``.keras`` file in the session folder and
  arrives as a :class:`~grader.sandbox.protocol.ModelFile`; load it with
  :func:`load_model`, which uses ``safe_mode=True`` so no learner code (a
  ``Lambda`` layer, a custom object) is ever deserialised in the checker;
* other Keras objects arrive as a :class:`~grader.sandbox.protocol.KerasObjectSpec`
  holding their public config (``get_config()``) or public attributes;
* a ``tf.data.Dataset`` arrives as a :class:`~grader.sandbox.protocol.DatasetSample`
  of its first elements, converted to numpy;
* a TensorFlow/Keras tensor arrives as a numpy array.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from grader.sandbox.protocol import Codec, DatasetSample, KerasObjectSpec, ModelFile, ProtocolError, opaque

MAX_DATASET_ELEMENTS = 10_000
#: ``Opaque.reason`` for a model of the learner's own class: safe mode cannot rebuild it.
SUBCLASSED_MODEL = "subclassed keras.Model"
_PLAIN = (bool, int, float, str, type(None))


def _is_framework_value(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith(("keras", "tensorflow", "tf_keras")) and "keras" in sys.modules


def encode(value: Any, codec: Codec) -> Any:
    if not _is_framework_value(value):
        if _is_learner_model(value):
            return opaque(value, SUBCLASSED_MODEL)
        return NotImplemented
    import keras

    if isinstance(value, keras.Model):
        path = codec.new_path(".keras")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value.save(path)
        return {"__keras_model__": path.rsplit("/", 1)[-1], "class_name": type(value).__name__}
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(value, tf.data.Dataset):
        return _encode_dataset(value, codec)
    if tf is not None and isinstance(value, (tf.Tensor, tf.Variable)):
        return codec.encode(value.numpy())
    if isinstance(value, keras.Variable):
        return codec.encode(keras.ops.convert_to_numpy(value))
    if hasattr(value, "get_config"):
        try:
            config = value.get_config()
        except NotImplementedError:
            config = _public_attributes(value)
    else:
        config = _public_attributes(value)
    return {
        "__keras_object__": type(value).__name__,
        "module": type(value).__module__,
        "config": codec.encode(_jsonable(config)),
    }


def _is_learner_model(value: Any) -> bool:
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(value, keras.Model)


def _public_attributes(value: Any) -> dict:
    return {k: v for k, v in vars(value).items() if not k.startswith("_") and _is_simple(v)}


def _is_simple(value: Any) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_simple(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_simple(v) for k, v in value.items())
    return False


def _jsonable(config: Any) -> Any:
    """Reduce a Keras config to plain data (nested Keras objects become their configs)."""
    if isinstance(config, dict):
        return {str(k): _jsonable(v) for k, v in config.items()}
    if isinstance(config, (list, tuple)):
        return type(config)(_jsonable(v) for v in config)
    if isinstance(config, _PLAIN):
        return config
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(config, (numpy.generic, numpy.ndarray)):
        return config.tolist()
    if hasattr(config, "get_config"):
        try:
            return {"class_name": type(config).__name__, "config": _jsonable(config.get_config())}
        except Exception:
            pass
    return repr(config)[:200]


def _encode_dataset(dataset: Any, codec: Codec) -> dict:
    elements = []
    truncated = False
    for index, element in enumerate(dataset.as_numpy_iterator()):
        if index >= MAX_DATASET_ELEMENTS:
            truncated = True
            break
        elements.append(element)
    return {
        "__dataset__": codec.encode(elements),
        "element_spec": repr(dataset.element_spec)[:500],
        "truncated": truncated,
    }


# ------------------------------------------------------------------------ decoding


def _decode_model(tree: dict, codec: Codec) -> ModelFile:
    return ModelFile(codec.checked_path(tree["__keras_model__"]), str(tree.get("class_name", "Model")))


def _decode_object(tree: dict, codec: Codec) -> KerasObjectSpec:
    config = codec.decode(tree.get("config", {}))
    return KerasObjectSpec(
        str(tree["__keras_object__"]), str(tree.get("module", "")), config if isinstance(config, dict) else {}
    )


def _decode_dataset(tree: dict, codec: Codec) -> DatasetSample:
    elements = codec.decode(tree["__dataset__"])
    return DatasetSample(
        elements if isinstance(elements, list) else [], str(tree.get("element_spec", "")), bool(tree.get("truncated"))
    )


def _decode_and_load_model(tree: dict, codec: Codec) -> Any:
    return load_model(_decode_model(tree, codec))


def install(codec: Codec, *, load_models: bool = False) -> None:
    """Register the Keras encoders and decoders on ``codec``.

    The checker keeps models as :class:`ModelFile` until a check loads one
    (``load_models=False``); the worker hands learner functions real models.
    """
    codec.add_encoder(encode)
    codec.add_decoder("__keras_model__", _decode_and_load_model if load_models else _decode_model)
    codec.add_decoder("__keras_object__", _decode_object)
    codec.add_decoder("__dataset__", _decode_dataset)


def load_model(model_file: ModelFile) -> Any:
    """Load a model file with ``safe_mode=True``.

    Raises ``ValueError`` when the file needs code to rebuild it (a ``Lambda``
    layer, a custom class): that code is the learner's and never runs here.
    """
    import keras

    if not isinstance(model_file, ModelFile):
        raise ProtocolError("not a model file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return keras.saving.load_model(model_file.path, safe_mode=True)
