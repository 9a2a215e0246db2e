"""Real, small datasets that ship with scikit-learn: no download, ever.

The checks train learners' models on these (in the grading process), and the
exercises' learners can use :func:`load_course_images` where the course notes
call ``keras.datasets.mnist.load_data()``, which needs the internet.

Splits are fixed (``random_state``) and scaling uses training statistics only,
so the same submission always sees the same data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache

import numpy as np


@dataclass(frozen=True)
class Split:
    """Train and held-out data. ``y_*`` are integer labels or float targets."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str


def _split(x: np.ndarray, y: np.ndarray, test_size: float, seed: int, stratify: bool) -> tuple[np.ndarray, ...]:
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=test_size, random_state=seed, stratify=y if stratify else None)


def _standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train.mean(axis=0), train.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return ((train - mean) / std).astype(np.float32), ((test - mean) / std).astype(np.float32)


@cache
def diabetes(seed: int = 0, standardize_targets: bool = True) -> Split:
    """Regression: 442 patients, 10 features; features (and targets) standardised with train statistics."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    x_train, x_test, y_train, y_test = _split(data.data, data.target, 92 / 442, seed, stratify=False)
    x_train, x_test = _standardize(x_train, x_test)
    if standardize_targets:
        mean, std = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / std, (y_test - mean) / std
    return Split(x_train, y_train.astype(np.float32), x_test, y_test.astype(np.float32), "diabetes")


@cache
def breast_cancer(seed: int = 0) -> Split:
    """Binary classification: 569 tumours, 30 features, standardised; labels 0/1."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x_train, x_test, y_train, y_test = _split(data.data, data.target, 0.2, seed, stratify=True)
    x_train, x_test = _standardize(x_train, x_test)
    return Split(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), "breast_cancer")


@cache
def digits(seed: int = 0, channels: bool = False) -> Split:
    """Ten-class images: 1797 handwritten digits of 8x8 pixels scaled to 0..1 (x / 16).

    Shapes (N, 8, 8), or (N, 8, 8, 1) with ``channels``: the same layout as
    MNIST's (N, 28, 28), so the course's models apply unchanged.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    images = (data.images / 16.0).astype(np.float32)
    if channels:
        images = images[..., np.newaxis]
    x_train, x_test, y_train, y_test = _split(images, data.target, 0.2, seed, stratify=True)
    return Split(x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), "digits")


COURSE_IMAGE_SETS = ("mnist", "fashion_mnist")


def load_course_images(
    name: str = "mnist", *, channels: bool = False
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """For learners: ``(x_train, y_train), (x_val, y_val)`` like ``keras.datasets.mnist.load_data()``.

    The course loads MNIST or Fashion-MNIST from the internet; kerasdrill works
    offline, so this returns scikit-learn's bundled 8x8 digits instead (uint8,
    0..255, like MNIST) and says so. Scale them yourself, as in the course.
    """
    if name not in COURSE_IMAGE_SETS:
        raise ValueError(f"unknown image set {name!r}: choose one of {', '.join(COURSE_IMAGE_SETS)}")
    print(
        f"offline: using scikit-learn's bundled 8x8 digits instead of {name} (same layout, smaller images)",
        file=sys.stderr,
    )
    split = digits(0, channels)
    to_pixels = lambda images: np.round(images * 255).astype(np.uint8)  # noqa: E731
    return (to_pixels(split.x_train), split.y_train), (to_pixels(split.x_test), split.y_test)
