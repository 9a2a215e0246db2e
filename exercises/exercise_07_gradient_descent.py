"""Exercise 07 · Gradient descent by hand (경사하강법, 학습률, 에포크와 배치, 퍼셉트론)

Training a network (신경망 훈련) repeats the course's four steps until the loss
(손실) stops falling:
1. 순전파 (forward propagation): predict with the current weights;
2. 손실 계산 (the loss): measure how wrong the predictions are;
3. 역전파 (back propagation): compute the gradient of the loss with respect to
   every weight, i.e. which way each weight makes the loss grow;
4. 경사하강법 (gradient descent): take a small step AGAINST the gradient,
   w = w - learning_rate * gradient (기울기), and repeat.

The learning rate (학습률) is the size of that step. From the course notes:
"작은 학습률은 안정적으로 모델을 수렴 가능, 수렴까지 오래 걸릴 수 있음" (a small one
converges safely but slowly); "큰 학습률은 빠르게 수렴할 수 있지만, 최적값을 지나치거나
발산할 가능성이 있음" (a large one is fast but can overshoot the minimum, and past
a point every step makes the loss larger: divergence, 발산).

Epochs, batches and iterations (에포크, 배치, 반복): 1 epoch is one pass over the
whole data set. The data is fed in mini-batches (미니배치); one iteration is one
batch, one weight update (가중치 업데이트). The course: 1000 samples with
batch size 100 make 10 mini-batches, so 1 epoch = 10 iterations.

The perceptron (퍼셉트론, Hands-On ML ch. 10) is the oldest neural network:
one TLU that applies a step function (계단 함수) to a weighted sum (가중합).
It learns AND and OR, but it cannot solve XOR (배타적 논리합), which is why layers are
stacked into a multi-layer perceptron (MLP, 다층 퍼셉트론) trained with back
propagation (역전파).

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-07
"""

import numpy as np


def iterations_per_epoch(n_samples, batch_size):
    """How many iterations (weight updates) one epoch takes; return an int.

    Iterations (반복, 스텝) per epoch (에포크). Why: Keras's progress bar counts
    these steps ("10/10"), and the number of
    updates, not the number of epochs, is what moves the weights.
    A partial last batch (덜 찬 마지막 배치) still counts: it is one more update.

    The course's example: 1000 samples, batch size 100 -> 10 mini-batches.

    >>> iterations_per_epoch(1000, 100)
    10
    >>> iterations_per_epoch(1001, 100)   # 10 full batches + 1 batch of 1 sample
    11
    >>> iterations_per_epoch(50, 100)     # fewer samples than one batch: still 1 update
    1
    """
    # TODO: divide and round UP
    raise NotImplementedError


def gradient_step(w, b, x, y, learning_rate):
    """One full-batch gradient-descent step for linear regression with MSE loss.

    Prediction (순전파): y_hat = x @ w + b, with x (N, F), w (F,), b a float, y (N,).
    Loss (손실 함수): L = mean((y_hat - y) ** 2).
    Gradients (역전파), with error = y_hat - y:
        dL/dw = (2 / N) * x.T @ error
        dL/db = 2 * mean(error)
    This is one step of 경사 하강법 for 선형 회귀 (linear regression) with
    평균 제곱 오차 (MSE). Returns the updated (w, b): each parameter (파라미터:
    가중치 w, 편향 b) minus learning_rate (학습률) * its gradient (기울기).
    The gradient points uphill (where the loss grows), so we SUBTRACT it.

    Example: x = [[1], [2]], y = [2, 4], w = [0], b = 0, learning_rate = 0.1:
    error = [-2, -4]; dL/dw = (2/2) * (1*-2 + 2*-4) = -10; dL/db = 2 * -3 = -6;
    so w = 0 - 0.1 * -10 = 1.0 and b = 0 - 0.1 * -6 = 0.6 (towards y = 2x).

    >>> gradient_step(np.array([0.0]), 0.0, np.array([[1.0], [2.0]]), np.array([2.0, 4.0]), 0.1)
    (array([1.]), 0.6000000000000001)
    """
    # TODO: error, the two gradients, then the two updates
    raise NotImplementedError


def fit_linear(x, y, learning_rate=0.01, epochs=100):
    """Gradient descent from w = zeros(F), b = 0.0 for `epochs` full-batch steps.

    Returns (w, b, losses): losses is a list with one float per epoch, where
    losses[i] is the MSE of the w and b after epoch i's update (so
    len(losses) == epochs). This list is the learning curve (학습곡선) that
    `history.history["loss"]` holds in Keras.

    Why: with a small learning rate (학습률) the losses fall towards the
    least-squares solution (최소 제곱 해: 수렴); with a too-large one they grow
    every epoch (발산). Report the
    real losses either way: do not clip, stop early or hide a growing loss,
    because a rising learning curve is exactly how you notice divergence.
    """
    # TODO: start from zeros, call gradient_step once per epoch, record the loss after each step
    raise NotImplementedError


def step_function(z):
    """The Heaviside step function (계단 함수), element by element: 1 where z >= 0, else 0.

    Why: the perceptron's (퍼셉트론) TLU outputs step(z) with z = x @ w + b:
    "fire" (1) or "do not fire" (0). Note that z = 0 gives 1.

    >>> step_function(np.array([-2.0, 0.0, 3.0]))
    array([0, 1, 1])
    """
    # TODO: integers 0/1, with z = 0 mapped to 1
    raise NotImplementedError


def perceptron_train(x, y, epochs=10, learning_rate=1.0):
    """Train a perceptron with Rosenblatt's rule, starting from w = zeros, b = 0.0.

    For each epoch, for each sample (x_i, y_i) in order:
        prediction = step_function(x_i @ w + b)
        w = w + learning_rate * (y_i - prediction) * x_i
        b = b + learning_rate * (y_i - prediction)
    This is 로젠블라트의 퍼셉트론 학습 규칙. A right prediction (예측) changes
    nothing; a wrong one moves the line (결정 경계인 직선) towards the sample
    (샘플). Returns (w, b) with w a numpy array and b a float.

    Example: AND on x = [[0,0],[0,1],[1,0],[1,1]] with y = [0,0,0,1]. The
    first sample gives z = 0, so prediction 1, error -1: b becomes -1. After 5
    epochs the rule reaches w = [2, 1], b = -3, and step(x @ w + b) is
    [0, 0, 0, 1]. OR (y = [0, 1, 1, 1]) is learned the same way.
    """
    # TODO: two nested loops (epochs, samples) and the update rule
    raise NotImplementedError


def xor_separable():
    """Can a single perceptron separate XOR? Return True or False.

    XOR (배타적 논리합) is 1 for (0,1) and (1,0), 0 for (0,0) and (1,1); the
    question is whether it is linearly separable (선형 분리 가능). A perceptron
    draws one straight line (w @ x + b = 0) and says 1 on one side. Try to draw such a
    line on the four points (Hands-On ML: "퍼셉트론은 XOR 문제를 풀 수 없다").
    """
    # TODO: return a bool
    raise NotImplementedError
