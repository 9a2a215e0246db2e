"""A learner's ``.keras`` archive, judged before Keras builds any of it.

The grading process runs no learner code, but it does build and train the models learners
describe. A 1 KB archive can declare 200 M parameters, a 330-parameter model can upsample its
input 128 times, a metric can ask for 30 M thresholds, a config can be padded to 1.5 GiB. Each
is refused here, from the archive's listing and its ``config.json`` read with a size cap, with a
message in the learner's terms ("this model would need about 4 GB to train here").

The estimate follows the config layer by layer, from each layer's saved input shape (Keras 3
writes ``build_config``); it is meant to be generous for course models and to catch bombs, not
to count exactly. Standard library only.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from typing import Any

from grader.bounded_json import json_depth
from grader.messages import message_ref

MAX_CONFIG_BYTES = 1 * 1024 * 1024
MAX_ARCHIVE_BYTES = 128 * 1024 * 1024  # uncompressed, all members
MAX_MEMBERS = 16
MAX_LAYERS = 300  # layers of every nested model and wrapper together
MAX_NESTING = 10  # models (and wrappers) inside models; a course model nests at most 2
MAX_CONFIG_DEPTH = 64  # JSON levels of config.json; Keras writes ~12 per nested model
MAX_PARAMS = 5_000_000
MAX_ACTIVATIONS = 4_000_000  # values per sample in one layer's output
MAX_CONFIG_NUMBER = 1_000_000  # e.g. AUC(num_thresholds=3e7) in a compile config
BYTES_PER_VALUE_TRAINING = 4 * 3 * 32  # float32, forward + gradient + optimizer slots, a batch of 32


@dataclass(frozen=True)
class TooLarge(Exception):
    """Why the archive is refused: a catalogue message id under ``model.budget_*`` and its params."""

    message_id: str
    params: dict


def copy_archive(source: str, target: str) -> None:
    """Copy the learner's archive at ``source`` to ``target``, reading it once and at most
    :data:`MAX_ARCHIVE_BYTES` of it (no symlink followed, nothing but a regular file).

    Raises :class:`TooLarge` for a larger file; a file that cannot be read leaves ``target``
    empty, for Keras to refuse.
    """
    import os
    import stat

    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        open(target, "wb").close()
        return
    with open(fd, "rb") as handle, open(target, "wb") as out:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        data = handle.read(MAX_ARCHIVE_BYTES + 1)
        if len(data) > MAX_ARCHIVE_BYTES:
            raise TooLarge(
                "model.budget_archive",
                {
                    "found": message_ref("model.more_than", size=_bytes(MAX_ARCHIVE_BYTES)),
                    "limit": _bytes(MAX_ARCHIVE_BYTES),
                },
            )
        out.write(data)


def inspect_archive(path: str) -> None:
    """Raise :class:`TooLarge` if the archive at ``path`` describes a model too large to build here.

    A file that is not a readable archive is left to Keras, whose error the caller reports.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        return
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise TooLarge("model.budget_members", {"found": len(members), "limit": MAX_MEMBERS})
        total = sum(max(0, m.file_size) for m in members)
        if total > MAX_ARCHIVE_BYTES:
            raise TooLarge("model.budget_archive", {"found": _bytes(total), "limit": _bytes(MAX_ARCHIVE_BYTES)})
        config_info = next((m for m in members if m.filename == "config.json"), None)
        if config_info is None:
            return
        if config_info.file_size > MAX_CONFIG_BYTES:
            raise TooLarge(
                "model.budget_config", {"found": _bytes(config_info.file_size), "limit": _bytes(MAX_CONFIG_BYTES)}
            )
        with archive.open(config_info) as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)  # the listing may lie about the size
        if len(raw) > MAX_CONFIG_BYTES:
            raise TooLarge(
                "model.budget_config",
                {
                    "found": message_ref("model.more_than", size=_bytes(MAX_CONFIG_BYTES)),
                    "limit": _bytes(MAX_CONFIG_BYTES),
                },
            )
    if json_depth(raw, MAX_CONFIG_DEPTH) > MAX_CONFIG_DEPTH:  # before json.loads, which recurses per level
        raise TooLarge("model.budget_nesting", {"limit": MAX_NESTING})
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError, MemoryError):
        return  # Keras refuses it with its own error
    estimate_model(config)
    _check_compile_config(config.get("compile_config") if isinstance(config, dict) else None)


