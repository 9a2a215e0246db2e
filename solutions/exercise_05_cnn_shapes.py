"""Exercise 05 · CNN shape arithmetic: reference solution."""

import math

import numpy as np


def conv_output_size(size, kernel_size, strides=1, padding="valid"):
    """valid: floor((n - k) / s) + 1; same: ceil(n / s)."""
    if padding == "same":
        return math.ceil(size / strides)
    if padding == "valid":
        return (size - kernel_size) // strides + 1
    raise ValueError(f"padding must be 'valid' or 'same', not {padding!r}")


def pool_output_size(size, pool_size=2, strides=None, padding="valid"):
    """Pooling is a convolution-shaped window whose strides default to its size."""
    return conv_output_size(size, pool_size, pool_size if strides is None else strides, padding)


def to_4d(images):
    """(N, H, W) gets a channel axis of 1; 4-D input is returned as it is."""
    images = np.asarray(images)
    if images.ndim == 3:
        return images.reshape(*images.shape, 1)
    return images


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def output_shapes(input_shape, layers):
    """Walk the stack with the formulas above, checking every size stays >= 1."""
    shape = tuple(input_shape)
    shapes = []
    for layer in layers:
        kind = layer["type"]
        if kind in ("conv2d", "maxpool2d"):
            height, width = shape[0], shape[1]
            padding = layer.get("padding", "valid")
            if kind == "conv2d":
                window = _pair(layer["kernel_size"])
                steps = _pair(layer.get("strides", 1))
                channels = layer["filters"]
                size = conv_output_size
            else:
                window = _pair(layer.get("pool_size", 2))
                steps = _pair(layer.get("strides") or window)
                channels = shape[2]
                size = pool_output_size
            shape = (size(height, window[0], steps[0], padding), size(width, window[1], steps[1], padding), channels)
        elif kind == "flatten":
            shape = (math.prod(shape),)
        elif kind == "dense":
            shape = shape[:-1] + (layer["units"],)
        else:
            raise ValueError(f"unknown layer type {kind!r}")
        if min(shape) < 1:
            raise ValueError(f"layer {len(shapes) + 1} ({kind}) would output {shape}: the input is too small")
        shapes.append(shape)
    return shapes
