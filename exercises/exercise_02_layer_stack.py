"""Exercise 02 · Stacking Dense layers for regression (회귀 모델링, 은닉층)

From the course notes (딥러닝 구조): each layer's output is the next layer's
input. A regression model predicts one number, so it ends in Dense(1) with no
activation. Between input and output sit hidden layers (은닉층), each with an
activation (활성화 함수), usually relu: without one, any stack of Dense layers is
still just a linear model.

    nfeatures = x_train.shape[1]
    model = Sequential([Dense(1, input_shape=(nfeatures,))])     # Keras 2 style: still fine
    model.compile(optimizer='adam', loss='mse')
    hist = model.fit(x_train, y_train, epochs=20, validation_split=.2).history

Keras 3 prefers `keras.Input(shape=(nfeatures,))` as the first element; both work.
The optimizer's default learning_rate is 0.001; in Keras 3 write
`Adam(learning_rate=0.01)` (the old `lr=` is gone).

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-02
"""

from tensorflow import keras
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_linear_regression(n_features):
    """Linear regression as a network: a single Dense(1) with no activation on `n_features` inputs.

    It has n_features weights + 1 bias: for 10 features, 11 parameters.
    """
    # TODO
    raise NotImplementedError


def build_mlp_regression(n_features, hidden_units=(64, 32)):
    """A multi-layer perceptron for regression.

    One Dense(units, activation="relu") per entry of `hidden_units`, in order,
    then Dense(1) with no activation. The input has `n_features` values.
    """
    # TODO
    raise NotImplementedError


def compile_regression(model, learning_rate=0.001):
    """Compile `model` with Adam at `learning_rate` and the mean-squared-error loss; return it."""
    # TODO
    raise NotImplementedError


def train(model, x, y, epochs=20, validation_split=0.2):
    """Fit the (compiled) model and return the history dict (`hist.history`).

    It has one value per epoch under "loss" and "val_loss" (the last 20% of the
    data is held out for validation). Pass verbose=0 to keep the output short.
    """
    # TODO
    raise NotImplementedError
