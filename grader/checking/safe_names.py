"""Names in a learner's ``.keras`` config that safe mode cannot resolve: the ones that are Keras's, and the rest.

TensorFlow exports Keras's activations under its own names, and Keras 3 saves a few of them as
plain functions that no safe-mode load can map back (measured with TensorFlow 2.21 / Keras 3.15:
``tf.nn.softmax`` and ``tf.math.softmax`` save as ``softmax_v2``, ``tf.nn.log_softmax`` as
``log_softmax_v2``, ``tf.nn.swish`` and ``tf.nn.silu`` as ``swish``, ``tf.exp`` as ``exp``;
``tf.nn.relu``, ``sigmoid``, ``tanh``, ``elu``, ``selu``, ``gelu``, ``softplus``, ``relu6``,
``leaky_relu`` save under their Keras names and load as they are). :func:`map_activation_aliases`
rewrites exactly those names, and only as a layer's ``activation``, to the Keras activation they
compute, in the grader's private copy of the archive, before Keras reads it. Safe mode itself is
not loosened: nothing is imported or run, a name outside :data:`TF_ACTIVATION_ALIASES` stays what
it was and is refused, and :func:`refused_parts` names what was refused (a ``Lambda`` layer, a
function of the learner's own, a class of the learner's own), for the learner's message.

A saved function records neither where it came from nor what it does (a learner's own function is
saved like TensorFlow's, as ``{"module": "builtins", "class_name": "function"}``), so a learner's
own ``def softmax_v2(x)`` would be read as Keras's softmax: the grader then judges and trains the
softmax model it rebuilt, which is what the learner named. Standard library only.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

from grader.bounded_json import json_depth
from grader.checking.model_budget import MAX_ARCHIVE_BYTES, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH

#: A function name Keras 3 saves for a TensorFlow export of a Keras activation -> that activation's Keras name.
TF_ACTIVATION_ALIASES = {
    "softmax_v2": "softmax",  # tf.nn.softmax, tf.math.softmax
    "log_softmax_v2": "log_softmax",  # tf.nn.log_softmax, tf.math.log_softmax
    "swish": "silu",  # tf.nn.swish, tf.nn.silu
    "exp": "exponential",  # tf.exp, tf.math.exp
}
MAX_SHOWN = 5  # refused parts named in one message


def _function_name(node: Any) -> str | None:
    """The name of a function saved as a plain function (``{"class_name": "function", "config": name}``)."""
    if isinstance(node, dict) and node.get("class_name") == "function" and isinstance(node.get("config"), str):
        return node["config"]
    return None


def map_activation_aliases(config: Any) -> tuple[Any, list[str]]:
    """``config`` with every layer ``activation`` saved as a TensorFlow alias replaced by its Keras name,
    and the aliases replaced (``["softmax_v2"]``); a config without one comes back unchanged."""
    replaced: list[str] = []

    def walk(node: Any, depth: int) -> Any:
        if depth > MAX_CONFIG_DEPTH:
            return node
        if isinstance(node, list):
            return [walk(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            name = _function_name(value) if key == "activation" else None
            if name in TF_ACTIVATION_ALIASES:
                replaced.append(name)
                out[key] = TF_ACTIVATION_ALIASES[name]
            else:
                out[key] = walk(value, depth + 1)
        return out

    mapped = walk(config, 0)
    return (mapped, replaced) if replaced else (config, [])


def map_archive_aliases(path: str) -> list[str]:
    """Rewrite the archive at ``path`` (the grader's private copy) with :func:`map_activation_aliases`
    applied to its ``config.json``; the aliases replaced. An archive that cannot be read, or has none,
    is left as it is (Keras then reports or loads it)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            info = next((m for m in members if m.filename == "config.json"), None)
            if info is None or info.file_size > MAX_CONFIG_BYTES:
                return []
            with archive.open(info) as handle:
                raw = handle.read(MAX_CONFIG_BYTES + 1)
            if len(raw) > MAX_CONFIG_BYTES or json_depth(raw, MAX_CONFIG_DEPTH) > MAX_CONFIG_DEPTH:
                return []
            config, replaced = map_activation_aliases(json.loads(raw))
            if not replaced:
                return []
            contents, total = [], 0
            for member in members:  # the same members, in order; read with the archive's size cap
                if member.filename == "config.json":
                    contents.append((member, json.dumps(config).encode()))
                    continue
                with archive.open(member) as handle:
                    data = handle.read(MAX_ARCHIVE_BYTES + 1 - total)
                total += len(data)
                if total > MAX_ARCHIVE_BYTES:
                    return []
                contents.append((member, data))
    except (OSError, zipfile.BadZipFile, ValueError, RecursionError, MemoryError):
        return []
    rewritten = path + ".mapped"
    with zipfile.ZipFile(rewritten, "w", compression=zipfile.ZIP_STORED) as out:
        for member, data in contents:
            out.writestr(member.filename, data)
    os.replace(rewritten, path)
    return replaced


def refused_parts(path: str) -> list[tuple[str, dict]]:
    """What in the archive at ``path`` safe mode cannot rebuild without the learner's code, as
    ``(kind, params)``: ``("lambda", {"layer": "lambda"})``, ``("function", {"name": "my_act", "layer":
    "dense_1"})``, ``("class", {"name": "MyLayer", "layer": "my_layer"})``; at most :data:`MAX_SHOWN`."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("config.json") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES or json_depth(raw, MAX_CONFIG_DEPTH) > MAX_CONFIG_DEPTH:
            return []
        config = json.loads(raw)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RecursionError, MemoryError):
        return []
    found: list[tuple[str, dict]] = []

    def walk(node: Any, layer: str, depth: int) -> None:
        if depth > MAX_CONFIG_DEPTH or len(found) > MAX_SHOWN * 4:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, layer, depth + 1)
            return
        if not isinstance(node, dict):
            return
        inner = node.get("config") if isinstance(node.get("config"), dict) else {}
        class_name, module = node.get("class_name"), node.get("module")
        name = str(inner["name"])[:80] if isinstance(inner.get("name"), str) else layer
        if class_name == "Lambda":
            found.append(("lambda", {"layer": name}))
            return  # its function is the learner's code: named by the layer, not read
        if (
            isinstance(class_name, str)
            and isinstance(module, str)
            and not class_name.startswith("__")
            and class_name != "function"
            and not module.startswith(("keras", "builtins"))
        ):
            found.append(("class", {"name": class_name[:80], "layer": name}))
        for key, value in node.items():
            function = _function_name(value)
            keras_own = str(value.get("module", "")).startswith("keras") if function is not None else False
            if function is not None and not keras_own and function not in TF_ACTIVATION_ALIASES and key != "config":
                found.append(("function", {"name": function[:80], "layer": name}))
            else:
                walk(value, name, depth + 1)

    walk(config, "", 0)
    unique = {repr(part): part for part in found}
    return list(unique.values())[:MAX_SHOWN]
