"""Held-out data a learner's code cannot look up: the grading secret and the disguise it keys.

The course's datasets are public (they ship with scikit-learn, and ``grader.datasets`` is
importable by learners), so a function that is handed a split's test inputs could find them in
the full dataset and return the labels without training anything. Before such inputs go to the
worker, :func:`disguised` rotates the feature space by a random orthogonal matrix and shuffles the
rows, both drawn from the grading secret. A network whose first layer is ``Dense`` learns a
rotated problem exactly as well (it is the same problem in other coordinates), but no row matches
the public data any more.

The secret is ``KERASDRILL_SECRET`` from the grading process's environment, which no worker ever
receives (:func:`grader.sandbox.environment.base_environment` drops it). Instructors set it in
CI; the same secret and ``--seed`` give the same data, so the score stays reproducible. Without it
a public default is used: good enough for self-study, where the reference solutions are installed
next to the exercises anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import replace
from typing import Any

import numpy as np

from grader.sandbox.environment import SECRET_VARIABLE

PUBLIC_SECRET = "kerasdrill-self-study"


def secret_rng(*labels: object) -> np.random.Generator:
    """A generator seeded from the grading secret and ``labels`` (e.g. the dataset and the check seed)."""
    key = os.environ.get(SECRET_VARIABLE) or PUBLIC_SECRET
    digest = hmac.new(key.encode(), "|".join(map(str, labels)).encode(), hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def disguised(data: Any, seed: int) -> Any:
    """``data`` (a :class:`grader.datasets.Split` of feature vectors) with its features rotated and its
    rows shuffled, by the secret: the same learning problem, with inputs that match no public row."""
    rng = secret_rng("disguise", data.name, seed)
    features = data.x_train.shape[1]
    rotation, upper = np.linalg.qr(rng.standard_normal((features, features)))
    rotation = rotation * np.sign(np.diag(upper))  # a uniformly random orthogonal matrix
    train_rows, test_rows = rng.permutation(len(data.x_train)), rng.permutation(len(data.x_test))
    dtype = data.x_train.dtype
    return replace(
        data,
        x_train=(data.x_train[train_rows] @ rotation).astype(dtype),
        y_train=data.y_train[train_rows],
        x_test=(data.x_test[test_rows] @ rotation).astype(dtype),
        y_test=data.y_test[test_rows],
    )
