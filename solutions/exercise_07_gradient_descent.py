"""Exercise 07 · Gradient descent by hand: reference solution."""

import math

import numpy as np


def iterations_per_epoch(n_samples, batch_size):
    """Round up: the last, partial batch is one more update."""
    return math.ceil(n_samples / batch_size)


def _mse(w, b, x, y):
    return float(np.mean((x @ w + b - y) ** 2))


def gradient_step(w, b, x, y, learning_rate):
    x, y, w = np.asarray(x, dtype=float), np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    error = x @ w + b - y
    # Gradients of mean((x @ w + b - y) ** 2): the factor 2 from the square, 1 / N from the mean.
    grad_w = 2.0 / len(y) * x.T @ error
    grad_b = 2.0 * float(np.mean(error))
    # Step against the gradient (downhill).
    return w - learning_rate * grad_w, float(b - learning_rate * grad_b)


def fit_linear(x, y, learning_rate=0.01, epochs=100):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(x.shape[1]), 0.0
    losses = []
    for _ in range(epochs):
        w, b = gradient_step(w, b, x, y, learning_rate)
        losses.append(_mse(w, b, x, y))  # the real loss, even when it grows
    return w, b, losses


def step_function(z):
    return np.where(np.asarray(z) >= 0, 1, 0)


def perceptron_train(x, y, epochs=10, learning_rate=1.0):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(epochs):
        for x_i, y_i in zip(x, y):
            error = y_i - step_function(x_i @ w + b)  # 0 when right, +1 or -1 when wrong
            w = w + learning_rate * error * x_i
            b = b + learning_rate * error
    return w, float(b)


def xor_separable():
    """No single line puts (0,1) and (1,0) on one side and (0,0), (1,1) on the other."""
    return False
