"""Exercise 07 · Gradient descent by hand (경사하강법, 학습률, 에포크와 배치)

Training = repeating three steps until the loss stops falling:
순전파 (forward: predict), 손실 계산 (loss: how wrong), 역전파 (backward: the
gradient of the loss with respect to every weight), then a small step against
the gradient: w = w - learning_rate * gradient.

The learning rate (학습률) sets the step size. From the course notes: a small
one converges slowly but surely; a large one is fast but can overshoot the
minimum, and past a point every step makes the loss larger — divergence (발산).

Epochs, batches and iterations: 1 epoch = one pass over all the data. With
1000 samples and batch_size 100 there are 1000 / 100 = 10 mini-batches, so one
epoch takes 10 iterations (weight updates).

The perceptron (퍼셉트론, Hands-On ML ch. 10) is the oldest neural network: one
neuron with a step function. It learns AND and OR, but no straight line
separates XOR, which is why we stack layers.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-07
"""

import numpy as np


def iterations_per_epoch(n_samples, batch_size):
    """How many weight updates one epoch takes; a partial last batch still counts.

    >>> iterations_per_epoch(1000, 100)
    10
    >>> iterations_per_epoch(1001, 100)   # 10 full batches + 1 sample
    11
    """
    raise NotImplementedError


def gradient_step(w, b, x, y, learning_rate):
    """One full-batch gradient-descent step for linear regression with MSE loss.

    Prediction: y_hat = x @ w + b, with x (N, F), w (F,), b a float, y (N,).
    Loss: mean((y_hat - y) ** 2).
    Gradients: dL/dw = (2 / N) * x.T @ (y_hat - y);  dL/db = 2 * mean(y_hat - y).
    Returns the updated (w, b): each parameter minus learning_rate * its gradient.
    """
    # TODO
    raise NotImplementedError


def fit_linear(x, y, learning_rate=0.01, epochs=100):
    """Gradient descent from w = zeros, b = 0 for `epochs` full-batch steps.

    Returns (w, b, losses) where losses[i] is the MSE after the update of epoch i
    (so len(losses) == epochs). Do not hide a growing loss: if the learning rate
    is too large the losses must show it.
    """
    raise NotImplementedError


def step_function(z):
    """Heaviside step, element-wise: 1 where z >= 0, else 0 (as integers)."""
    raise NotImplementedError


def perceptron_train(x, y, epochs=10, learning_rate=1.0):
    """Rosenblatt's perceptron rule, starting from w = zeros, b = 0.

    For each epoch, for each sample (x_i, y_i) in order:
        prediction = step_function(x_i @ w + b)
        w = w + learning_rate * (y_i - prediction) * x_i
        b = b + learning_rate * (y_i - prediction)
    Returns (w, b). Learns AND and OR: x = [[0,0],[0,1],[1,0],[1,1]].
    """
    raise NotImplementedError


def xor_separable():
    """Can a single perceptron (one straight line) separate XOR? Return True or False."""
    raise NotImplementedError
