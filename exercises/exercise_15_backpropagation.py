"""Exercise 15 · Back-propagation by hand (역전파, 기울기, 연쇄 법칙, 도함수, 가중치)

Exercise 07 trained one linear layer; a perceptron could not learn XOR (배타적 논리합).
Here you train the answer the course gives: stack layers into a multi-layer
perceptron (다층 퍼셉트론) and train it with back-propagation (역전파).

From the course notes:
- "다층 퍼셉트론은 역전파 알고리즘으로 훈련이 가능": the forward pass (순전파) makes a
  prediction, the loss (손실) measures its error, and back-propagation computes the
  gradient (기울기) of the loss for every weight (가중치) and bias (편향).
- "정방향 계산 > 출력 오차 > 출력 연결이 오차에 기여하는 정도 계산(chain rule) >
  입력층까지 오차 그레디언트 측정 > 가중치 수정": the chain rule (연쇄 법칙) multiplies
  the local derivatives (도함수) layer by layer, from the output back to the input.
- "활성화 함수를 왜 쓸까? 비선형 연결을 추가하기 위해서이다! 도함수를 보자." The
  activation's derivative is one factor of that product: the sigmoid's is at most
  0.25 and tanh's at most 1, and both are near 0 for large |z| ("역전파시 기울기가
  0에 가까워져 학습이 멈출 수 있다"), while ReLU's is 1 for every z > 0.
- Regression losses: "손실함수의 경우 MSE, MAE, Huber 사용".

The network of this exercise (Keras's layout, x of shape (N, F)):

    z = x @ W1 + b1        W1 (F, H), b1 (H,)       hidden layer (은닉층)
    h = act(z)             act: "sigmoid", "tanh" or "relu"
    p = h @ W2 + b2        W2 (H, out), b2 (out,)   linear output (출력층)
    L = mean((p - y) ** 2) over every element       MSE (평균 제곱 오차)

Everything is numpy only; no TensorFlow. Replace each `raise NotImplementedError`
with your code, then run:

    grade exercise-15
"""

import numpy as np


def sigmoid_grad(z):
    """The sigmoid's derivative (도함수) at z, element by element: sigmoid(z) * (1 - sigmoid(z)).

    Why: back-propagation multiplies by this factor when it passes through a
    sigmoid layer. Evaluate it at z, the value that goes INTO the activation.
    (Written with the output h = sigmoid(z) it is h * (1 - h); `z * (1 - z)` is
    that formula applied to the wrong value.)

    >>> sigmoid_grad(np.array([0.0]))       # the largest slope: 0.5 * 0.5
    array([0.25])
    >>> sigmoid_grad(np.array([5.0]))       # nearly flat: the gradient vanishes (기울기 소실)
    array([0.00664806])
    """
    # TODO: s = 1 / (1 + np.exp(-z)), then the formula
    raise NotImplementedError


def tanh_grad(z):
    """tanh's derivative at z, element by element: 1 - tanh(z) ** 2.

    >>> tanh_grad(np.array([0.0, 2.0]))
    array([1.        , 0.07065082])
    """
    # TODO
    raise NotImplementedError


def relu_grad(z):
    """ReLU's derivative at z, element by element: 1 where z > 0, else 0.

    ReLU has a corner at z = 0; like TensorFlow, take 0 there.
    "ReLU는 양수 구간에서 기울기 값이 항상 1이므로, 역전파 과정에서 기울기 소실 문제가 완화된다."

    >>> relu_grad(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])
    """
    # TODO
    raise NotImplementedError


def mae(y_true, y_pred):
    """Mean absolute error (평균 절댓값 오차, MAE): the mean of |y_true - y_pred| over ALL elements.

    Returns one float. Why: MAE grows linearly with an error, so an outlier
    (이상치) weighs less than in MSE, which squares it.

    >>> mae(np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0, 5.0]))   # (0 + 1 + 2) / 3
    1.0
    """
    # TODO
    raise NotImplementedError


def huber(y_true, y_pred, delta=1.0):
    """Huber loss (후버 손실), the mean over ALL elements of, with e = |y_true - y_pred|:

        0.5 * e ** 2                 if e <= delta   (like MSE for small errors)
        delta * (e - 0.5 * delta)    otherwise       (like MAE for large ones)

    The two branches meet at e = delta. Returns one float.

    >>> huber(np.array([0.0, 0.0]), np.array([0.5, 3.0]))   # (0.5 * 0.25 + 1 * (3 - 0.5)) / 2
    1.3125
    """
    # TODO: np.where(e <= delta, ..., ...), then the mean
    raise NotImplementedError