def estimate_model(config: Any) -> tuple[int, int]:
    """(parameters, largest activation per sample) of a saved model config; :class:`TooLarge` past a limit.

    Each layer is judged from the input shape Keras would give it when it builds the model: followed
    from the model's inputs through a Sequential's layers or a functional model's graph (nested models
    and wrappers included), and from the layer's saved ``build_config`` too; the larger estimate
    counts, so a layer without a ``build_config``, or with one that lies, is still judged by what
    Keras would build. The walk visits each layer once (nesting is bounded by :data:`MAX_NESTING`,
    the config's size by :data:`MAX_CONFIG_BYTES`), so it takes milliseconds.
    """
    tally = _Tally()
    if isinstance(config, dict):
        _walk_model(config, None, 0, tally)
    if tally.layers > MAX_LAYERS:
        raise TooLarge("model.budget_layers", {"found": tally.layers, "limit": MAX_LAYERS})
    if tally.params > MAX_PARAMS:
        raise TooLarge("model.budget_params", {"found": f"{tally.params:,}", "limit": f"{MAX_PARAMS:,}"})
    if tally.activations > MAX_ACTIVATIONS:
        need = tally.activations * BYTES_PER_VALUE_TRAINING
        raise TooLarge(
            "model.budget_activations",
            {"found": f"{tally.activations:,}", "limit": f"{MAX_ACTIVATIONS:,}", "memory": _bytes(need)},
        )
    return tally.params, tally.activations


Shape = list  # a shape without its batch dimension; an unknown size is None (counted as 1)


@dataclass
class _Tally:
    layers: int = 0
    params: int = 0
    activations: int = 0

    def add_layer(self) -> None:
        self.layers += 1


def _walk_model(node: dict, inputs: list[Shape | None] | None, depth: int, tally: _Tally) -> Shape | None:
    """Tally a (nested) model's layers; its output shape (``None``: unknown). ``inputs``: the shapes
    the enclosing model feeds it (``None``: its own input layers')."""
    if depth > MAX_NESTING:
        raise TooLarge("model.budget_nesting", {"limit": MAX_NESTING})
    inner = node.get("config") if isinstance(node.get("config"), dict) else {}
    layers = [layer for layer in inner.get("layers", []) if isinstance(layer, dict)]
    if any("inbound_nodes" in layer for layer in layers):
        return _walk_functional(inner, layers, inputs, depth, tally)
    shape = inputs[0] if inputs else None
    if shape is None:  # what Keras builds a Sequential with: its input layer, else the saved build shape
        first = layers[0] if layers and layers[0].get("class_name") == "InputLayer" else None
        build = node.get("build_config")
        candidates = [
            _input_layer_shape(first) if first else None,
            _batchless(inner.get("build_input_shape")),
            _batchless(build.get("input_shape")) if isinstance(build, dict) else None,
        ]
        shape = next((c for c in candidates if c is not None), None)
    for layer in layers:
        shape = _walk_layer(layer, [shape], depth, tally)
    return shape


def _walk_functional(
    inner: dict, layers: list[dict], inputs: list[Shape | None] | None, depth: int, tally: _Tally
) -> Shape | None:
    """A functional model's graph, in the order its config lists the layers (Keras writes them so)."""
    given: dict[str, Shape | None] = {}
    names = [entry[0] for entry in inner.get("input_layers", []) if isinstance(entry, list) and entry]
    for index, name in enumerate(names if inputs else []):
        if index < len(inputs) and isinstance(name, str):  # type: ignore[arg-type]
            given[name] = inputs[index]  # type: ignore[index]
    produced: dict[tuple[str, int], Shape | None] = {}
    last: Shape | None = None
    for layer in layers:
        name = str(layer.get("name") or (layer.get("config") or {}).get("name", ""))
        nodes = (
            [n for n in layer.get("inbound_nodes", []) if isinstance(n, dict)]
            if isinstance(layer.get("inbound_nodes"), list)
            else []
        )
        if layer.get("class_name") == "InputLayer" or not nodes:
            last = given.get(name) or _input_layer_shape(layer)
            tally.add_layer()
            produced[(name, 0)] = last
            continue
        outputs = []
        for index, node in enumerate(nodes[:8]):  # a layer shared by many calls: its first calls tell its size
            shapes = [produced.get(key, recorded) for key, recorded in _keras_tensors(node.get("args"))]
            outputs.append(_walk_layer(layer, shapes or [None], depth, tally, count=index == 0))
            produced[(name, index)] = outputs[-1]
        last = outputs[0] if outputs else None
    return last


