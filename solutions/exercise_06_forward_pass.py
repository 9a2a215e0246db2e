"""Exercise 06 · A forward pass by hand: reference solution."""

import numpy as np

EPSILON = 1e-7  # Keras's clip value for probabilities inside the logs


def sigmoid(z):
    """Written with exp(-|z|) so a large negative z does not overflow."""
    z = np.asarray(z, dtype=float)
    positive = 1.0 / (1.0 + np.exp(-np.abs(z)))
    return np.where(z >= 0, positive, 1.0 - positive)


def tanh(z):
    return np.tanh(np.asarray(z, dtype=float))


def relu(z):
    # np.maximum compares element by element (np.max would take one maximum of the whole array).
    return np.maximum(0.0, np.asarray(z, dtype=float))


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def softmax(z):
    """Subtract each row's maximum: the same result, no overflow."""
    z = np.asarray(z, dtype=float)
    shifted = np.exp(z - z.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


# Activation names as Keras spells them; None means "no activation" (a linear output).
ACTIVATIONS = {None: lambda z: z, "linear": lambda z: z, "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu, "softmax": softmax}


def dense_forward(x, weights, bias, activation=None):
    z = np.asarray(x, dtype=float) @ np.asarray(weights, dtype=float) + np.asarray(bias, dtype=float)
    return ACTIVATIONS[activation](z)


def forward(x, layers):
    # Each layer's output is the next layer's input.
    for weights, bias, activation in layers:
        x = dense_forward(x, weights, bias, activation)
    return x


def mse(y_true, y_pred):
    return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2))


def binary_crossentropy(y_true, p):
    y = np.asarray(y_true, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)  # log(0) never happens
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def categorical_crossentropy(y_true_onehot, p):
    y = np.asarray(y_true_onehot, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), EPSILON, 1 - EPSILON)
    # Sum over the classes (only the true class counts), then the mean over samples.
    return float(-np.mean(np.sum(y * np.log(p), axis=-1)))
