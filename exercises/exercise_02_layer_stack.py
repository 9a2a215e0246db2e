"""Exercise 02 · Stacking Dense layers for regression (회귀 모델링, 은닉층)

From the course notes (딥러닝 구조): each layer's (층) output is the next
layer's input. A regression (회귀) model predicts one number, so its output
layer (출력층) is Dense(1) with no activation. Between input and output sit
hidden layers (은닉층), each with an activation (활성화 함수), usually relu:
without one, any stack of Dense layers is still just a linear model (선형 모델).

    nfeatures = x_train.shape[1]
    model = Sequential([Dense(1, input_shape=(nfeatures,))])     # Keras 2 style: still fine
    model.compile(optimizer='adam', loss='mse')
    hist = model.fit(x_train, y_train, epochs=20, validation_split=.2).history

Keras 3 prefers `keras.Input(shape=(nfeatures,))` (the input layer, 입력층) as the
first element; both work. The loss (손실 함수) 'mse' is the mean squared error
(평균 제곱 오차). The optimizer's (옵티마이저) default learning_rate (학습률)
is 0.001; in Keras 3 write `Adam(learning_rate=0.01)` (the old `lr=` is gone).

Any keras.Model counts: keras.Sequential, the functional API, or your own
subclass of keras.Model (서브클래싱 API, as in Deep Learning with Python and
Hands-On ML). The grader never runs your class's code itself (safe mode, 안전 모드):
for a subclass, your file reports its layers, weights and outputs; the layer
table is compared as usual, and call() must apply the layers you create in
__init__, in that order (the grader runs the same layers with your weights on
the same inputs). It is trained where your class exists, with the grader's
settings, and scored on held-out rows it cannot look up.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-02
"""

from tensorflow import keras
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_linear_regression(n_features):
    """Linear regression as a network: a single Dense(1) with no activation on `n_features` inputs.

    It has n_features weights (가중치) + 1 bias (편향): for 10 features (특성),
    11 parameters (파라미터).
    """
    # TODO
    raise NotImplementedError


def build_mlp_regression(n_features, hidden_units=(64, 32)):
    """A multi-layer perceptron for regression.

    A multi-layer perceptron (다층 퍼셉트론, MLP) is a network with hidden
    layers (은닉층). One Dense(units, activation="relu") per entry of
    `hidden_units` (units, 유닛 수), in order, then the output layer (출력층)
    Dense(1) with no activation (활성화 함수). The input has `n_features` values.
    """
    # TODO
    raise NotImplementedError


def compile_regression(model, learning_rate=0.001):
    """Compile `model` with Adam at `learning_rate` and the mean-squared-error loss; return it.

    Compile (컴파일) with the Adam optimizer (옵티마이저) at that learning rate
    (학습률) and the mean squared error (평균 제곱 오차, MSE) loss (손실 함수),
    loss='mse'. Return the same model you were given.
    """
    # TODO
    raise NotImplementedError


def train(model, x, y, epochs=20, validation_split=0.2):
    """Fit the (compiled) model and return the history dict (`hist.history`).

    Training (훈련, `fit`) records one value per epoch (에포크) under "loss"
    (training loss, 훈련 손실) and "val_loss" (validation loss, 검증 손실): the
    last 20% of the data is held out as validation data (검증 데이터). Pass
    verbose=0 to keep the output short. Fit x and y together: each row of x
    stays paired with its label (레이블) in y.
    """
    # TODO
    raise NotImplementedError
