"""The wire format between the checker and the worker that runs learner code.

Every message is a 4-byte big-endian length followed by UTF-8 JSON. Values that
JSON cannot carry travel as tagged objects in *safe* formats only:

* numpy arrays as ``.npy`` bytes (base64) read back with ``allow_pickle=False``;
* numpy scalars, tuples, non-string dict keys, a :class:`TrainingHistory` as small tagged dicts;
* Keras models as ``.keras`` files in the session folder, which the checker
  loads with ``safe_mode=True`` (see :mod:`grader.sandbox.keras_codec`);
* other Keras objects (optimizers, callbacks, ...) as their public config;
* a matplotlib figure as the data it plots (:mod:`grader.sandbox.figures`), never as pixels or a pickle.

Nothing the worker sends is ever unpickled or evaluated. A value the codec
cannot carry arrives as an :class:`Opaque` that describes it, so a check can
say "you returned a Foo object" instead of crashing.

This module imports only the standard library at import time (numpy lazily),
because the worker imports it before any learner code runs.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import re
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # one reply; the checker holds a few copies of it while decoding
MAX_ARRAY_BYTES = 128 * 1024 * 1024  # a larger array crosses as an Opaque description, not its data
# JSON values (list items, dict entries) in one message: 64 MiB of "[],[]," would build 3 GB of lists.
# Arrays cross as .npy files, so honest replies stay far below this.
MAX_NODES = 2_000_000
_HEADER = struct.Struct(">I")
MiB = 1024 * 1024


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


# --------------------------------------------------------------------------- framing


def encode_message(message: dict) -> bytes:
    """One framed JSON message; :class:`ProtocolError` if it is over :data:`MAX_MESSAGE_BYTES`."""
    # ASCII only: a lone surrogate in a learner string crosses as \\udXXX instead of failing to encode
    data = json.dumps(message, allow_nan=True, ensure_ascii=True).encode("ascii")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {len(data)} bytes is over the limit of {MAX_MESSAGE_BYTES}")
    if count_nodes(data) > MAX_NODES:
        raise ProtocolError(f"more than {MAX_NODES:,} values in lists and dicts")
    return _HEADER.pack(len(data)) + data


def write_message(stream: BinaryIO, message: dict) -> None:
    """Write one framed JSON message and flush."""
    stream.write(encode_message(message))
    stream.flush()


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("stream closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def count_nodes(data: bytes) -> int:
    """An upper bound on the JSON values in ``data``, counted at C speed before anything is built."""
    return data.count(b",") + data.count(b"[") + data.count(b"{")


def decode_frame(header: bytes, body: bytes) -> dict:
    """Parse a frame that was read elsewhere (e.g. with a timeout); bounded before it is built."""
    if count_nodes(body) > MAX_NODES:
        raise ProtocolError(f"message with more than {MAX_NODES:,} values")
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ProtocolError(f"malformed message: {type(exc).__name__}") from None
    if not isinstance(message, dict):
        raise ProtocolError("message is not a JSON object")
    return message


def frame_length(header: bytes) -> int:
    (length,) = _HEADER.unpack(header)
    if length > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {length} bytes is over the limit")
    return length


def read_message(stream: BinaryIO) -> dict:
    """Read one framed JSON message (blocking)."""
    header = read_exactly(stream, _HEADER.size)
    return decode_frame(header, read_exactly(stream, frame_length(header)))


HEADER_SIZE = _HEADER.size


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Opaque:
    """A value the worker could not send in a safe format.

    ``type_name`` is the learner-facing type (``"generator"``, ``"MyClass"``),
    ``preview`` a short, truncated ``repr``.
    """

    type_name: str
    preview: str = ""
    reason: str = ""

    def __repr__(self) -> str:  # what a learner sees in messages
        return self.preview or f"<{self.type_name} object>"


@dataclass(frozen=True)
class KerasObjectSpec:
    """A Keras object (optimizer, callback, regulariser, ...) described by its config.

    The checker inspects ``class_name`` and ``config``; it never rebuilds the
    learner's object.
    """

    class_name: str
    module: str
    config: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"{self.class_name}({', '.join(f'{k}={v!r}' for k, v in list(self.config.items())[:6])})"


@dataclass(frozen=True)
class ModelFile:
    """A Keras model saved by the other side as a ``.keras`` file in the session folder."""

    path: str
    class_name: str = "Model"


class TrainingHistory(dict):
    """A training history sent to a learner function: the dict ``history.history`` holds, which also
    answers ``.history`` (itself) and ``.epoch`` like the ``History`` object ``fit`` returns.

    The course writes both ``hist = model.fit(...).history; hist["loss"]`` and
    ``history.history["loss"]``; a function given this value works either way.
    """

    @property
    def history(self) -> TrainingHistory:
        return self

    @property
    def epoch(self) -> list[int]:
        lengths = [len(v) for v in self.values() if isinstance(v, list)]
        return list(range(max(lengths, default=0)))


@dataclass(frozen=True)
class DatasetSample:
    """The first elements of a ``tf.data.Dataset`` the learner returned."""

    elements: list
    element_spec: str
    truncated: bool


MAX_PREVIEW = 200

# C0/C1 control characters (terminal escapes among them) and lone surrogates; newline and tab are kept.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Whole ANSI sequences (Keras bolds parts of its errors: ESC[1m ... ESC[0m): dropped, not shown as \x1b[1m.
_ANSI_SEQUENCE = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)")


def printable(text: str) -> str:
    """``text`` safe to store and print: colour and cursor sequences dropped, other control characters
    and lone surrogates shown as ``\\xNN`` / ``\\uNNNN``."""
    return _UNPRINTABLE.sub(_escaped, _ANSI_SEQUENCE.sub("", text))


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def preview(value: Any, limit: int = MAX_PREVIEW) -> str:
    """A short, safe ``repr`` for messages (never fails, never long, never a terminal escape)."""
    try:
        text = repr(value)
    except Exception:  # a learner object with a broken __repr__
        text = f"<{type(value).__name__} object>"
    if not isinstance(text, str):
        text = f"<{type(value).__name__} object>"
    text = printable(text)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


class Codec:
    """Turns Python values into JSON-safe trees and back.

    ``session_dir`` is where model files are written and read. Extra encoders
    (for Keras objects, tf.data datasets) register themselves with
    :meth:`add_encoder`; they are only consulted for types the base codec does
    not know, so plain-data exercises never import TensorFlow.
    """

    def __init__(self, session_dir: str | None = None) -> None:
        self.session_dir = session_dir
        self._encoders: list[Callable[[Any, Codec], Any]] = []
        self._decoders: dict[str, Callable[[dict, Codec], Any]] = {}
        self._counter = 0

    def add_encoder(self, encoder: Callable[[Any, Codec], Any]) -> None:
        """``encoder(value, codec)`` returns a tagged dict, or ``NotImplemented``."""
        self._encoders.append(encoder)

    def add_decoder(self, tag: str, decoder: Callable[[dict, Codec], Any]) -> None:
        self._decoders[tag] = decoder

    def new_path(self, suffix: str) -> str:
        if not self.session_dir:
            raise ProtocolError("no session folder for files")
        self._counter += 1
        return os.path.join(self.session_dir, f"value-{os.getpid()}-{self._counter}{suffix}")

    def checked_path(self, name: str) -> str:
        """Resolve a file name sent by the other side, refusing anything outside the session folder."""
        if not self.session_dir:
            raise ProtocolError("no session folder for files")
        base = os.path.realpath(self.session_dir)
        path = os.path.realpath(os.path.join(base, os.path.basename(str(name))))
        if os.path.dirname(path) != base or not os.path.isfile(path):
            raise ProtocolError(f"file {name!r} is not in the session folder")
        return path

    # ---------------------------------------------------------------- encode
    def encode(self, value: Any, _depth: int = 0) -> Any:
        if _depth > 50:
            return opaque(value, "nested too deeply")
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            return value if abs(value) < 2**53 else {"__bigint__": str(value)}
        if kind is float:
            return {"__float__": repr(value)} if not math.isfinite(value) else value
        if kind is list:
            return [self.encode(v, _depth + 1) for v in value]
        if kind is tuple:
            return {"__tuple__": [self.encode(v, _depth + 1) for v in value]}
        if kind is TrainingHistory:
            return {"__history__": [[k, self.encode(v, _depth + 1)] for k, v in value.items() if type(k) is str]}
        if kind is dict:
            if all(type(k) is str for k in value):
                if any(k.startswith("__") and k.endswith("__") for k in value):
                    return {"__dict__": [[k, self.encode(v, _depth + 1)] for k, v in value.items()]}
                return {k: self.encode(v, _depth + 1) for k, v in value.items()}
            return {"__dict__": [[self.encode(k, _depth + 1), self.encode(v, _depth + 1)] for k, v in value.items()]}
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            if kind is numpy.ndarray or isinstance(value, numpy.ndarray):
                return _encode_array(numpy, value)
            if isinstance(value, numpy.generic):
                return _encode_array(numpy, numpy.asarray(value), scalar=True)
        for encoder in self._encoders:
            try:
                encoded = encoder(value, self)
            except Exception as exc:  # an encoder must never take the worker down
                return opaque(value, f"could not be sent: {type(exc).__name__}: {exc}")
            if encoded is not NotImplemented:
                return encoded
        return opaque(value)

    # ---------------------------------------------------------------- decode
    def decode(self, tree: Any) -> Any:
        if isinstance(tree, list):
            return [self.decode(v) for v in tree]
        if not isinstance(tree, dict):
            return tree
        if len(tree) >= 1:
            tag = next(iter(tree))
            if tag.startswith("__") and tag.endswith("__"):
                return self._decode_tagged(tag, tree)
        return {k: self.decode(v) for k, v in tree.items()}

    def _decode_tagged(self, tag: str, tree: dict) -> Any:
        payload = tree[tag]
        if tag == "__tuple__":
            return tuple(self.decode(v) for v in payload)
        if tag == "__dict__":
            return {_hashable(self.decode(k)): self.decode(v) for k, v in payload}
        if tag == "__history__":
            return TrainingHistory({str(k): self.decode(v) for k, v in payload})
        if tag == "__float__":
            return float(payload)
        if tag == "__bigint__":
            return _big_int(str(payload))
        if tag == "__ndarray__":
            return _decode_array(tree)
        if tag == "__opaque__":
            return Opaque(str(payload), str(tree.get("preview", ""))[:MAX_PREVIEW], str(tree.get("reason", "")))
        if tag in self._decoders:
            return self._decoders[tag](tree, self)
        raise ProtocolError(f"unknown tag {tag}")


MAX_INT_DIGITS = 4000  # below Python's limit on int(str) (4,300 digits), which a learner may lift in the worker
MAX_SHOWN_DIGITS = 100_000  # a longer int is judged as if it had this many: wrong either way, never costly


def _big_int(text: str) -> int:
    """An int sent as its decimal text, however long: past :data:`MAX_INT_DIGITS` digits its leading digits
    times a power of ten (the same magnitude; every check fails it as too large), never a ValueError."""
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
    if not digits.isascii() or not digits.isdigit():
        raise ProtocolError("malformed big int")
    if len(digits) <= MAX_INT_DIGITS:
        return sign * int(digits)
    return sign * int(digits[:MAX_INT_DIGITS]) * 10 ** (min(len(digits), MAX_SHOWN_DIGITS) - MAX_INT_DIGITS)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


def opaque(value: Any, reason: str = "") -> dict:
    """The wire form of a value that cannot cross: its type name, a short preview, and why."""
    return {"__opaque__": type(value).__name__, "preview": preview(value), "reason": reason}


def _encode_array(numpy: Any, value: Any, scalar: bool = False) -> dict:
    # Strip any ndarray subclass: only the raw data and dtype cross.
    try:  # the base class's nbytes: a learner subclass may lie about its own
        nbytes = int(numpy.ndarray.nbytes.__get__(value)) if isinstance(value, numpy.ndarray) else 0
    except Exception:
        nbytes = 0
    if nbytes > MAX_ARRAY_BYTES:  # before copying: a huge array must not cost either process gigabytes
        return opaque(
            value,
            f"an array of {nbytes // MiB} MiB, over the {MAX_ARRAY_BYTES // MiB} MiB the grader accepts",
        )
    array = numpy.array(value, copy=True, subok=False)
    if array.dtype.hasobject:
        return opaque(value, "an array of Python objects (dtype=object)")
    buffer = io.BytesIO()
    numpy.save(buffer, array, allow_pickle=False)
    return {"__ndarray__": base64.b64encode(buffer.getvalue()).decode("ascii"), "scalar": scalar}


def _decode_array(tree: dict) -> Any:
    import numpy

    raw = base64.b64decode(tree["__ndarray__"], validate=True)
    array = numpy.load(io.BytesIO(raw), allow_pickle=False)
    if tree.get("scalar"):
        return array[()]
    return array
