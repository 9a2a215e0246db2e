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

from grader.messages import message_ref

MAX_CONFIG_BYTES = 1 * 1024 * 1024
MAX_ARCHIVE_BYTES = 128 * 1024 * 1024  # uncompressed, all members
MAX_MEMBERS = 16
MAX_LAYERS = 300
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
    try:
        config = json.loads(raw)
    except (ValueError, RecursionError):
        return  # Keras refuses it with its own error
    estimate_model(config)
    _check_compile_config(config.get("compile_config") if isinstance(config, dict) else None)


def estimate_model(config: Any) -> tuple[int, int]:
    """(parameters, largest activation per sample) of a saved model config; :class:`TooLarge` past a limit."""
    layers = list(_layers(config, depth=0))
    if len(layers) > MAX_LAYERS:
        raise TooLarge("model.budget_layers", {"found": len(layers), "limit": MAX_LAYERS})
    params = activations = 0
    for layer in layers:
        layer_params, layer_activations = _estimate_layer(layer)
        params += layer_params
        activations = max(activations, layer_activations)
    if params > MAX_PARAMS:
        raise TooLarge("model.budget_params", {"found": f"{params:,}", "limit": f"{MAX_PARAMS:,}"})
    if activations > MAX_ACTIVATIONS:
        need = activations * BYTES_PER_VALUE_TRAINING
        raise TooLarge(
            "model.budget_activations",
            {"found": f"{activations:,}", "limit": f"{MAX_ACTIVATIONS:,}", "memory": _bytes(need)},
        )
    return params, activations


def _layers(node: Any, depth: int):
    """Every layer config in a (possibly nested) model config."""
    if depth > 20 or not isinstance(node, dict):
        return
    inner = node.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        for layer in inner["layers"]:
            if isinstance(layer, dict) and isinstance(layer.get("config"), dict) and "layers" in layer["config"]:
                yield from _layers(layer, depth + 1)
            elif isinstance(layer, dict):
                yield layer
    elif isinstance(inner, dict) and isinstance(inner.get("layer"), dict):  # a wrapper (TimeDistributed, ...)
        yield node
        yield from _layers({"config": {"layers": [inner["layer"]]}}, depth + 1)


def _shape(layer: dict) -> list[int]:
    build = layer.get("build_config")
    shape = build.get("input_shape") if isinstance(build, dict) else None
    if shape is None and isinstance(layer.get("config"), dict):
        shape = layer["config"].get("batch_shape") or layer["config"].get("batch_input_shape")
    if not isinstance(shape, list) or not shape or isinstance(shape[0], list):
        return []
    return [_int(d, 1) for d in shape[1:]]


def _estimate_layer(layer: dict) -> tuple[int, int]:
    kind = str(layer.get("class_name", ""))
    config = layer.get("config") if isinstance(layer.get("config"), dict) else {}
    shape = _shape(layer)
    values_in = math.prod(shape) if shape else 1
    last = shape[-1] if shape else 1
    if kind in ("Dense", "EinsumDense"):
        units = _int(config.get("units"), 0)
        return last * units + units, (values_in // max(last, 1)) * units
    if kind.startswith("Conv") or kind.startswith("DepthwiseConv") or kind.startswith("SeparableConv"):
        filters = _int(config.get("filters"), 0) or last * _int(config.get("depth_multiplier"), 1)
        kernel = math.prod(_ints(config.get("kernel_size"))) or 1
        strides = math.prod(_ints(config.get("strides"))) or 1
        spatial = values_in // max(last, 1)
        grow = math.prod(_ints(config.get("strides"))) if "Transpose" in kind else 1
        return kernel * last * filters + filters, max(
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
    if kind == "BatchNormalization":
        return 4 * last, values_in
    if kind in ("RepeatVector",):
        return 0, values_in * _int(config.get("n"), 1)
    if kind == "ZeroPadding2D":
        padding = _ints(config.get("padding"))
        return 0, values_in + sum(padding) * max(shape[:2] or [1]) * last * 2
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
