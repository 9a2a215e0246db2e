"""Exercise 14 · Evaluating a model (모델 평가: 검증 세트, 정확도, 정밀도, 재현율, 혼동 행렬)

A model is only as good as its score on data it never trained on. The course
sets data aside in three ways and then reads the predictions:

- 검증 세트 (validation set): "훈련 세트에서 20%를 검증세트로 덜어냄" — by hand
  (scikit-learn's `train_test_split(..., test_size=0.2)`), or with
  `model.fit(x_train, y_train, epochs=20, validation_split=0.2)`, which holds out
  the *last* 20% of the rows, before any shuffling.
- `model.evaluate(X_test, y_test)` estimates the generalisation error (일반화 오차):
  the loss and the metrics given to `compile`.
- `print(classification_report(y_val, pred))`: per class, 정밀도 (precision: of
  the samples predicted as c, how many are c), 재현율 (recall: of the samples
  that are c, how many were found), F1 and support; from the 혼동 행렬
  (confusion matrix: rows = true class, columns = predicted class).
- `fit(..., class_weight=...)`: 클래스 가중치 to balance a skewed training set
  ("훈련 세트의 편중 해결").

Here you compute all of this yourself with numpy (scikit-learn may check your
answers, but write your own). Only `evaluate_model` needs a Keras model.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-14
"""

import math

import numpy as np


def train_validation_split(x, y, valid_fraction=0.2, seed=0):
    """Shuffle the rows with `seed`, then set `ceil(n * valid_fraction)` of them aside.

    Returns (x_train, x_valid, y_train, y_valid), like scikit-learn's
    `train_test_split(x, y, test_size=valid_fraction, random_state=seed)`:
    every row lands in exactly one part, x[i] stays paired with y[i], the same
    seed gives the same split and another seed another one.

    >>> x_train, x_valid, y_train, y_valid = train_validation_split(x, y)  # 1000 rows
    >>> len(x_train), len(x_valid)
    (800, 200)

    Shuffle one permutation of the row indices (np.random.default_rng(seed).permutation(n))
    and index x and y with it: shuffling x and y separately breaks the pairs.
    """
    # TODO
    raise NotImplementedError


def keras_validation_rows(n_samples, validation_split):
    """The row indices `model.fit(..., validation_split=validation_split)` holds out (검증 세트).

    Keras 3 does not shuffle before it splits: the validation rows are the last
    ones, from `split_at = floor(n_samples * (1 - validation_split))` to the end.
    (So sort or shuffle your data before fitting, or the validation set may hold
    only the last class.)

    >>> keras_validation_rows(10, 0.2)
    array([8, 9])
    """
    # TODO
    raise NotImplementedError


def accuracy(y_true, y_pred):
    """정확도: the fraction of predictions equal to the labels, a float between 0 and 1.

    >>> accuracy(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]))
    0.75
    """
    # TODO
    raise NotImplementedError


def confusion_matrix(y_true, y_pred, n_classes):
    """혼동 행렬: an int array (n_classes, n_classes); cell [t, p] counts samples of
    true class t predicted as p (rows = true, columns = predicted, scikit-learn's
    convention). Classes that never occur still get their row and column.

    >>> confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    # TODO
    raise NotImplementedError


def classification_report(y_true, y_pred, n_classes):
    """The numbers of scikit-learn's classification_report, as a dict.

    Per class c (lists of n_classes floats/ints):
      precision[c] (정밀도) = TP / (TP + FP)   — 0.0 when c was never predicted (not NaN)
      recall[c]    (재현율) = TP / (TP + FN)   — 0.0 when c never occurs
      f1[c]        = 2 * P * R / (P + R)      — 0.0 when P + R = 0
      support[c]   = how many samples are truly c
    Overall:
      accuracy     = the fraction right
      macro_f1     = the plain mean of f1 over all n_classes classes
      weighted_f1  = the mean of f1 weighted by support

    Keys: "precision", "recall", "f1", "support", "accuracy", "macro_f1", "weighted_f1".
    Hint: the confusion matrix's diagonal is TP; its column sums are TP + FP and
    its row sums TP + FN.
    """
    # TODO
    raise NotImplementedError


def balanced_class_weight(y):
    """클래스 가중치 for `fit(class_weight=...)`: {class: n_samples / (n_classes * count_c)}
    for every class present in y (scikit-learn's "balanced"); n_classes is the
    number of distinct classes in y. Rare classes weigh more.

    >>> balanced_class_weight(np.array([0, 0, 0, 1]))    # 4 / (2 * 3), 4 / (2 * 1)
    {0: 0.6666666666666666, 1: 2.0}
    """
    # TODO
    raise NotImplementedError


def evaluate_model(model, x, y):
    """(loss, accuracy) of a compiled model on (x, y), as `model.evaluate` reports them.

    The model was compiled with one metric, "accuracy", so evaluate returns
    [loss, accuracy]. Return them as a tuple of two floats.

        loss, acc = model.evaluate(X_test, y_test, verbose=0)
    """
    # TODO
    raise NotImplementedError