def backward(x, y, W1, b1, W2, b2, hidden_activation="sigmoid"):
    """The gradients (기울기) of the MSE for the network in the module docstring: back-propagation.

    x (N, F); y (N, out) targets (for one output, (N,) may come too: reshape it to
    p's shape); W1 (F, H), b1 (H,), W2 (H, out), b2 (out,); hidden_activation is
    "sigmoid", "tanh" or "relu". Returns a dict {"W1": ..., "b1": ..., "W2": ...,
    "b2": ...}: each gradient with the shape of its parameter (가중치와 같은 형태).

    The chain rule (연쇄 법칙), from the loss back to the input:
        forward:  z = x @ W1 + b1;  h = act(z);  p = h @ W2 + b2
        dL/dp  = 2 * (p - y) / p.size      the mean divides by EVERY element
        dL/dW2 = h.T @ dL/dp               (H, out)
        dL/db2 = sum of dL/dp over the samples (axis 0)
        dL/dh  = dL/dp @ W2.T
        dL/dz  = dL/dh * act'(z)           the derivative at z (your *_grad(z))
        dL/dW1 = x.T @ dL/dz               (F, H)
        dL/db1 = sum of dL/dz over the samples

    Worked example (one sample, the course's numbers x1 = 1, x2 = -1): x = [[1, -1]],
    y = [[0.4]], W1 = [[2], [1]], b1 = [0], W2 = [[1]], b2 = [0]. Then z = 1,
    h = sigmoid(1) = 0.731, p = 0.731 and dL/dp = 2 * (0.731 - 0.4) = 0.662;
    dL/dW2 = 0.731 * 0.662 = 0.484, dL/db2 = 0.662; dL/dz = 0.662 * 1 * 0.197 = 0.130,
    so dL/dW1 = [[0.130], [-0.130]] and dL/db1 = [0.130].

    Check yourself with finite differences: (L(w + h) - L(w - h)) / (2 * h) for a
    small h (1e-5) should match each element (수치 미분).
    """
    # TODO: the forward pass keeping z and h, then the gradients from the output back
    raise NotImplementedError


def train_two_layer(x, y, hidden_units=4, learning_rate=0.5, epochs=2000, seed=0):
    """Full-batch gradient descent (경사 하강법) with your `backward` and a sigmoid hidden layer.

    1. Start (초기화): rng = np.random.default_rng(seed); W1 = rng.normal(size=(F, hidden_units)),
       W2 = rng.normal(size=(hidden_units, out)), zero biases. Random weights matter:
       with zeros every hidden unit would compute the same thing and stay the same.
    2. For each epoch: grads = backward(x, y, W1, b1, W2, b2), then every parameter
       minus learning_rate * its gradient (가중치 업데이트).
    3. Record the MSE of each epoch (after the update, like exercise 07): the
       learning curve (학습 곡선).

    Returns ([W1, b1, W2, b2], loss_per_epoch). On XOR, x = [[0, 0], [0, 1], [1, 0],
    [1, 1]] and y = [[0], [1], [1], [0]], the outputs should end up close to
    0, 1, 1, 0: what a single perceptron could not learn (exercise 07). The grader
    writes XOR's points with -1 in place of 0 (x = [[-1, -1], [-1, 1], [1, -1], [1, 1]]):
    centred inputs learn it in a few hundred epochs instead of a thousand or more.
    """
    # TODO: initialise with the seed, loop over the epochs, return the parameters and the losses
    raise NotImplementedError


def xor_network():
    """XOR by hand: a list of layers [(W1, b1, activation), (W2, b2, activation)].

    Each layer computes act(a @ W + b) from the previous layer's output a (the
    first layer's a is the point, shape (4, 2) for XOR's four points);
    activation is a name: "step" (exercise 07's: 1 where z >= 0), "relu",
    "sigmoid", or None (no activation). The last layer's output, read with a 0.5
    threshold, must be XOR: 0, 1, 1, 0 for (0,0), (0,1), (1,0), (1,1).

    Why two layers: one unit draws one line, and XOR needs two. The worked example
    for one unit, AND (exercise 07's perceptron): w = [1, 1], b = -1.5 and "step"
    give 1 only for (1, 1), since 1 + 1 - 1.5 >= 0 but 1 + 0 - 1.5 < 0. Now find
    two hidden units whose outputs an AND-like unit can combine into XOR.
    """
    # TODO: weights by hand, numpy arrays or lists
    raise NotImplementedError
