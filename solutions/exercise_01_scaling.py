"""Exercise 01 · Scaling inputs: reference solution."""

import numpy as np

# A column whose spread is below this is treated as constant: a column of 0.1s has a
# population std of ~1e-17 rather than 0 because of floating-point rounding.
CONSTANT = 1e-12


def _apply(arrays, shift, scale):
    return tuple((np.asarray(a, dtype=float) - shift) / scale for a in arrays)


def min_max_scale(train, *others):
    """Statistics from train only; constant columns divide by 1 so they map to 0."""
    train = np.asarray(train, dtype=float)
    low, high = train.min(axis=0), train.max(axis=0)
    spread = high - low
    spread = np.where(spread > CONSTANT, spread, 1.0)
    return _apply((train, *others), low, spread)


def standardize(train, *others):
    """Population std (ddof=0), like scikit-learn's StandardScaler."""
    train = np.asarray(train, dtype=float)
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > CONSTANT, std, 1.0)
    return _apply((train, *others), mean, std)


def scale_pixels(images):
    """Divide by 255 (the largest uint8 value) in float32."""
    return np.asarray(images).astype(np.float32) / np.float32(255)


def flatten_images(images):
    """Keep the first axis (samples), merge the rest."""
    images = np.asarray(images)
    return images.reshape(images.shape[0], -1)
