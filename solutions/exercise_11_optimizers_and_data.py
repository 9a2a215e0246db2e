"""Exercise 11 · Optimizers, data pipelines and seeds: reference solution."""

import random

import numpy as np
import tensorflow as tf
from tensorflow import keras

OPTIMIZERS = {
    "sgd": keras.optimizers.SGD,
    "momentum": keras.optimizers.SGD,
    "nesterov": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
    "adam": keras.optimizers.Adam,
}


def make_optimizer(name, learning_rate=None, momentum=0.0, nesterov=False):
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}  # None: Keras's default
    if name in ("momentum", "nesterov"):
        kwargs["momentum"] = momentum or 0.9
        kwargs["nesterov"] = name == "nesterov" or nesterov
    elif name == "sgd":
        kwargs.update(momentum=momentum, nesterov=nesterov)
    return OPTIMIZERS[name](**kwargs)


def default_compile_optimizer():
    return "rmsprop"


def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    dataset = tf.data.Dataset.from_tensor_slices((x, y))  # x and y stay paired
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed)
    return dataset.batch(batch_size)


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    tf.random.set_seed(seed)
