"""Exercise 12 · Regularisation against overfitting (규제, 과적합 방지)

A model that memorises its training data (과적합, overfitting) does worse on
new data. The course's tools to generalise better:

- L1 / L2 regularisation: add lam * sum|w| (L1, Lasso) or lam * sum w^2
  (L2, Ridge) to the loss, so large weights cost something:
  Dense(64, activation='relu', kernel_regularizer=keras.regularizers.L2(1e-4)).
- Dropout (드롭아웃): model.add(Dropout(0.5)) zeroes a random half of a hidden
  layer's outputs in each training step (never after the output layer).
- Batch normalisation (배치 정규화): BatchNormalization() normalises each
  batch's activations, stabilising and speeding up training.
- Early stopping (조기 종료):
  EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
  stops when the validation loss has not improved for `patience` epochs.
- Data augmentation (데이터 증강): ImageDataGenerator is gone in Keras 3; use
  preprocessing layers such as RandomFlip and RandomRotation, which change
  images only while training.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-12
"""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


def l1_penalty(weights, lam):
    """lam * sum(|w|) over every weight in the array `weights`."""
    raise NotImplementedError


def l2_penalty(weights, lam):
    """lam * sum(w ** 2) over every weight in the array `weights`."""
    raise NotImplementedError


def build_regularized_mlp(n_features, n_classes, dropout=0.5, l2=1e-4, batch_norm=True, hidden_units=(64, 32)):
    """A classifier MLP with regularisation after every hidden layer.

    For each entry of `hidden_units`: Dense(units, relu, kernel_regularizer=L2(l2)),
    then BatchNormalization() if `batch_norm`, then Dropout(dropout).
    The output is Dense(n_classes, softmax) with nothing after it.
    Input: `n_features` values. (Compiling is optional here.)
    """
    # TODO
    raise NotImplementedError


def early_stopping(patience=5):
    """An EarlyStopping callback that watches val_loss and restores the best weights."""
    raise NotImplementedError


def best_epoch(history):
    """The 0-based epoch with the lowest validation loss in `history` (a dict like hist.history).

    >>> best_epoch({"loss": [1.0, 0.8, 0.7], "val_loss": [0.9, 0.6, 0.65]})
    1
    """
    raise NotImplementedError


def is_overfitting(history, window=3):
    """True if val_loss has not improved for at least `window` epochs while the training loss still did.

    That is: the best (lowest) val_loss is at least `window` epochs before the
    last epoch, and the last training loss is lower than the training loss at
    that best epoch. It is the situation early stopping with patience=window
    reacts to.

    >>> is_overfitting({"loss": [1.0, 0.8, 0.6, 0.5, 0.4], "val_loss": [0.9, 0.7, 0.75, 0.8, 0.9]}, window=3)
    True
    """
    raise NotImplementedError


def augmentation():
    """A keras.Sequential of RandomFlip("horizontal") and RandomRotation(0.1).

    It changes images only in training mode: augmentation(images, training=True).
    """
    raise NotImplementedError
