"""Exercise 08 · A binary classifier (이진분류)

From the course notes: to get a yes/no answer, the output layer needs a
function that turns the node's score into a probability between 0 and 1 —
sigmoid — and the loss that compares probabilities with 0/1 labels is
binary_crossentropy (cross entropy: the difference between two distributions).

    n = x_train.shape[1]
    model = Sequential([Dense(4, input_shape=(n,), activation='relu'),
                        Dense(1, activation='sigmoid')])
    model.compile(optimizer=Adam(learning_rate=0.01), loss='binary_crossentropy')
    hist = model.fit(x_train, y_train, epochs=50, validation_split=.2).history
    pred = model.predict(x_val)
    pred = np.where(pred >= .5, 1, 0)

The grader trains on scikit-learn's breast-cancer data (569 tumours, 30
standardised features; 1 = benign).

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-08
"""

import numpy as np
from tensorflow import keras
from tensorflow.keras.layers import Dense
from tensorflow.keras.models import Sequential
from tensorflow.keras.optimizers import Adam


def build_binary_classifier(n_features, hidden_units=4):
    """Dense(hidden_units, relu) then Dense(1, sigmoid), on `n_features` inputs.

    Compile with Adam(learning_rate=0.01), loss "binary_crossentropy" and
    metrics ["accuracy"]; return the model.
    """
    # TODO
    raise NotImplementedError


def train_and_predict(model, x_train, y_train, x_test, epochs=50):
    """Fit `model` on the training data, then return 0/1 predictions for `x_test`.

    model.predict gives probabilities (shape (N, 1)); turn them into classes
    with the course's rule, np.where(pred >= .5, 1, 0). (Keras 3 has no
    predict_classes.) Use verbose=0 in fit and predict.
    """
    # TODO
    raise NotImplementedError
