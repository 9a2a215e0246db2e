"""The value codec: what crosses between worker and checker, and what may not."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest

from grader.sandbox.protocol import Codec, Opaque, ProtocolError, read_message, write_message


@pytest.fixture
def codec(tmp_path):
    return Codec(str(tmp_path))


def roundtrip(codec, value):
    buffer = io.BytesIO()
    write_message(buffer, {"value": codec.encode(value)})
    buffer.seek(0)
    return codec.decode(read_message(buffer)["value"])


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -7,
        2**70,
        1.5,
        "텍스트",
        [1, [2, 3]],
        (1, (2, 3)),
        {"a": (1, 2)},
        {(1, 2): "tuple key", 3: "int key"},
        {"__tuple__": "looks like a tag"},
    ],
)
def test_plain_values_round_trip_exactly(codec, value):
    found = roundtrip(codec, value)
    assert found == value and type(found) is type(value)


def test_non_finite_floats_survive(codec):
    found = roundtrip(codec, [math.inf, -math.inf, math.nan])
    assert found[0] == math.inf and found[1] == -math.inf and math.isnan(found[2])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
def test_arrays_keep_dtype_shape_and_values(codec, dtype):
    array = (np.random.default_rng(0).random((3, 4, 2)) * 100).astype(dtype)
    found = roundtrip(codec, array)
    assert found.dtype == array.dtype and found.shape == array.shape and np.array_equal(found, array)


def test_numpy_scalars_stay_numpy_scalars(codec):
    found = roundtrip(codec, np.float32(0.5))
    assert isinstance(found, np.float32) and found == np.float32(0.5)
    assert isinstance(roundtrip(codec, np.int64(3)), np.int64)


def test_array_subclasses_arrive_as_plain_arrays(codec):
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True

    sneaky = np.arange(4).view(Sneaky)
    found = roundtrip(codec, sneaky)
    assert type(found) is np.ndarray and found.tolist() == [0, 1, 2, 3]


def test_unknown_objects_become_opaque_descriptions(codec):
    class AlwaysEqual:
        def __eq__(self, other):
            return True

        def __repr__(self):
            return "<AlwaysEqual>"

    found = roundtrip(codec, AlwaysEqual())
    assert isinstance(found, Opaque) and found.type_name == "AlwaysEqual"
    assert found != 3
    assert isinstance(roundtrip(codec, np.array([object()], dtype=object)), Opaque)
    assert isinstance(roundtrip(codec, (x for x in range(3))), Opaque)


def test_pickled_arrays_are_refused(codec):
    import base64

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    forged = {"__ndarray__": base64.b64encode(buffer.getvalue()).decode(), "scalar": False}
    with pytest.raises(ValueError):
        codec.decode(forged)


def test_unknown_tags_are_a_protocol_error(codec):
    with pytest.raises(ProtocolError):
        codec.decode({"__pickle__": "gASV..."})


def test_files_outside_the_session_folder_are_refused(codec, tmp_path):
    with pytest.raises(ProtocolError):
        codec.checked_path("../../etc/passwd")
    with pytest.raises(ProtocolError):
        codec.checked_path("missing.keras")
    (tmp_path / "model.keras").write_bytes(b"x")
    assert codec.checked_path("model.keras").endswith("model.keras")


def test_an_oversized_message_is_refused_before_it_is_sent(monkeypatch):
    from grader.sandbox import protocol

    monkeypatch.setattr(protocol, "MAX_MESSAGE_BYTES", 1000)
    assert len(protocol.encode_message({"value": "x" * 900})) < 1000 + protocol.HEADER_SIZE
    with pytest.raises(ProtocolError, match="over the limit"):
        protocol.encode_message({"value": "x" * 2000})


def test_an_oversized_array_crosses_as_a_description_not_its_data(codec, monkeypatch):
    from grader.sandbox import protocol

    monkeypatch.setattr(protocol, "MAX_ARRAY_BYTES", 800)
    assert np.array_equal(roundtrip(codec, np.zeros(100)), np.zeros(100))  # exactly 800 bytes: crosses
    found = roundtrip(codec, np.zeros(101))
    assert isinstance(found, Opaque) and "MiB" in found.reason


def test_a_subclass_cannot_hide_its_size(codec, monkeypatch):
    from grader.sandbox import protocol

    class Small(np.ndarray):
        @property
        def nbytes(self):
            return 8

    monkeypatch.setattr(protocol, "MAX_ARRAY_BYTES", 800)
    assert isinstance(roundtrip(codec, np.zeros(1000).view(Small)), Opaque)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe", b"[" * 100_000])
def test_malformed_frames_are_a_protocol_error(body):
    from grader.sandbox import protocol

    with pytest.raises(ProtocolError):
        protocol.decode_frame(b"", body)


def test_a_reply_of_millions_of_empty_lists_is_refused_before_it_is_built():
    """64 MiB of "[],[],..." used to cost the grading process 3.1 GB in json.loads."""
    from grader.sandbox import protocol

    body = b'{"ok": true, "value": [' + b"[]," * (20 * 1024 * 1024) + b"[]]}"
    with pytest.raises(protocol.ProtocolError):  # counted at C speed, never parsed
        protocol.decode_frame(b"", body)
    with pytest.raises(protocol.ProtocolError):  # and the worker refuses to send one
        protocol.encode_message({"value": [[]] * (protocol.MAX_NODES + 1)})
    assert protocol.decode_frame(b"", protocol.encode_message({"value": [[1, 2]] * 1000})[4:])["value"][0] == [1, 2]


def test_an_int_past_pythons_digit_limit_decodes_as_an_int_of_its_magnitude():
    """A learner may lift sys.set_int_max_str_digits in the worker; the grader's int(str) would refuse
    the text (issue #25): it decodes to an int of the same magnitude, which every check fails as too large."""
    codec = Codec()
    huge = codec.decode({"__bigint__": "7" + "0" * 4999})
    assert isinstance(huge, int) and huge.bit_length() == (7 * 10**4999).bit_length()
    assert codec.decode({"__bigint__": "-" + "1" * 5000}) < -(10**4999)
    assert codec.decode({"__bigint__": "123456789012345678901234567890"}) == 123456789012345678901234567890
    with pytest.raises(ProtocolError):
        codec.decode({"__bigint__": "12x"})
