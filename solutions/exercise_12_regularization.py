"""Exercise 12 · Regularisation against overfitting: reference solution."""

import numpy as np
from tensorflow import keras
from tensorflow.keras import layers


def l1_penalty(weights, lam):
    return float(lam * np.sum(np.abs(weights)))


def l2_penalty(weights, lam):
    return float(lam * np.sum(np.square(weights)))


def build_regularized_mlp(n_features, n_classes, dropout=0.5, l2=1e-4, batch_norm=True, hidden_units=(64, 32)):
    model = keras.Sequential([keras.Input(shape=(n_features,))])
    for units in hidden_units:
        model.add(layers.Dense(units, activation="relu", kernel_regularizer=keras.regularizers.L2(l2)))
        if batch_norm:
            model.add(layers.BatchNormalization())
        model.add(layers.Dropout(dropout))
    model.add(layers.Dense(n_classes, activation="softmax"))  # nothing after the output
    return model


def early_stopping(patience=5):
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)


def best_epoch(history):
    return int(np.argmin(history["val_loss"]))


def is_overfitting(history, window=3):
    best = best_epoch(history)
    stalled = len(history["val_loss"]) - 1 - best >= window
    return bool(stalled and history["loss"][-1] < history["loss"][best])


def augmentation():
    # ImageDataGenerator(rotation_range=20, width_shift_range=0.2, height_shift_range=0.2, horizontal_flip=True):
    # rotation_range is in degrees, RandomRotation's factor a fraction of a full turn (20 / 360, not 0.1 = 36 degrees)
    return keras.Sequential(
        [layers.RandomFlip("horizontal"), layers.RandomRotation(20 / 360), layers.RandomTranslation(0.2, 0.2)]
    )
