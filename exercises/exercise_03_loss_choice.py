"""Exercise 03 · Output layers and losses (출력층과 손실 함수 고르기)

The last layer (출력층) and the loss (손실 함수) are decided by the task, not by
taste. From the course notes:

| task                                      | output layer            | loss                              |
|-------------------------------------------|-------------------------|-----------------------------------|
| 회귀 regression                           | Dense(1), no activation | "mse"                             |
| 이진분류 binary classification            | Dense(1, sigmoid)       | "binary_crossentropy"             |
| 다중분류 multi-class, labels 0..9         | Dense(10, softmax)      | "sparse_categorical_crossentropy" |
| 다중분류, one-hot labels (원-핫)          | Dense(10, softmax)      | "categorical_crossentropy"        |
| 다중 레이블 multi-label (several at once) | Dense(k, sigmoid)       | "binary_crossentropy"             |

sigmoid (시그모이드) turns one score into a probability (확률) between 0 and 1;
softmax (소프트맥스) turns k scores into k probabilities that sum to 1.
Predictions then become classes (클래스):
`np.where(pred >= .5, 1, 0)` (threshold, 임곗값 0.5) for sigmoid,
`pred.argmax(axis=1)` for softmax.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-03
"""

import numpy as np

TASKS = ("regression", "binary", "multiclass", "multilabel")


def output_layer_for(task, n_classes=None):
    """(units, activation) of the output layer for `task`.

    units = 유닛 수, activation = 활성화 함수 (None: no activation).
    "regression" (회귀) -> (1, None); "binary" (이진 분류) -> (1, "sigmoid");
    "multiclass" (다중 분류) -> (n_classes, "softmax");
    "multilabel" (다중 레이블 분류) -> (n_classes, "sigmoid").
    Any other task: raise ValueError with a message that lists the valid tasks.

    >>> output_layer_for("multiclass", 10)
    (10, 'softmax')
    """
    # TODO
    raise NotImplementedError


def loss_for(task, label_format="integer"):
    """The Keras loss name for `task`; `label_format` is "integer" or "onehot".

    Multi-class with integer labels (정수 레이블, y = 3) uses
    "sparse_categorical_crossentropy"; with one-hot labels (원-핫 레이블,
    y = [0, 0, 0, 1, 0, ...]) "categorical_crossentropy" (both are categorical
    cross-entropy, 범주형 크로스 엔트로피).
    Unknown tasks raise ValueError.

    >>> loss_for("binary")
    'binary_crossentropy'
    """
    # TODO
    raise NotImplementedError


def one_hot(labels, n_classes):
    """Integer labels (N,) -> one-hot float32 array (N, n_classes) (원-핫 인코딩).

    Like keras.utils.to_categorical (row i has a 1.0 in column labels[i], the
    column of its label, 레이블; one column per class, 클래스),
    but always float32, the dtype Keras trains in.

    >>> one_hot(np.array([0, 2]), 3)
    array([[1., 0., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    # TODO
    raise NotImplementedError


def predict_classes(probabilities):
    """Turn model.predict(...) output into class labels.

    (N, 1) or (N,) sigmoid (시그모이드) outputs -> 0/1 with threshold
    (임곗값) 0.5 (0.5 itself is
    class 1, as in the course's `np.where(pred >= .5, 1, 0)`);
    (N, k) softmax (소프트맥스) outputs with k > 1 -> the index of the largest
    probability (확률), per sample (샘플).
    """
    # TODO
    raise NotImplementedError
