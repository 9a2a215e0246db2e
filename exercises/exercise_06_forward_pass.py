"""Exercise 06 · A forward pass by hand (순전파, 활성화 함수, 손실 함수)

Keras hides the arithmetic of a network behind `model.predict` and
`model.fit`. In this exercise you write that arithmetic yourself with numpy,
so that every number in a Dense network (Dense 층으로 된 신경망) has a meaning.

Training repeats four steps (the course notes): 1. 순전파 (forward
propagation: inputs -> prediction), 2. 손실 계산 (the loss: how far the
prediction is from the target), 3. 역전파 (back propagation: which weights to
change), 4. repeat. This exercise is steps 1 and 2; exercise 07 is step 3.

A Dense layer (층) computes z = x @ W + b: one weighted sum (가중합) per neuron
(뉴런), with a weight (가중치) per connection and a bias (편향) that moves the neuron's
threshold. Then an activation function (활성화 함수) decides what each neuron
passes on. Without it, stacked Dense layers would collapse into one linear
model (선형 모델).

The course's worked example (순전파): inputs x1 = 1, x2 = -1 and weights
w1 = 2, w2 = 1 give z = 1*2 + (-1)*1 = 1, and sigmoid(1) = 0.73; a second
neuron with z = 0 gives sigmoid(0) = 0.5. Those two values are the next
layer's inputs, and so on until the prediction (예측), 0.436, which the loss
(손실 함수) compares with the target (정답, 타깃), 0.4.

In Keras this layer is Dense(units): its input size n is the number of rows of
W, given once, to the model's first layer. The course notes write
Dense(units, input_dim=n) (Keras 2); in Keras 3 write keras.Input(shape=(n,))
first (a tuple, note the comma), then Dense(units).

Work on numpy arrays (no loops over elements needed) and return numpy arrays
for the activations and the forward pass, and a float for each loss.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-06
"""

import numpy as np


def sigmoid(z):
    """The logistic sigmoid 1 / (1 + e^-z), element by element.

    This is 시그모이드 (sigmoid). Why: it squashes any number into 0..1, so an
    output neuron can say "the probability (확률) of class 1" (이진 분류 출력층).
    Near 0 it means "off", near 1 "on".

    From the course's forward pass: z = 1 gives 0.73, z = 0 gives 0.5.

    >>> sigmoid(np.array([1.0, 0.0, -1.0]))
    array([0.73105858, 0.5       , 0.26894142])
    """
    # TODO: 1 / (1 + e^-z) on the whole array (np.exp works element-wise)
    raise NotImplementedError


def tanh(z):
    """The hyperbolic tangent (e^z - e^-z) / (e^z + e^-z), element by element.

    Why: like sigmoid (시그모이드) but from -1 to 1 and centred on 0 (은닉층에서
    음수와 양수를 모두 표현), which is why hidden layers (은닉층) used it before relu.

    >>> tanh(np.array([0.0, 1.0, -1.0]))
    array([ 0.        ,  0.76159416, -0.76159416])
    """
    # TODO: numpy has this function
    raise NotImplementedError


def relu(z):
    """max(0, z), element by element: negatives become 0, positives pass unchanged.

    This is ReLU. Why: the default for hidden layers (은닉층). It is a single
    comparison, so it is fast, and its slope is 1 for positive z, so gradients
    (기울기) do not fade away during back propagation (역전파) the way they do at
    sigmoid's flat ends.

    The course: "relu는 0보다 작으면 0을 출력, 0보다 크면 자기값을 출력하는 함수 max(0, x)".

    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    # TODO: element-wise maximum of 0 and z (careful: np.max is something else)
    raise NotImplementedError


def leaky_relu(z, alpha=0.01):
    """z where z > 0, alpha * z elsewhere, element by element.

    Why: a relu neuron (뉴런) whose z is always negative outputs 0 and has
    slope (기울기) 0, so it never learns again (a "dead" neuron, 죽은 뉴런).
    Leaky ReLU keeps a small slope
    `alpha` for negative inputs (음수 입력도 작은 기울기를 갖도록 수정).

    >>> leaky_relu(np.array([-2.0, 3.0]))
    array([-0.02,  3.  ])
    >>> leaky_relu(np.array([-2.0, 3.0]), alpha=0.2)
    array([-0.4,  3. ])
    """
    # TODO: use the alpha you are given
    raise NotImplementedError


def softmax(z):
    """e^z / sum(e^z) along the LAST axis, so that every row sums to 1.

    This is 소프트맥스 (softmax). Why: a multi-class output layer (다중 분류
    출력층) gives one score per class (클래스); softmax turns each sample's (샘플)
    scores into probabilities (확률) that sum to 1.
    `z` is one sample as a vector (k,) or a batch (N, k): one row per sample.

    It must not overflow (오버플로): e^1000 is inf in float64, and inf / inf is NaN.
    Subtracting each row's maximum first gives the same result (the factor
    e^-max cancels above and below the fraction) with no overflow.

    >>> softmax(np.array([1.0, 2.0, 3.0]))
    array([0.09003057, 0.24472847, 0.66524096])
    >>> softmax(np.array([[1000.0, 1000.0], [1.0, 1.0]]))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    # TODO: subtract each row's max (axis=-1, keepdims=True), exponentiate, divide by the row sums
    raise NotImplementedError