def _keras_tensors(args: Any) -> list[tuple[tuple[str, int], Shape | None]]:
    """The tensors a functional node is called on: ((layer, node index), the shape recorded beside it),
    found without recursion."""
    found, stack = [], [args]
    while stack and len(found) < 64:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict) and item.get("class_name") == "__keras_tensor__":
            config = item.get("config") if isinstance(item.get("config"), dict) else {}
            history = config.get("keras_history")
            if isinstance(history, list) and len(history) >= 2 and isinstance(history[0], str):
                found.append(((history[0], _int(history[1], 0)), _batchless(config.get("shape"))))
    return found


def _walk_layer(
    layer: dict, shapes: list[Shape | None], depth: int, tally: _Tally, *, count: bool = True
) -> Shape | None:
    """Tally one layer fed ``shapes``; its output shape."""
    config = layer.get("config") if isinstance(layer.get("config"), dict) else {}
    if isinstance(config.get("layers"), list):  # a model inside the model
        return _walk_model(layer, shapes, depth + 1, tally)
    if count:
        tally.add_layer()
    kind = str(layer.get("class_name", ""))
    shape = shapes[0] if shapes else None
    if isinstance(config.get("layer"), dict):  # a wrapper: TimeDistributed, Bidirectional
        return _walk_wrapper(kind, config, shape, depth, tally)
    params = activations = 0
    build = layer.get("build_config")
    saved = _batchless(build.get("input_shape")) if isinstance(build, dict) else None
    for seen in {repr(s): s for s in (shape, saved) if s is not None}.values() or [None]:
        layer_params, layer_activations = _estimate_layer(kind, config, seen or [])
        params, activations = max(params, layer_params), max(activations, layer_activations)
    out = _output_shape(kind, config, shapes if shape is not None else [saved])
    if out is not None:
        activations = max(activations, _values(out))
    if count:
        tally.params += params
    tally.activations = max(tally.activations, activations)
    return out


def _walk_wrapper(kind: str, config: dict, shape: Shape | None, depth: int, tally: _Tally) -> Shape | None:
    if depth + 1 > MAX_NESTING:
        raise TooLarge("model.budget_nesting", {"limit": MAX_NESTING})
    if kind == "TimeDistributed":
        inner = _walk_layer(config["layer"], [shape[1:] if shape else None], depth + 1, tally)
        return [shape[0], *inner] if shape and inner is not None else None
    inner = _walk_layer(config["layer"], [shape], depth + 1, tally)
    if kind == "Bidirectional":
        backward = config.get("backward_layer")
        _walk_layer(backward if isinstance(backward, dict) else config["layer"], [shape], depth + 1, tally)
        if inner and config.get("merge_mode", "concat") == "concat":
            return [*inner[:-1], _dim(inner[-1]) * 2]
    return inner


def _input_layer_shape(layer: dict | None) -> Shape | None:
    config = layer.get("config") if isinstance(layer, dict) and isinstance(layer.get("config"), dict) else {}
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return _batchless(config[key])
    return [_size(d) for d in config["input_shape"]] if isinstance(config.get("input_shape"), list) else None


def _batchless(shape: Any) -> Shape | None:
    """A saved ``[None, 28, 28, 1]`` as ``[28, 28, 1]``; ``None`` for anything else (several inputs too)."""
    if not isinstance(shape, list) or not shape or isinstance(shape[0], list):
        return None
    return [_size(d) for d in shape[1:]]


def _size(value: Any) -> int | None:
    return None if value is None else _int(value, 1)


def _dim(value: int | None) -> int:
    return 1 if value is None else value


def _values(shape: Shape) -> int:
    return math.prod(_dim(d) for d in shape) if shape else 1


def _spatial(kind: str, config: dict, shape: Shape) -> tuple[list, int, bool]:
    """(the spatial sizes, the channels, whether channels come first) of a conv or pooling input."""
    first = config.get("data_format") == "channels_first"
    rank = int(kind[-2]) if len(kind) > 2 and kind[-2:-1].isdigit() and kind.endswith("D") else max(1, len(shape) - 1)
    if first:
        return list(shape[1 : 1 + rank]), _dim(shape[0] if shape else None), True
    return list(shape[-1 - rank : -1] if len(shape) > rank else shape[:-1]), _dim(shape[-1] if shape else None), False


