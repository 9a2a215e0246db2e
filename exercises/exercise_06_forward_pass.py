"""Exercise 06 · A forward pass by hand (순전파와 손실 함수)

Keras hides the arithmetic of a network; here you write it with numpy.

A Dense layer computes z = x @ W + b (one weighted sum per neuron, 가중치와 편향),
then an activation function (활성화 함수) decides what each neuron passes on:

- sigmoid(z) = 1 / (1 + e^-z): 0..1, for a binary output;
- tanh(z): -1..1, zero-centred;
- relu(z) = max(0, z): the default for hidden layers;
- leaky_relu(z) = z if z > 0 else alpha * z: keeps a small slope for negatives;
- softmax(z) = e^z / sum(e^z) over the last axis: probabilities that sum to 1.

The course's worked example (순전파): inputs x1 = 1, x2 = -1 with weights
w1 = 2, w2 = 1 give z = 2 - 1 = 1, and sigmoid(1) = 0.73; another neuron with
z = 0 gives sigmoid(0) = 0.5. Those become the next layer's inputs, and so on
until the prediction (0.436), which the loss (손실 함수) compares with the
target (0.4).

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-06
"""

import numpy as np


def sigmoid(z):
    """1 / (1 + exp(-z)), element-wise. sigmoid(0) = 0.5, sigmoid(1) ≈ 0.731."""
    raise NotImplementedError


def tanh(z):
    """Hyperbolic tangent, element-wise: (e^z - e^-z) / (e^z + e^-z)."""
    raise NotImplementedError


def relu(z):
    """max(0, z), element-wise: negatives become 0, positives pass unchanged."""
    raise NotImplementedError


def leaky_relu(z, alpha=0.01):
    """z where z > 0, alpha * z elsewhere (a small slope keeps 'dead' neurons learning)."""
    raise NotImplementedError


def softmax(z):
    """exp(z) / sum(exp(z)) along the LAST axis, so each row sums to 1.

    It must not overflow for large inputs such as [1000, 1000]: exp(1000) is
    inf in float64. Subtracting the row's maximum first gives the same result
    (the factor cancels) without overflow.

    >>> softmax(np.array([[1000.0, 1000.0]]))
    array([[0.5, 0.5]])
    """
    raise NotImplementedError


def dense_forward(x, weights, bias, activation=None):
    """One Dense layer: x @ weights + bias, then the activation named by `activation`.

    x: (N, n_inputs), weights: (n_inputs, units), bias: (units,).
    activation: None (linear), "sigmoid", "tanh", "relu", "leaky_relu" or "softmax".
    """
    # TODO: compute z, then apply the activation by name
    raise NotImplementedError


def forward(x, layers):
    """A whole forward pass: each layer's output is the next layer's input.

    `layers` is a list of (weights, bias, activation) tuples.
    """
    raise NotImplementedError


def mse(y_true, y_pred):
    """Mean squared error: the mean of (y_true - y_pred) ** 2 over all values.

    The course's example: prediction 0.436, target 0.4 -> (0.036)^2 ≈ 0.0013.
    """
    raise NotImplementedError


def binary_crossentropy(y_true, p):
    """-mean(y log p + (1 - y) log(1 - p)), with p clipped to [1e-7, 1 - 1e-7].

    Clipping keeps log(0) = -inf out of the loss when a prediction is exactly 0 or 1.
    """
    raise NotImplementedError


def categorical_crossentropy(y_true_onehot, p):
    """-mean over samples of sum over classes of y log p (p clipped to [1e-7, 1 - 1e-7])."""
    raise NotImplementedError
