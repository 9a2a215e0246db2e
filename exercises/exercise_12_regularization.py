"""Exercise 12 · Regularisation against overfitting (규제, 과적합 방지)

A model that memorises its training data (과적합, overfitting) does worse on
new data: its training loss (훈련 손실) keeps falling while its validation loss
(검증 손실) rises.
규제 (regularisation) limits the model's complexity so that it generalises
(일반화 성능). The course's tools:

- L1 / L2 regularisation (L1/L2 규제): add lam * sum|w| (L1, Lasso: 가중치의 절댓값 합) or
  lam * sum w^2 (L2, Ridge: 가중치의 제곱합) to the loss (손실), so large weights (가중치) cost:
      Dense(64, activation='relu', kernel_regularizer=keras.regularizers.L2(1e-4))
- Dropout (드롭아웃): model.add(Dropout(0.5)) switches off (sets to 0) a random
  half of a hidden layer's (은닉층) outputs in every training step, so the
  network learns many different combinations of neurons (뉴런).
- Batch normalisation (배치 정규화): model.add(BatchNormalization()) normalises
  each batch's activations (mean and standard deviation per batch, then a
  learned scale and shift), which stabilises and speeds up training.
- Early stopping (조기 종료): stop when the validation loss has not improved
  for `patience` epochs (에포크), before overfitting sets in:
      early_stopping = EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
      model.fit(X_train, y_train, validation_data=(X_val, y_val), callbacks=[early_stopping])
- Data augmentation (데이터 증강): show the model varied versions of each image
  (rotated, flipped, shifted). The course's ImageDataGenerator(rotation_range=20,
  width_shift_range=0.2, height_shift_range=0.2, horizontal_flip=True) is gone in
  Keras 3; its replacement is preprocessing layers (전처리 층): RandomFlip,
  RandomRotation and RandomTranslation, which change images only while training.

Replace each `raise NotImplementedError` with your code, then run:

    grade exercise-12
"""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


def l1_penalty(weights, lam):
    """The L1 (Lasso) penalty: lam * sum(|w|) over every weight in the array `weights`.

    Why: added to the loss (손실), it pushes weights (가중치) towards exactly 0
    (a sparse model, 희소 모델).

    Worked example: weights [[1, -2], [0, 3]], lam 0.1 -> 0.1 * (1 + 2 + 0 + 3) = 0.6
    (what keras.regularizers.L1(0.1) adds to the loss for that kernel).
    """
    # TODO
    raise NotImplementedError


def l2_penalty(weights, lam):
    """The L2 (Ridge) penalty: lam * sum(w ** 2) over every weight in the array `weights`.

    Why: added to the loss (손실), it makes large weights (가중치) expensive
    (weight decay, 가중치 감쇠).

    Worked example: weights [[1, -2], [0, 3]], lam 0.1 -> 0.1 * (1 + 4 + 0 + 9) = 1.4
    (what keras.regularizers.L2(0.1) adds to the loss for that kernel).
    """
    # TODO
    raise NotImplementedError


def build_regularized_mlp(n_features, n_classes, dropout=0.5, l2=1e-4, batch_norm=True, hidden_units=(64, 32)):
    """A classifier MLP with regularisation after every hidden layer.

    Input (입력층): `n_features` values (특성). For each entry of `hidden_units`:
    Dense(units, activation='relu', kernel_regularizer=keras.regularizers.L2(l2)),
    then BatchNormalization() if `batch_norm`, then Dropout(dropout).
    The output layer (출력층) is Dense(n_classes, activation='softmax') with NOTHING
    after it. (Compiling (컴파일) is optional here.)

    Any keras.Model counts: keras.Sequential, the functional API, or your own subclass of
    keras.Model (서브클래싱 API). The grader never runs your class's code itself (안전 모드):
    for a subclass, your file reports its layers with their settings (regularizer, dropout rate)
    and the grader walks that table as usual; the input size is the one your first Dense layer
    takes, and call() must apply every layer you create in __init__, once, in that order (a
    Dropout (드롭아웃) changes nothing at inference, so the grader checks that call() uses it).

    Why: regularisation (규제) belongs to the hidden layers (은닉층). Dropout
    (드롭아웃) after the output layer would randomly zero the predictions themselves.

    Worked example: build_regularized_mlp(20, 3) has the layers
        Dense(64, relu, L2 1e-4) BatchNormalization Dropout(0.5)
        Dense(32, relu, L2 1e-4) BatchNormalization Dropout(0.5)
        Dense(3, softmax)
    and with batch_norm=False the two BatchNormalization layers are left out.
    """
    # TODO
    raise NotImplementedError


def early_stopping(patience=5):
    """An EarlyStopping callback: watch val_loss, wait `patience` epochs, restore the best weights.

    Why: the training loss (훈련 손실) keeps falling while the model overfits
    (과적합); only the validation loss (검증 손실) shows when to stop (조기 종료).
    Without restore_best_weights the model keeps the weights (가중치) of the last,
    already worse, epochs (에포크).

    Worked example (the course):
        EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
    """
    # TODO
    raise NotImplementedError


def best_epoch(history):
    """The 0-based epoch with the lowest validation loss in `history` (a dict like hist.history).

    Why: it is the epoch (에포크) whose weights (가중치) restore_best_weights=True
    brings back.

    >>> best_epoch({"loss": [1.0, 0.8, 0.7], "val_loss": [0.9, 0.6, 0.65]})
    1
    """
    # TODO
    raise NotImplementedError


def is_overfitting(history, window=3):
    """True if val_loss has not improved for at least `window` epochs while the training loss still did.

    Precisely: let `best` be best_epoch(history). The run is overfitting when
        (last epoch) - best >= window          (no new lowest val_loss for `window` epochs)
    and history["loss"][-1] < history["loss"][best]   (training loss still fell since then).
    It is the situation early stopping (조기 종료) with patience=window reacts to.
    If the training loss rose as well, the run is diverging (발산), not
    overfitting (과적합): False.

    >>> h = {"loss": [1.0, 0.8, 0.6, 0.5, 0.4], "val_loss": [0.9, 0.7, 0.75, 0.8, 0.9]}
    >>> is_overfitting(h, window=3)    # best epoch 1, last epoch 4: 3 epochs without improvement
    True
    >>> is_overfitting(h, window=4)
    False
    """
    # TODO
    raise NotImplementedError


def augmentation():
    """A keras.Sequential of random layers (데이터 증강): the course's ImageDataGenerator in Keras 3.

    Why: flipped (뒤집기) and slightly rotated (회전) copies teach the model that a
    shirt is still a shirt, without collecting new images. The layers change
    images only in training mode (훈련 모드), so predictions always see the real image:
        augment = augmentation()
        augment(images, training=True)    # randomly flipped and rotated
        augment(images, training=False)   # unchanged

    Worked example: the course's
        ImageDataGenerator(rotation_range=20, width_shift_range=0.2,
                           height_shift_range=0.2, horizontal_flip=True)
    becomes three layers, in any order:
        RandomFlip("horizontal")        # horizontal_flip=True (좌우 뒤집기)
        RandomRotation(20 / 360)        # rotation_range=20 is in degrees; the
                                        # factor is a fraction of a full turn
                                        # (0.1 would be 0.1 * 360 = 36 degrees)
        RandomTranslation(0.2, 0.2)     # height_shift_range, width_shift_range (이동)
    """
    # TODO
    raise NotImplementedError
