"""Exercise 11 · Optimizers, data pipelines and seeds (옵티마이저, tf.data, 난수 고정)

Optimizers (혼공머신 7장): the algorithm that updates the weights.
- SGD (확률적 경사 하강법): learning_rate 0.01 by default (`optimizer='sgd'`).
- Momentum: SGD(momentum=0.9) uses past gradients like velocity (보통 0.9 이상).
- Nesterov momentum: SGD(momentum=0.9, nesterov=True).
- Adaptive learning rates: Adagrad, RMSprop (compile()'s default optimizer),
  and Adam, which combines momentum and RMSprop (learning_rate 0.001 by default).
Keras 3 writes the rate as `learning_rate=...`; `lr=` no longer exists.

Data pipelines (tf.data): build a Dataset from (x, y) TOGETHER, then shuffle
and batch. ⚠️ Shuffling x and y separately breaks the pairs: every label would
belong to another sample.

    train_ds = tf.data.Dataset.from_tensor_slices((x, y))
    train_ds = train_ds.shuffle(len(x)).batch(batch_size=5)

Seeds (난수 생성 방식을 고정): np.random.seed(100); tf.random.set_seed(100) —
or keras.utils.set_random_seed, which also seeds Python's `random`.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-11
"""

import random

import numpy as np
import tensorflow as tf
from tensorflow import keras


def make_optimizer(name, learning_rate=None, momentum=0.0, nesterov=False):
    """A Keras optimizer by name: "sgd", "momentum", "nesterov", "rmsprop", "adagrad" or "adam".

    - learning_rate=None keeps Keras's default for that optimizer (SGD 0.01, Adam 0.001, ...):
      pass learning_rate to the constructor only when it is given.
    - "momentum": SGD with momentum 0.9 (or `momentum` if a non-zero value is given).
    - "nesterov": the same with nesterov=True.
    - "sgd": plain SGD with the given momentum and nesterov.
    Unknown names raise ValueError.
    """
    # TODO
    raise NotImplementedError


def default_compile_optimizer():
    """The name of the optimizer model.compile() uses when you give none (a string)."""
    raise NotImplementedError


def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    """A tf.data.Dataset of (x_batch, y_batch) pairs.

    Build it from (x, y) together, shuffle the whole dataset (buffer = len(x),
    seed=seed) when `shuffle` is True, then batch. Every sample appears exactly
    once per pass, still with its own label.
    """
    # TODO
    raise NotImplementedError


def set_seed(seed):
    """Make Python's, numpy's and TensorFlow's random numbers repeatable from `seed`."""
    # TODO
    raise NotImplementedError
