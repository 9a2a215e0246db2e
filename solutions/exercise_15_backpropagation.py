"""Exercise 15 · Back-propagation by hand: reference solution."""

import numpy as np


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_grad(z):
    """sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), evaluated at z (not at the output)."""
    s = _sigmoid(np.asarray(z, dtype=float))
    return s * (1.0 - s)


def tanh_grad(z):
    """tanh'(z) = 1 - tanh(z) ** 2."""
    return 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2


def relu_grad(z):
    """1 where z > 0, else 0: TensorFlow takes 0 at z = 0, where ReLU has a corner."""
    return np.where(np.asarray(z) > 0, 1.0, 0.0)


def mae(y_true, y_pred):
    return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))


def huber(y_true, y_pred, delta=1.0):
    error = np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))
    quadratic = 0.5 * error**2  # small errors: like MSE
    linear = delta * (error - 0.5 * delta)  # large errors: like MAE, so outliers weigh less
    return float(np.mean(np.where(error <= delta, quadratic, linear)))


_ACTIVATIONS = {  # name: (the activation, its derivative at z, written with z and h = act(z))
    "sigmoid": (_sigmoid, lambda z, h: h * (1.0 - h)),  # sigmoid_grad(z), without computing exp again
    "tanh": (np.tanh, lambda z, h: 1.0 - h**2),  # tanh_grad(z)
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, h: relu_grad(z)),
}


def _gradients_and_loss(x, y, W1, b1, W2, b2, hidden_activation):
    activation, derivative = _ACTIVATIONS[hidden_activation]
    x = np.asarray(x, dtype=float)
    # forward pass (순전파), keeping z for the backward pass
    z = x @ W1 + b1
    h = activation(z)
    p = h @ W2 + b2
    y = np.asarray(y, dtype=float).reshape(p.shape)  # y may come as (N,) for one output
    error = p - y
    # backward pass (역전파): the chain rule (연쇄 법칙) from the loss back to each weight
    dp = 2.0 * error / p.size  # d mean((p - y) ** 2) / dp: the mean divides by every element
    grad_W2 = h.T @ dp  # (H, out), the shape of W2
    grad_b2 = dp.sum(axis=0)  # each bias is added to every sample: sum over the samples
    dh = dp @ W2.T
    dz = dh * derivative(z, h)  # the derivative at z, the input of the activation
    grad_W1 = x.T @ dz  # (F, H), the shape of W1
    grad_b1 = dz.sum(axis=0)
    return {"W1": grad_W1, "b1": grad_b1, "W2": grad_W2, "b2": grad_b2}, float(np.mean(error**2))


def backward(x, y, W1, b1, W2, b2, hidden_activation="sigmoid"):
    grads, _ = _gradients_and_loss(x, y, W1, b1, W2, b2, hidden_activation)
    return grads


def train_two_layer(x, y, hidden_units=4, learning_rate=0.5, epochs=2000, seed=0):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float).reshape(len(x), -1)
    rng = np.random.default_rng(seed)
    # random weights break the symmetry between hidden units; zero biases are fine
    params = [
        rng.normal(size=(x.shape[1], hidden_units)),
        np.zeros(hidden_units),
        rng.normal(size=(hidden_units, y.shape[1])),
        np.zeros(y.shape[1]),
    ]
    losses = []
    for _ in range(epochs):
        # backward's own forward pass gives this epoch's loss too (recorded before the update)
        grads, loss = _gradients_and_loss(x, y, *params, "sigmoid")
        losses.append(loss)
        # gradient descent (경사 하강법): every parameter against its gradient
        params = [p - learning_rate * grads[name] for p, name in zip(params, ("W1", "b1", "W2", "b2"))]
    return params, losses


def xor_network():
    """XOR = AND(OR, NAND): two hidden perceptrons draw two lines, the output combines them."""
    W1 = np.array([[1.0, -1.0], [1.0, -1.0]])  # column 0: OR, column 1: NAND
    b1 = np.array([-0.5, 1.5])
    W2 = np.array([[1.0], [1.0]])  # AND of the two
    b2 = np.array([-1.5])
    return [(W1, b1, "step"), (W2, b2, "step")]
