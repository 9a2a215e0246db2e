"""Exercise 08 · A binary classifier (이진분류)

From the course notes: to get a yes/no answer, the output layer (출력층) needs a
function (활성화 함수) that turns the node's score into a probability (확률)
between 0 and 1 — sigmoid (시그모이드) — and the loss (손실 함수) that compares
probabilities with 0/1 labels (레이블) is binary_crossentropy (이진 크로스
엔트로피; cross entropy: the difference between two distributions).

    n = x_train.shape[1]
    model = Sequential([Dense(4, input_shape=(n,), activation='relu'),
                        Dense(1, activation='sigmoid')])
    model.compile(optimizer=Adam(learning_rate=0.01), loss='binary_crossentropy')
    hist = model.fit(x_train, y_train, epochs=50, validation_split=.2).history
    pred = model.predict(x_val)
    pred = np.where(pred >= .5, 1, 0)

The grader (채점기) trains on scikit-learn's breast-cancer data (유방암 데이터:
569 tumours (종양), 30 standardised features (표준화된 특성); 1 = benign (양성)).

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

    One hidden layer (은닉층) with ReLU, one output unit (출력 유닛) with
    sigmoid (시그모이드). Compile (컴파일) with the Adam optimizer (옵티마이저),
    Adam(learning_rate=0.01) (학습률 0.01), loss "binary_crossentropy" (이진
    크로스 엔트로피) and metrics ["accuracy"] (정확도); return the model.

    Any keras.Model counts: keras.Sequential, the functional API, or your own subclass of
    keras.Model (서브클래싱 API). The grader never runs your class's code itself (안전 모드):
    for a subclass, your file reports its layers, weights, outputs and compile settings; the
    layer table and the compile settings are judged as usual, and call() must apply the layers
    you create in __init__, in that order (the grader runs the same layers with your weights on
    the same inputs). It is trained where your class exists, with your compile settings, and
    its weights are scored in the exercise's own layers on held-out tumours it cannot look up
    (so its layers must be the exercise's for that check).
    """
    # TODO
    raise NotImplementedError


def train_and_predict(model, x_train, y_train, x_test, epochs=50):
    """Fit `model` on the training data, then return 0/1 predictions for `x_test`.

    Train (훈련, `fit`) for `epochs` epochs (에포크). model.predict gives
    probabilities (확률; shape (N, 1)); turn them into classes (클래스) with the
    course's rule, np.where(pred >= .5, 1, 0) (0.5 임곗값). (Keras 3 has no
    predict_classes.) Use verbose=0 in fit and predict.
    """
    # TODO
    raise NotImplementedError