def _window(sizes: list, config: dict, *, kernel_key: str, transpose: bool = False) -> list:
    kernel = _ints(config.get(kernel_key)) or [1]
    strides = _ints(config.get("strides")) or kernel if not transpose else _ints(config.get("strides")) or [1]
    dilation = _ints(config.get("dilation_rate")) or [1]
    same = config.get("padding") in ("same", "causal")
    out = []
    for index, size in enumerate(sizes):
        if size is None:
            out.append(None)
            continue
        k = kernel[min(index, len(kernel) - 1)]
        s = max(1, strides[min(index, len(strides) - 1)])
        d = max(1, dilation[min(index, len(dilation) - 1)])
        span = (k - 1) * d + 1
        if transpose:
            out.append(size * s if same else (size - 1) * s + span)
        else:
            out.append(-(-size // s) if same else max(0, (size - span) // s + 1))
    return out


def _output_shape(kind: str, config: dict, shapes: list[Shape | None]) -> Shape | None:
    """The output shape Keras would give ``kind`` fed ``shapes`` (for the layers a course model uses and
    the ones that change a shape; any other layer keeps its input's shape)."""
    shape = shapes[0] if shapes else None
    if shape is None:
        return None
    if kind in ("Dense", "EinsumDense") and "units" in config:
        return [*shape[:-1], _int(config.get("units"), 0)]
    if kind == "Flatten":
        return [_values(shape)]
    if kind == "Reshape":
        target = [_int(d, 1) if d != -1 else -1 for d in (config.get("target_shape") or [])]
        if -1 in target:
            known = math.prod(d for d in target if d != -1) or 1
            target = [max(1, _values(shape) // known) if d == -1 else d for d in target]
        return target or None
    if kind in ("RepeatVector",):
        return [_int(config.get("n"), 1), *shape]
    if kind == "Embedding":
        return [*shape, _int(config.get("output_dim"), 1)]
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        units = _int(config.get("units"), 0)
        return [*shape[:-1], units] if config.get("return_sequences") else [units]
    if kind == "Concatenate":
        known = [s for s in shapes if s]
        if not known:
            return None
        axis = (
            _int(config.get("axis"), 0) if isinstance(config.get("axis"), int) and config.get("axis", -1) >= 0 else -1
        )
        axis = axis - 1 if axis > 0 else axis  # the saved axis counts the batch dimension
        out = list(known[0])
        if -len(out) <= axis < len(out):
            out[axis] = sum(_dim(s[axis]) for s in known if -len(s) <= axis < len(s))
        return out
    if kind in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
        known = [s for s in shapes if s]
        return max(known, key=_values) if known else None
    if kind.startswith("Global") and "Pooling" in kind:
        sizes, channels, first = _spatial(kind, config, shape)
        return (
            ([1] * len(sizes) + [channels] if not first else [channels] + [1] * len(sizes))
            if config.get("keepdims")
            else [channels]
        )
    if kind.startswith(("Conv", "SeparableConv", "DepthwiseConv")) or (
        "Pooling" in kind and not kind.startswith("Global")
    ):
        sizes, channels, first = _spatial(kind, config, shape)
        pooling = "Pooling" in kind
        out_sizes = (
            _window(sizes, config, kernel_key="pool_size" if pooling else "kernel_size", transpose="Transpose" in kind)
            if pooling or "Transpose" in kind
            else _window(sizes, {**config, "strides": config.get("strides") or [1]}, kernel_key="kernel_size")
        )
        if pooling:
            filters = channels
        elif kind.startswith("DepthwiseConv"):
            filters = channels * _int(config.get("depth_multiplier"), 1)
        else:
            filters = _int(config.get("filters"), 0)
        return [filters, *out_sizes] if first else [*out_sizes, filters]
    if kind.startswith("UpSampling"):
        factors = _ints(config.get("size")) or [2]
        sizes, channels, first = _spatial(kind, config, shape)
        grown = [None if n is None else n * factors[min(i, len(factors) - 1)] for i, n in enumerate(sizes)]
        return [channels, *grown] if first else [*grown, channels]
    if kind.startswith("ZeroPadding"):
        sizes, channels, first = _spatial(kind, config, shape)
        padding = config.get("padding")
        flat = [
            p
            for item in (padding if isinstance(padding, list) else [padding])
            for p in (item if isinstance(item, list) else [item, item])
        ]
        extra = [
            _int(flat[2 * i], 0) + _int(flat[2 * i + 1], 0) if 2 * i + 1 < len(flat) else 0 for i in range(len(sizes))
        ]
        grown = [None if n is None else n + e for n, e in zip(sizes, extra)]
        return [channels, *grown] if first else [*grown, channels]
    if kind == "Resizing":
        return [_int(config.get("height"), 1), _int(config.get("width"), 1), _dim(shape[-1])]
    if kind == "CategoryEncoding":
        return [*shape[:-1], _int(config.get("num_tokens"), 1)]
    return shape


def _estimate_layer(kind: str, config: dict, shape: list) -> tuple[int, int]:
    """(parameters, output values per sample) of one layer whose input has ``shape`` (without the batch)."""
    values_in = _values(shape) if shape else 1
    last = _dim(shape[-1]) if shape else 1
    if kind in ("Dense", "EinsumDense"):
        units = _int(config.get("units"), 0)
        return last * units + units, (values_in // max(last, 1)) * units
    if kind.startswith("Conv") or kind.startswith("DepthwiseConv") or kind.startswith("SeparableConv"):
        channels = _dim(shape[0]) if shape and config.get("data_format") == "channels_first" else last
        filters = _int(config.get("filters"), 0) or channels * _int(config.get("depth_multiplier"), 1)
        kernel = math.prod(_ints(config.get("kernel_size"))) or 1
        strides = math.prod(_ints(config.get("strides"))) or 1
        spatial = values_in // max(channels, 1)
        grow = math.prod(_ints(config.get("strides"))) if "Transpose" in kind else 1
        return kernel * channels * filters + filters, max(
            1, spatial * grow // (1 if "Transpose" in kind else strides)
        ) * filters
    if kind.startswith("UpSampling"):
        return 0, values_in * max(1, math.prod(_ints(config.get("size"))))
    if kind == "Embedding":
        return _int(config.get("input_dim"), 0) * _int(config.get("output_dim"), 0), values_in * _int(
            config.get("output_dim"), 1
        )
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        units = _int(config.get("units"), 0)
        gates = {"LSTM": 4, "GRU": 3}.get(kind, 1)
        return gates * (last * units + units * units + units), values_in // max(last, 1) * units
    if kind in ("BatchNormalization", "LayerNormalization"):
        return 4 * last, values_in
    if kind in ("RepeatVector",):
        return 0, values_in * _int(config.get("n"), 1)
    if kind == "ZeroPadding2D":
        padding = _ints(config.get("padding"))
        return 0, values_in + sum(padding) * max([_dim(d) for d in shape[:2]] or [1]) * last * 2
    return 0, values_in


def _check_compile_config(compile_config: Any) -> None:
    """Metrics and losses are built from their configs too: no number in them may be huge."""
    if not isinstance(compile_config, dict):
        return
    for name in ("loss", "metrics", "weighted_metrics", "loss_weights"):
        found = _largest_number(compile_config.get(name), depth=0)
        if found > MAX_CONFIG_NUMBER:
            raise TooLarge(
                "model.budget_compile", {"part": name, "found": f"{found:,.0f}", "limit": f"{MAX_CONFIG_NUMBER:,}"}
            )


def _largest_number(node: Any, depth: int) -> float:
    if depth > 20:
        return 0.0
    if isinstance(node, bool):
        return 0.0
    if isinstance(node, (int, float)):
        return abs(float(node)) if math.isfinite(float(node)) else float("inf")
    if isinstance(node, dict):  # object ids and seeds are names, not sizes
        values = [v for k, v in node.items() if k not in ("shared_object_id", "seed")]
        return max((_largest_number(v, depth + 1) for v in values), default=0.0)
    if isinstance(node, list):
        return max((_largest_number(v, depth + 1) for v in node), default=0.0)
    return 0.0


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return max(0, int(value))


def _ints(value: Any) -> list[int]:
    if isinstance(value, (list, tuple)):
        return [_int(v, 1) for v in value]
    return [_int(value, 1)] if value is not None else []


def _bytes(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