def dense_forward(x, weights, bias, activation=None):
    """One Dense layer: z = x @ weights + bias, then the activation named by `activation`.

    x: (N, n_inputs), weights: (n_inputs, units), bias: (units,); the result's
    shape (형태) is (N, units). `activation` (활성화 함수) is None (no
    activation: return z) or
    one of "sigmoid", "tanh", "relu", "leaky_relu", "softmax", the same names
    Keras accepts in Dense(units, activation="relu"). "leaky_relu" means your
    leaky_relu above (slope 0.01); Keras's own "leaky_relu" uses slope 0.2, and
    that is accepted too.

    The course's first layer: x = [1, -1]; neuron 1 has weights (2, 1), neuron 2
    has weights (1, 1), no bias, sigmoid:

    >>> dense_forward(np.array([[1.0, -1.0]]), np.array([[2.0, 1.0], [1.0, 1.0]]), np.zeros(2), "sigmoid")
    array([[0.73105858, 0.5       ]])
    """
    # TODO: compute z, then look the activation up by its name (a dict of your functions works well)
    raise NotImplementedError


def forward(x, layers):
    """A whole forward pass (순전파): each layer's output is the next layer's input.

    `layers` is a list of (weights, bias, activation) tuples, first layer first.

    Continuing the course's example with an output layer (출력층) whose weights
    (가중치) are (0.5, 0.14), with no activation (a regression output, 회귀
    출력): 0.73 * 0.5 + 0.5 * 0.14 ≈ 0.436.

    >>> layers = [(np.array([[2.0, 1.0], [1.0, 1.0]]), np.zeros(2), "sigmoid"),
    ...           (np.array([[0.5], [0.14]]), np.zeros(1), None)]
    >>> forward(np.array([[1.0, -1.0]]), layers)
    array([[0.43552929]])
    """
    # TODO: loop over the layers with dense_forward
    raise NotImplementedError


def mse(y_true, y_pred):
    """Mean squared error (평균 제곱 오차): the MEAN of (y_true - y_pred) ** 2 over all values.

    Why: the usual loss (손실) for regression (회귀). It is a mean, not a sum, so
    the loss does not grow just because a batch (배치) has more samples (샘플).

    The course's example: prediction 0.436, target 0.4:

    >>> round(mse(np.array([0.4]), np.array([0.436])), 6)  # 0.036 ** 2
    0.001296
    """
    # TODO: return a float
    raise NotImplementedError


def binary_crossentropy(y_true, p):
    """Binary cross-entropy: -mean(y log p + (1 - y) log(1 - p)), p clipped to [1e-7, 1 - 1e-7].

    This is 이진 크로스 엔트로피. Why: the loss of a sigmoid output (이진 분류).
    It is small when the predicted probability (확률) of the true class is
    high, and very large when the model is confidently wrong. y_true holds
    0/1 labels (레이블), p the predicted probabilities of class 1 (same shape).

    Clip first (클리핑), as Keras does: a prediction of exactly 0 or 1 would give
    log(0) = -inf, and 0 * log(0) is NaN, which would poison training.

    >>> binary_crossentropy(np.array([1.0, 0.0]), np.array([0.9, 0.2]))  # -(log 0.9 + log 0.8) / 2
    0.164252033486018
    >>> round(binary_crossentropy(np.array([0.0]), np.array([1.0])), 3)  # -log(1e-7), not inf
    16.118
    """
    # TODO: clip, then the mean over samples; return a float
    raise NotImplementedError


def categorical_crossentropy(y_true_onehot, p):
    """Categorical cross-entropy: -mean over samples of sum over classes of y log p.

    This is 범주형 크로스 엔트로피. p is clipped (클리핑) to [1e-7, 1 - 1e-7] as in
    binary_crossentropy. y_true_onehot and p have shape (N, k), one row per sample (p usually comes from softmax).

    Why: the loss of a softmax output (다중 분류). With one-hot labels (원-핫
    레이블) only the true class's probability counts in each row: the loss is -log(p_true),
    averaged over the samples (not over the N * k numbers).

    >>> categorical_crossentropy(np.array([[0.0, 1.0, 0.0]]), np.array([[0.2, 0.7, 0.1]]))  # -log 0.7
    0.35667494393873245
    """
    # TODO: clip, sum over the classes (axis=-1), then the mean over samples; return a float
    raise NotImplementedError
