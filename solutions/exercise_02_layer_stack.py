"""Exercise 02 · Stacking Dense layers for regression: reference solution."""

from tensorflow import keras
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_linear_regression(n_features):
    return Sequential([keras.Input(shape=(n_features,)), Dense(1)])


def build_mlp_regression(n_features, hidden_units=(64, 32)):
    model = Sequential([keras.Input(shape=(n_features,))])
    for units in hidden_units:
        model.add(Dense(units, activation="relu"))  # hidden layers need a non-linear activation
    model.add(Dense(1))  # regression output: any real number
    return model


def compile_regression(model, learning_rate=0.001):
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")
    return model


def train(model, x, y, epochs=20, validation_split=0.2):
    history = model.fit(x, y, epochs=epochs, validation_split=validation_split, verbose=0)
    return history.history
